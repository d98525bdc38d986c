import { cp, mkdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { compareWithLiveSources, DYNAMODB_NOT_SAMPLED, type LiveSampleDeps, sampleLiveSource } from '../../../../lambdas/drill/live-sample';
import { type RestoreReport } from '../../../../lambdas/restore/verify-restore';
import { LOCAL_CREDENTIALS } from '../../../../lambdas/runtime/local-endpoints';
import { type LocalCloudHandle, localDynamoDbClient, localS3Client, startLocalCloud, startRegion, stopLocalCloud, stopRegion } from '../../../../local/cloud';
import { type Vault } from '../../../../vault/repository/vault';
import { snapshotSource } from '../../../support/vault-backup-fixture';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { backupRecordsOf } from '../../../support/backup-left-out-records';

/**
 * The drill's live comparison: a restored copy against the live source, where the live entry is
 * unchanged since the backup. Live buckets in the primary region, restored ones in the DR region,
 * as in a drill from the DR vault; a stopped primary region is `unreachable`, not a failure.
 */
const PRIMARY = 'us-east-1';
const DR = 'us-west-2';
const LIVE = 'lifeboat-test-live-assets';
const RESTORED = 'lifeboat-dev-drill-0a0b0c0d-assets';
const KEYS = ['a.txt', 'b.bin', 'dir/c.bin', 'dir/d.txt', 'e.bin'];

let dataDir: string;
let work: string;
let cloud: LocalCloudHandle;
let liveS3: S3Client;
let drS3: S3Client;
let dynamodb: DynamoDBClient;
let vault: Vault;

const s3Source: SourceConfig = { type: 's3', name: 'assets', bucket: LIVE, prefix: '' };
const fsSource: SourceConfig = { type: 'filesystem', name: 'files', path: '/live/files' };
const directory = (configured: string): string => join(work, 'fs', configured);

function report(source: SourceConfig, snapshotId: string, target: RestoreReport['target'], entries: number): RestoreReport {
  return { restoreId: 'r', backupId: '20261130T100000Z-00000001', source: source.name, snapshotId, vault: 'dr', target, targetDescription: 'x', entries, bytes: 0, verified: { entries, mismatches: 0 }, durationMs: 1 };
}

function deps(over: Partial<LiveSampleDeps> = {}): LiveSampleDeps {
  return { openVault: async () => vault, liveS3, targetS3: drS3, directory, backupRecords: backupRecordsOf([{ name: s3Source.name }, { name: fsSource.name }]), ...over };
}

async function copyBucket(from: string, to: string): Promise<void> {
  const listed = await liveS3.send(new ListObjectsV2Command({ Bucket: from }));
  for (const o of listed.Contents ?? []) {
    const got = await liveS3.send(new GetObjectCommand({ Bucket: from, Key: o.Key }));
    await drS3.send(new PutObjectCommand({ Bucket: to, Key: o.Key, Body: Buffer.from((await got.Body?.transformToByteArray()) ?? []) }));
  }
}

beforeAll(async () => {
  dataDir = await tempDir('drill-live-cloud');
  work = await tempDir('drill-live');
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  liveS3 = localS3Client(cloud.endpoints, PRIMARY);
  drS3 = localS3Client(cloud.endpoints, DR);
  dynamodb = localDynamoDbClient(cloud.endpoints, PRIMARY);
  await mkdir(join(work, 'vault'));
  vault = (await newTestVault(join(work, 'vault'))).vault;
  await liveS3.send(new CreateBucketCommand({ Bucket: LIVE }));
  for (const [i, key] of KEYS.entries()) await liveS3.send(new PutObjectCommand({ Bucket: LIVE, Key: key, Body: pseudoRandomBytes(3000 + i * 500, i + 1) }));
});

afterAll(async () => {
  liveS3.destroy();
  drS3.destroy();
  dynamodb.destroy();
  await stopLocalCloud(dataDir);
  await removeDir(dataDir);
  await removeDir(work);
});

describe('drill live sample, S3', () => {
  let snapshotId: string;
  const target = { type: 's3' as const, bucket: RESTORED, prefix: '' };

  beforeAll(async () => {
    snapshotId = (await snapshotSource(s3Source, { vault, s3: liveS3, dynamodb, catalogTable: 'unused', directory }, [])).id;
    await drS3.send(new CreateBucketCommand({ Bucket: RESTORED, CreateBucketConfiguration: { LocationConstraint: DR } }));
    await copyBucket(LIVE, RESTORED);
  });

  it('compares unchanged objects byte for byte, up to `samples`, spread over the source', async () => {
    expect(await sampleLiveSource(report(s3Source, snapshotId, target, KEYS.length), s3Source, 10, deps())).toEqual({ compared: 5, matched: 5, skippedChanged: 0, checkedLive: 0, mismatches: [], notInBackup: [] });
    expect(await sampleLiveSource(report(s3Source, snapshotId, target, KEYS.length), s3Source, 2, deps())).toEqual({ compared: 2, matched: 2, skippedChanged: 0, checkedLive: expect.any(Number), mismatches: [], notInBackup: [] });
  });

  it('skips an object changed since the backup and names a restored copy that differs', async () => {
    await liveS3.send(new PutObjectCommand({ Bucket: LIVE, Key: 'b.bin', Body: 'changed after the backup' }));
    await drS3.send(new PutObjectCommand({ Bucket: RESTORED, Key: 'dir/c.bin', Body: 'a corrupt restore' }));
    const sampled = await sampleLiveSource(report(s3Source, snapshotId, target, KEYS.length), s3Source, 10, deps());
    expect(sampled).toEqual({ compared: 4, matched: 3, skippedChanged: 1, checkedLive: 0, notInBackup: [], mismatches: [expect.stringMatching(/^"dir\/c\.bin": restored copy \(17 bytes\) differs from the live object/)] });

    const comparison = await compareWithLiveSources({ restored: [report(s3Source, snapshotId, target, KEYS.length)], samples: 10, verifiedAt: '2026-11-30T10:05:00Z' }, [s3Source], deps());
    expect(comparison.sources).toEqual([{ source: 'assets', sampled: { compared: 4, matched: 3, skippedChanged: 1, checkedLive: 0 } }]);
    expect(comparison.errors).toEqual([{ error: 'LiveSampleMismatchError', message: expect.stringContaining('Source assets: 1 restored entry differs from the live source'), step: 'Compare with live sources', source: 'assets' }]);
  });

  it('compares the next unchanged object when the one due changed, instead of giving the sample up', async () => {
    // Live a.txt and b.bin changed (b.bin above); the restored dir/c.bin differs. One sample, due at a.txt: it goes on to dir/c.bin.
    await liveS3.send(new PutObjectCommand({ Bucket: LIVE, Key: 'a.txt', Body: 'also changed after the backup' }));
    const sampled = await sampleLiveSource(report(s3Source, snapshotId, target, KEYS.length), s3Source, 1, deps());
    expect(sampled).toEqual({ compared: 1, matched: 0, skippedChanged: 2, checkedLive: expect.any(Number), notInBackup: [], mismatches: [expect.stringMatching(/^"dir\/c\.bin": restored copy/)] });
  });

  it('fills its samples from the objects left untried when the entries it was told of (directories too) spread them thin', async () => {
    // 25 entries reported for 5 objects: one due every 5th entry would try a.txt alone.
    const sampled = await sampleLiveSource(report(s3Source, snapshotId, target, 25), s3Source, 3, deps());
    expect(sampled).toMatchObject({ compared: 3, skippedChanged: 2 });
  });

  it('a stopped primary region is unreachable, not a throw', async () => {
    // One attempt: the SDK's retries of a refused connection would only slow the test down.
    const oneTry = new S3Client({ region: PRIMARY, endpoint: cloud.endpoints.s3[PRIMARY], forcePathStyle: true, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    await stopRegion(dataDir, PRIMARY);
    try {
      const sampled = await sampleLiveSource(report(s3Source, snapshotId, target, KEYS.length), s3Source, 10, deps({ liveS3: oneTry }));
      expect(sampled).toMatchObject({ compared: 0, matched: 0, mismatches: [], unreachable: expect.stringMatching(/^bucket lifeboat-test-live-assets could not be reached: .*ECONNREFUSED/) });
    } finally {
      await startRegion(dataDir, PRIMARY);
      oneTry.destroy();
    }
  });

  it('DynamoDB is not sampled and says why; no S3 client for the live region says why', async () => {
    const table: SourceConfig = { type: 'dynamodb', name: 'orders', table: 'orders' };
    expect(await sampleLiveSource(report(table, 'x', { type: 'dynamodb', table: 'lifeboat-dev-drill-0a0b0c0d-orders' }, 1), table, 10, deps())).toEqual({
      compared: 0,
      matched: 0,
      skippedChanged: 0,
      mismatches: [],
      notInBackup: [],
      unreachable: DYNAMODB_NOT_SAMPLED,
    });
    const sampled = await sampleLiveSource(report(s3Source, snapshotId, target, KEYS.length), s3Source, 10, deps({ liveS3: 'LIFEBOAT_PRIMARY_REGION is not set' }));
    expect(sampled.unreachable).toBe('bucket lifeboat-test-live-assets not compared: LIFEBOAT_PRIMARY_REGION is not set');
  });
});

describe('drill live sample, files', () => {
  const live = (): string => directory(fsSource.type === 'filesystem' ? fsSource.path : '');
  const restoredPath = '/lifeboat-dev-drill-0a0b0c0d-files';
  const TWO_MTIME = new Date('2026-11-01T00:00:00Z');
  let snapshotId: string;

  beforeAll(async () => {
    await mkdir(join(live(), 'sub'), { recursive: true });
    await writeFile(join(live(), 'one.bin'), pseudoRandomBytes(5000, 7));
    await writeFile(join(live(), 'sub', 'two.txt'), 'two '.repeat(300));
    // A whole second, so that a rewrite can put this mtime back exactly (utimes takes no nanoseconds).
    await utimes(join(live(), 'sub', 'two.txt'), TWO_MTIME, TWO_MTIME);
    await writeFile(join(live(), 'sub', 'three.txt'), 'three');
    snapshotId = (await snapshotSource(fsSource, { vault, s3: liveS3, dynamodb, catalogTable: 'unused', directory }, [])).id;
    await cp(live(), directory(restoredPath), { recursive: true, preserveTimestamps: true });
  });

  it('compares unchanged files; skips a file whose mtime moved; names a differing restored file', async () => {
    const target = { type: 'filesystem' as const, path: restoredPath };
    expect(await sampleLiveSource(report(fsSource, snapshotId, target, 4), fsSource, 10, deps())).toEqual({ compared: 3, matched: 3, skippedChanged: 0, mismatches: [], notInBackup: [] });
    const future = new Date(Date.now() + 60_000);
    await utimes(join(live(), 'sub', 'three.txt'), future, future);
    await writeFile(join(directory(restoredPath), 'one.bin'), pseudoRandomBytes(5000, 8));
    expect(await sampleLiveSource(report(fsSource, snapshotId, target, 4), fsSource, 10, deps())).toEqual({
      compared: 2,
      matched: 1,
      skippedChanged: 1,
      mismatches: [expect.stringMatching(/^"one\.bin": restored copy \(5000 bytes\) differs from the live file/)],
      notInBackup: [],
    });
  });

  it('skips a file rewritten since the backup with its size and mtime put back (rsync -t, cp -p), by the backup\'s change token (audit h1-2)', async () => {
    const target = { type: 'filesystem' as const, path: restoredPath };
    const before = await sampleLiveSource(report(fsSource, snapshotId, target, 4), fsSource, 10, deps());
    await writeFile(join(live(), 'sub', 'two.txt'), 'TWO '.repeat(300));
    await utimes(join(live(), 'sub', 'two.txt'), TWO_MTIME, TWO_MTIME);
    const after = await sampleLiveSource(report(fsSource, snapshotId, target, 4), fsSource, 10, deps());
    expect(after).toEqual({ ...before, compared: before.compared - 1, matched: before.matched - 1, skippedChanged: before.skippedChanged + 1 });
  });

  it('compares a live tree moved to new inodes with its bytes, sizes and mtimes kept (cp -p, rsync -a, DataSync); a copy that differs from a moved file is skipped, not a mismatch (review r13-F1)', async () => {
    const moved: SourceConfig = { type: 'filesystem', name: 'moved', path: '/live/moved' };
    const liveMoved = directory('/live/moved');
    const restoredMoved = '/lifeboat-dev-drill-0a0b0c0d-moved';
    await mkdir(liveMoved, { recursive: true });
    await writeFile(join(liveMoved, 'a.bin'), pseudoRandomBytes(4000, 9));
    await writeFile(join(liveMoved, 'b.txt'), 'bee '.repeat(200));
    // Whole seconds, which a copy keeps exactly.
    for (const file of ['a.bin', 'b.txt']) await utimes(join(liveMoved, file), TWO_MTIME, TWO_MTIME);
    const id = (await snapshotSource(moved, { vault, s3: liveS3, dynamodb, catalogTable: 'unused', directory }, [])).id;
    await cp(liveMoved, directory(restoredMoved), { recursive: true, preserveTimestamps: true });
    await rename(liveMoved, `${liveMoved}.old`);
    await cp(`${liveMoved}.old`, liveMoved, { recursive: true, preserveTimestamps: true });
    await rm(`${liveMoved}.old`, { recursive: true });
    const target = { type: 'filesystem' as const, path: restoredMoved };
    expect(await sampleLiveSource(report(moved, id, target, 3), moved, 10, deps())).toEqual({ compared: 2, matched: 2, skippedChanged: 0, mismatches: [], notInBackup: [] });
    await writeFile(join(directory(restoredMoved), 'b.txt'), 'BEE '.repeat(200));
    expect(await sampleLiveSource(report(moved, id, target, 3), moved, 10, deps())).toEqual({ compared: 1, matched: 1, skippedChanged: 1, mismatches: [], notInBackup: [] });
  });

  it('a live directory that is not mounted here is unreachable', async () => {
    await rm(directory('/elsewhere'), { recursive: true, force: true });
    const gone: SourceConfig = { type: 'filesystem', name: 'files', path: '/elsewhere' };
    const sampled = await sampleLiveSource(report(gone, snapshotId, { type: 'filesystem', path: restoredPath }, 4), gone, 10, deps());
    expect(sampled).toMatchObject({ compared: 0, unreachable: expect.stringMatching(/^directory \/elsewhere is not reachable from this function \(ENOENT\)/) });
  });
});
