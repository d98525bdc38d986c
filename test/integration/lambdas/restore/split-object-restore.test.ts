import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { planRestore, type PlannedRestore } from '../../../../lambdas/restore/plan-restore';
import { pieceRecordKey } from '../../../../lambdas/restore/piece-records';
import { getRestorePlan } from '../../../../lambdas/restore/restore-plan-document';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { resolveRestore } from '../../../../lambdas/restore/resolve-restore';
import { restoreShardBatch } from '../../../../lambdas/restore/restore-shard';
import { SplitEntryIncompleteError } from '../../../../lambdas/restore/restore-errors';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { createCatalogShapedTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { type Vault } from '../../../../vault/repository/vault';
import { commitFixtureBackup } from '../../../support/vault-backup-fixture';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Issue 16: one large S3 object is restored by several shards, one byte range (a piece) each, as
 * parts of one multipart upload that the verify step completes (split-object-upload.ts). The
 * restore's steps run in this process as the runbook chains them, with a piece budget of 8 MiB
 * (one part) in place of 1 GiB, on the local cloud.
 */
const REGION = 'us-east-1';
const CATALOG = 'lifeboat-test-pieces-catalog';
const BUCKET = 'lifeboat-test-pieces';
const PREFIX = 'lifeboat-test-restore-';
const MIB = 1024 * 1024;
const PIECE_BYTES = 8 * MIB;
const BIG_KEY = 'video/big.bin';
const source: SourceConfig = { type: 's3', name: 'media', bucket: BUCKET, prefix: '' };
let dataDir: string;
let work: string;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let vault: Vault;
let catalog: BackupCatalog;
let io: RestoreIo;
let backupId: string;
/** What the test wrote (key → body): what every restore is compared with, byte for byte. */
const model = new Map<string, Buffer>();

async function body(bucket: string, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

async function exists(bucket: string, key: string): Promise<boolean> {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    (err: Error) => {
      if (err.name === 'NotFound') return false;
      throw err;
    },
  );
}

/** Resolve and plan a restore of the backup into a new bucket, the big object in pieces. */
async function plannedRestore(restoreId: string, target: string): Promise<PlannedRestore> {
  await s3.send(new CreateBucketCommand({ Bucket: target }));
  const resolved = await resolveRestore(
    { source: source.name, backupId, target: { type: 's3', bucket: target }, allowUnprotectedTarget: true },
    restoreId,
    { restoreTargetPrefix: PREFIX, sources: [source], catalog, openVault: io.openVault, s3, dynamodb, directory: io.directory },
  );
  return planRestore(resolved, { map: 'inline', maxConcurrency: 2 }, { ...io, limits: { pieceBytes: PIECE_BYTES } });
}

beforeAll(async () => {
  dataDir = await tempDir('split-restore-cloud');
  work = await tempDir('split-restore');
  const cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, REGION);
  dynamodb = localDynamoDbClient(cloud.endpoints, REGION);
  vault = (await newTestVault(work)).vault;
  await createCatalogShapedTable(dynamodb, CATALOG);
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }), CATALOG);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // 2.5 pieces: [0, 8 MiB), [8, 16 MiB), [16, 20 MiB) — the last one short.
  const big = pseudoRandomBytes(20 * MIB, 61);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: BIG_KEY, Body: big, ContentType: 'video/mp4', Metadata: { camera: 'north' }, Tagging: 'tier=cold&owner=media' }));
  model.set(BIG_KEY, big);
  for (let i = 0; i < 6; i++) {
    const key = `${i < 3 ? 'a' : 'z'}/small-${i}`;
    const small = pseudoRandomBytes(3000 + i * 101, 200 + i);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: small }));
    model.set(key, small);
  }
  io = { openVault: async () => vault, planS3: s3, planBucket: BUCKET, targetS3: s3, dynamodb, directory: (p) => join(work, 'fs', p) };

  // One committed backup, written as the backup workflow stores it (the restore is what is tested here).
  backupId = await commitFixtureBackup('pieces', [source], { vault, s3, dynamodb, catalogTable: CATALOG, directory: io.directory }, new Date());
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  dynamodb?.destroy();
  await stopLocalCloud(dataDir);
  await removeDir(dataDir);
  await removeDir(work);
});

