import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { ESCAPED_KEY_SEGMENT } from '../../../../lambdas/sources/s3-entry-path';
import { seededBytes } from '../../../../local/demo/sample-data';
import { AWKWARD_KEYS, type BackupTestEnvironment, committedBackupId, openBackupTestEnvironment, seedSmallSources, SMALL_PLAN } from '../../../support/backup-test-environment';

/**
 * Strategies over the vault, end to end: full → incremental → incremental → differential, each
 * read back from the vault equal to the live sources, with what each one read and stored, and the
 * catalog's parents, bases and queries.
 */
let env: BackupTestEnvironment;
const LARGE_KEY = 'large/multipart.bin';
// One part of S3's smallest (5 MiB) and a 5-byte tail: more than a read or chunker batch holds (4 MiB).
const LARGE = seededBytes('large', 5 * 1024 * 1024 + 5);

beforeAll(async () => {
  env = await openBackupTestEnvironment('strategies');
  await seedSmallSources(env);
  // An object uploaded in parts (ETag "<md5>-2"), larger than any single read.
  const bucket = 'lifeboat-test-small';
  const { UploadId } = await env.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: LARGE_KEY, ContentType: 'application/x-test' }));
  const parts = [];
  for (let i = 0, n = 1; i < LARGE.length; i += 5 * 1024 * 1024, n++) {
    const { ETag } = await env.s3.send(new UploadPartCommand({ Bucket: bucket, Key: LARGE_KEY, UploadId, PartNumber: n, Body: LARGE.subarray(i, i + 5 * 1024 * 1024) }));
    parts.push({ ETag, PartNumber: n });
  }
  await env.s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: LARGE_KEY, UploadId, MultipartUpload: { Parts: parts } }));
}, 120_000);

afterAll(async () => {
  await env?.close();
});

async function backup(strategy?: 'full' | 'incremental' | 'differential'): Promise<BackupRecord> {
  const record = await env.catalog.requireBackup(committedBackupId(await env.runBackup(strategy ? { strategy } : {})));
  for (const v of await env.verifyAll(record)) expect({ source: v.source, mismatches: v.mismatches }).toEqual({ source: v.source, mismatches: [] });
  return record;
}

const ofSource = (record: BackupRecord, name: string) => {
  const s = record.sources.find((x) => x.name === name);
  if (!s) throw new Error(`${record.backupId} has no source ${name}`);
  return s;
};

let full: BackupRecord;
let incremental: BackupRecord;

it('runs a first backup as full (nothing to build on), one snapshot per source, awkward keys and a multipart object intact', async () => {
  full = await backup();
  expect(full).toMatchObject({ status: 'COMMITTED', strategy: 'full', requestedStrategy: 'incremental', copies: { primary: 'COMMITTED' } });
  expect(full.parentBackupId).toBeUndefined();
  expect(full.sourceNames).toEqual(['small-bucket', 'small-table', 'small-files']);
  expect(full.totals?.bytesScanned).toBe(full.totals?.bytes);

  const vault = await env.vault();
  const bucket = await vault.loadSnapshot(ofSource(full, 'small-bucket').snapshotId);
  expect(bucket.source).toEqual({ kind: 's3', id: 'small-bucket', bucket: 'lifeboat-test-small', prefix: '' });
  // Everything the catalog record holds beyond the snapshot itself (lambdas/catalog/backup-snapshot-tags.ts), so a catalog rebuild recovers it.
  expect(bucket.tags).toEqual([
    `backupId:${full.backupId}`,
    `plan:${SMALL_PLAN}`,
    'strategy:full',
    'environment:test',
    'requestedStrategy:incremental',
    `startedAt:${full.startedAt}`,
    'trigger:test',
    `shardCount:${full.shardCount}`,
    'backupSource:small-bucket',
    'backupSource:small-table',
    'backupSource:small-files',
    `changedDuringRead:${ofSource(full, 'small-bucket').changedDuringRead ?? -1}`,
    `vanished:${ofSource(full, 'small-bucket').vanished ?? -1}`,
    `skipped:${ofSource(full, 'small-bucket').skipped ?? -1}`,
  ]);
  // The backup ended when its last snapshot object was written: a time the vault keeps, for a rebuilt catalog.
  const times = await Promise.all(full.sources.map(async (s) => (await vault.loadSnapshot(s.snapshotId)).time));
  expect(full.endedAt).toBe(times.sort().at(-1));
  const entries = new Map<string, { path: string; meta: Record<string, unknown>; size: number; changeToken?: string }>();
  for await (const e of vault.entries(bucket)) entries.set(String(e.meta.key), e);
  expect([...entries.keys()]).toEqual(expect.arrayContaining([...AWKWARD_KEYS, LARGE_KEY]));
  // Keys the vault cannot hold as paths are escaped; the exact key is always in meta.key.
  expect(entries.get('plain.txt')?.path).toBe('plain.txt');
  expect(entries.get('folder-marker/')?.path.startsWith(`${ESCAPED_KEY_SEGMENT}/`)).toBe(true);
  expect(entries.get('%lifeboat-escaped-key/not-really')?.path.startsWith(`${ESCAPED_KEY_SEGMENT}/`)).toBe(true);
  const large = entries.get(LARGE_KEY);
  expect(large).toMatchObject({ size: LARGE.length, meta: { contentType: 'application/x-test', size: LARGE.length } });
  // The change token is ETag:size (s3rver gives multipart objects a plain MD5 ETag; S3 would say "<md5>-2").
  expect(large?.changeToken).toBe(`${String(large?.meta.etag)}:${LARGE.length}`);

  const table = await vault.loadSnapshot(ofSource(full, 'small-table').snapshotId);
  expect(table.source).toMatchObject({ kind: 'dynamodb', id: 'small-table', table: 'lifeboat-test-small', schema: { billingMode: 'PAY_PER_REQUEST' } });
  for await (const e of vault.entries(table)) expect(e.path).toMatch(/^segment-\d{4}\/page-\d{6}$/);
  const files = await vault.loadSnapshot(ofSource(full, 'small-files').snapshotId);
  const paths: string[] = [];
  for await (const e of vault.entries(files)) paths.push(`${e.kind}:${e.path}`);
  expect(paths).toEqual(['dir:data', 'file:data/b.bin', 'dir:docs', 'file:docs/a.txt', 'dir:docs/empty-dir', 'file:docs/empty.txt', 'symlink:link-to-a', 'file:top.txt']);
}, 90_000);

