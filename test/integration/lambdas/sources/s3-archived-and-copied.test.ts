import { CopyObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type BackupTestEnvironment, committedBackupId, openBackupTestEnvironment, seedSmallSources } from '../../../support/backup-test-environment';

/**
 * Audit R14 on the local cloud, through the synthesized backup workflow:
 *   F3: a copy-in-place (CopyObject onto itself, MetadataDirective REPLACE) moves LastModified, so the
 *       next incremental records the new metadata and Content-Type instead of the parent's;
 *   F2: an object in GLACIER fails no backup: it is left out and counted as skipped, and the rest of
 *       the bucket is backed up whole.
 */
let env: BackupTestEnvironment;
const BUCKET = 'lifeboat-test-small';
const SOURCE = 'small-bucket';

beforeAll(async () => {
  env = await openBackupTestEnvironment('s3-archived-copied');
  await seedSmallSources(env);
}, 120_000);

afterAll(async () => {
  await env?.close();
});

async function entryOf(record: BackupRecord, key: string): Promise<ManifestEntry | undefined> {
  const vault = await env.vault();
  const snapshotId = record.sources.find((s) => s.name === SOURCE)?.snapshotId;
  if (!snapshotId) throw new Error(`backup ${record.backupId} has no snapshot of ${SOURCE}`);
  for await (const entry of vault.entries(await vault.loadSnapshot(snapshotId))) if (entry.meta['key'] === key) return entry;
  return undefined;
}

async function committed(strategy: 'full' | 'incremental'): Promise<BackupRecord> {
  const id = committedBackupId(await env.runBackup({ strategy }));
  const record = await env.catalog.getBackup(id);
  if (!record) throw new Error(`backup ${id} is not in the catalog`);
  return record;
}

it('an incremental after a copy-in-place with new metadata and Content-Type records the new ones (LastModified moved)', async () => {
  await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'c/meta-copy.txt', Body: 'meta body', Metadata: { v: '1' }, ContentType: 'text/plain', CacheControl: 'max-age=1' }));
  await committed('full');
  const before = await env.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'c/meta-copy.txt' }));
  // LastModified has whole seconds: the copy must land in a later one to be told apart, on S3 as here. The
  // full backup above mostly took longer already; else the rest of that second is waited for, and 100 ms
  // more for the file system's coarser clock, which the cloud's times come from.
  const laterSecond = (before.LastModified?.getTime() ?? Date.now()) + 1000 + 100;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, laterSecond - Date.now())));
  await env.s3.send(
    new CopyObjectCommand({ Bucket: BUCKET, Key: 'c/meta-copy.txt', CopySource: `${BUCKET}/c/meta-copy.txt`, MetadataDirective: 'REPLACE', Metadata: { v: '2' }, ContentType: 'text/html', CacheControl: 'no-store' }),
  );
  const after = await env.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'c/meta-copy.txt' }));
  expect(after.ETag).toBe(before.ETag);
  expect(after.LastModified?.getTime()).toBeGreaterThan(before.LastModified?.getTime() ?? Infinity);

  const record = await committed('incremental');
  expect(record.strategy).toBe('incremental');
  const verified = await env.verifyAll(record);
  expect(verified.flatMap((v) => v.mismatches)).toEqual([]);
  const entry = await entryOf(record, 'c/meta-copy.txt');
  expect(entry?.meta).toMatchObject({ metadata: { v: '2' }, contentType: 'text/html', headers: { cacheControl: 'no-store' } });
}, 300_000);

it('a full backup of a bucket holding a GLACIER object commits, counts it skipped, and holds every other object as it is', async () => {
  await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cold/archived.bin', Body: Buffer.alloc(1000, 7), StorageClass: 'GLACIER' }));
  const record = await committed('full');
  const source = record.sources.find((s) => s.name === SOURCE);
  expect(source?.skipped).toBe(1);
  // The reason line is kept in the record (what `backups list` and `status` show), not only counted.
  expect(source?.skippedExamples).toEqual([expect.stringMatching(/^cold\/archived\.bin: in storage class GLACIER \(archived\); not backed up: restore it/)]);
  expect(source?.vanished).toBe(0);
  expect(await entryOf(record, 'cold/archived.bin')).toBeUndefined();
  // Every other object of the bucket compares equal (body, metadata, tags, headers); the archived one is the only difference.
  const verified = await env.verifyAll(record);
  expect(verified.flatMap((v) => v.mismatches)).toEqual(['object "cold/archived.bin" is missing from the backup']);
  expect(verified.find((v) => v.source === SOURCE)?.entries).toBeGreaterThan(40);
}, 300_000);