describe('an S3 object larger than the piece budget', () => {
  it('is restored by one shard per piece, appears only when verify completes its upload, and equals the source byte for byte', async () => {
    const target = `${PREFIX}pieces-1`;
    const planned = await plannedRestore('r-pieces-1', target);
    const plan = await getRestorePlan(s3, BUCKET, planned.planKey);
    const pieces = plan.shards.filter((s) => s.piece);
    expect(pieces.map((s) => [s.first, s.piece?.start, s.piece?.end, s.piece?.firstPart, s.entries])).toEqual([
      [BIG_KEY, 0, 8 * MIB, 1, 1],
      [BIG_KEY, 8 * MIB, 16 * MIB, 2, 0],
      [BIG_KEY, 16 * MIB, 20 * MIB, 3, 0],
    ]);
    expect(new Set(pieces.map((s) => s.piece?.uploadId)).size).toBe(1);
    // The small objects on either side of it are in range shards that skip it.
    expect(plan.shards.filter((s) => !s.piece).reduce((n, s) => n + s.entries, 0)).toBe(model.size - 1);
    expect(plan.entries).toBe(model.size);

    const results = [];
    for (const batch of planned.shards ?? []) results.push(...(await restoreShardBatch(batch, io)).shards);
    expect(results.filter((r) => pieces.some((p) => p.index === r.shardIndex)).map((r) => r.bytes)).toEqual([8 * MIB, 8 * MIB, 4 * MIB]);
    expect(results.reduce((n, r) => n + r.entries, 0)).toBe(model.size);
    // Each part's CRC32 is recorded for the completion: the upload was created declaring CRC32 (the local cloud returns a part's checksum only then).
    for (const p of pieces) {
      const record = JSON.parse((await body(BUCKET, pieceRecordKey('r-pieces-1', p.index))).toString('utf8')) as { parts: Array<{ ChecksumCRC32?: string }> };
      expect(record.parts.map((part) => part.ChecksumCRC32)).toEqual([expect.stringMatching(/^[A-Za-z0-9+/]{6}==$/)]);
    }
    // Until the upload is completed there is no object: never a partial one.
    expect(await exists(target, BIG_KEY)).toBe(false);

    const report = await verifyRestore({ planKey: planned.planKey }, io);
    expect(report).toMatchObject({ entries: model.size, verified: { entries: model.size, mismatches: 0 } });
    for (const [key, expected] of model) expect([key, (await body(target, key)).equals(expected)]).toEqual([key, true]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: target, Key: BIG_KEY }));
    expect({ type: head.ContentType, metadata: head.Metadata }).toEqual({ type: 'video/mp4', metadata: { camera: 'north' } });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: target, Key: BIG_KEY }));
    expect(Object.fromEntries((tags.TagSet ?? []).map((t) => [t.Key, t.Value]))).toEqual({ tier: 'cold', owner: 'media' });

    // A retried verify step finds the upload completed and passes again.
    await expect(verifyRestore({ planKey: planned.planKey }, io)).resolves.toMatchObject({ verified: { mismatches: 0 } });
  }, 120_000);

  it('a piece whose shard never ran fails the verify step naming that shard, and no object is left in the target', async () => {
    const target = `${PREFIX}pieces-2`;
    const planned = await plannedRestore('r-pieces-2', target);
    const plan = await getRestorePlan(s3, BUCKET, planned.planKey);
    const skipped = plan.shards.filter((s) => s.piece)[1]?.index as number;
    for (const batch of planned.shards ?? []) if (batch.Items[0]?.shardIndex !== skipped) await restoreShardBatch(batch, io);

    const attempt = verifyRestore({ planKey: planned.planKey }, io);
    await expect(attempt).rejects.toThrow(SplitEntryIncompleteError);
    await expect(attempt).rejects.toThrow(`"${BIG_KEY}" is restored in 3 pieces, but shard(s) ${skipped} recorded no uploaded parts; its upload to s3://${target}/${BIG_KEY} was aborted: run the restore again`);
    expect(await exists(target, BIG_KEY)).toBe(false);
    // The other entries were restored as they are.
    for (const [key, expected] of model) if (key !== BIG_KEY) expect([key, (await body(target, key)).equals(expected)]).toEqual([key, true]);
  }, 120_000);
});