it('incremental: reads only changed objects and files, picks up tag-only changes, parent = the latest backup', async () => {
  const bucket = 'lifeboat-test-small';
  const rewritten = seededBytes('rewritten', 7000);
  await env.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain.txt', Body: rewritten }));
  await env.s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'empty', Tagging: { TagSet: [{ Key: 'tier', Value: 'retagged' }] } }));
  const changedFile = Buffer.from('changed top level file, longer than before\n');
  await writeFile(path.join(env.fsRoot('/mnt/small'), 'top.txt'), changedFile);
  await env.ddb.send(
    new UpdateItemCommand({ TableName: 'lifeboat-test-small', Key: { orderId: { S: 'order-00007' } }, UpdateExpression: 'SET note = :n', ExpressionAttributeValues: { ':n': { S: 'changed' } } }),
  );

  incremental = await backup('incremental');
  expect(incremental).toMatchObject({ strategy: 'incremental', parentBackupId: full.backupId, baseBackupId: full.backupId });
  expect(ofSource(incremental, 'small-bucket')).toMatchObject({ bytesScanned: rewritten.length, parentSnapshotId: ofSource(full, 'small-bucket').snapshotId });
  expect(ofSource(incremental, 'small-files').bytesScanned).toBe(changedFile.length);
  // Tables have no change token: every page is read, and unchanged pages dedup.
  const table = ofSource(incremental, 'small-table');
  expect(table.bytesScanned).toBe(table.bytes);
  expect(table.bytesNew).toBeLessThan(table.bytes);
}, 90_000);

it('differential: built against the latest full backup, not the latest backup', async () => {
  await writeFile(path.join(env.fsRoot('/mnt/small'), 'docs', 'new.txt'), 'new in the third round\n');
  const second = await backup('incremental');
  expect(second.parentBackupId).toBe(incremental.backupId);
  expect(second.baseBackupId).toBe(full.backupId);

  const differential = await backup('differential');
  expect(differential).toMatchObject({ strategy: 'differential', parentBackupId: full.backupId, baseBackupId: full.backupId });
  expect(ofSource(differential, 'small-files').parentSnapshotId).toBe(ofSource(full, 'small-files').snapshotId);
  // Against the full: both files changed since then are read again (not only the newest one).
  expect(ofSource(differential, 'small-files').bytesScanned).toBe(Buffer.byteLength('changed top level file, longer than before\n') + Buffer.byteLength('new in the third round\n'));

  // Catalog queries restore relies on.
  const ofPlan = await env.catalog.listBackupsOfPlan(SMALL_PLAN);
  expect(ofPlan.map((r) => r.backupId)).toEqual([differential.backupId, second.backupId, incremental.backupId, full.backupId]);
  const ofBucket = await env.catalog.listBackupsOfSource('small-bucket');
  expect(ofBucket.map((r) => r.backupId)).toEqual([differential.backupId, second.backupId, incremental.backupId, full.backupId]);
  expect((await env.catalog.backupAsOf('small-files', incremental.startedAt)).backupId).toBe(incremental.backupId);
  expect((await env.catalog.latestBackupOfSource('small-table', { strategy: 'full' }))?.backupId).toBe(full.backupId);
}, 90_000);
