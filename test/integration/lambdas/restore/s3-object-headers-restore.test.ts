import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { protectionPlanSchema, type SourceConfig } from '../../../../config/lifeboat-config';
import { newBackupId } from '../../../../lambdas/backup/backup-id';
import { commitBackup } from '../../../../lambdas/backup/commit-backup';
import { planBackup } from '../../../../lambdas/backup/plan-backup';
import { plannedShardSpecs } from '../../../../lambdas/backup/planned-shard-specs';
import { snapshotShard } from '../../../../lambdas/backup/snapshot-shard';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { planRestore } from '../../../../lambdas/restore/plan-restore';
import { getRestorePlan } from '../../../../lambdas/restore/restore-plan-document';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { resolveRestore } from '../../../../lambdas/restore/resolve-restore';
import { checkRestoredEntries } from '../../../../lambdas/restore/restored-entry-check';
import { restoreShardBatch } from '../../../../lambdas/restore/restore-shard';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { createCatalogShapedTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { compareBuckets } from '../../../../local/demo/compare-restored';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Vault } from '../../../../vault/repository/vault';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit R1, F1: the headers S3 keeps with an object (Content-Encoding, Cache-Control,
 * Content-Disposition, Content-Language, Expires, website redirect) are backed up and restored, and a
 * restore that lacks one is reported. The backup's steps (plan, shards, commit) and the restore's
 * (resolve, plan, shards, verify) run in this process as their workflows chain them, on the local
 * cloud, with small budgets so that the large object is split into byte ranges by the backup and
 * into pieces of one multipart upload by the restore.
 */
const REGION = 'us-east-1';
const CATALOG = 'lifeboat-test-headers-catalog';
const BUCKET = 'lifeboat-test-headers';
/** Where restore plans go (in the workflow, the vault bucket): not the source, which the comparisons list. */
const PLAN_BUCKET = 'lifeboat-test-headers-plans';
const PREFIX = 'lifeboat-test-restore-';
const PLAN = 'headers';
const MIB = 1024 * 1024;
/** Backup shards of 4 MiB: the bundle is read in three byte ranges. */
const BACKUP_BUDGET = 4 * MIB;
/** Restore pieces of 8 MiB (one part each): the bundle is restored by two shards. */
const PIECE_BYTES = 8 * MIB;
const source: SourceConfig = { type: 's3', name: 'site', bucket: BUCKET, prefix: '' };
const plans = [
  protectionPlanSchema.parse({
    name: PLAN,
    schedule: 'rate(1 day)',
    strategy: 'incremental',
    retention: { keepLast: 5 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
    maxConcurrency: 2,
    sources: [source],
  }),
];

/** A pre-compressed asset with every header S3 keeps; Expires as an HTTP date. */
const APP = {
  key: 'site/app.js',
  body: gzipSync(Buffer.from('console.log("hello world");\n'.repeat(200))),
  put: {
    ContentType: 'application/javascript',
    ContentEncoding: 'gzip',
    CacheControl: 'public, max-age=31536000, immutable',
    ContentDisposition: 'attachment; filename="app.js"',
    ContentLanguage: 'en',
    Expires: new Date('2030-12-01T16:00:00Z'),
    WebsiteRedirectLocation: '/index.html',
    Metadata: { owner: 'web' },
    Tagging: 'team=web',
  },
  headers: {
    contentEncoding: 'gzip',
    cacheControl: 'public, max-age=31536000, immutable',
    contentDisposition: 'attachment; filename="app.js"',
    contentLanguage: 'en',
    expires: 'Sun, 01 Dec 2030 16:00:00 GMT',
    websiteRedirectLocation: '/index.html',
  },
};
/** Larger than a backup shard's budget and a restore piece: split on both sides. */
const BUNDLE = {
  key: 'site/bundle.js',
  body: gzipSync(pseudoRandomBytes(9 * MIB, 7), { level: 1 }),
  put: { ContentType: 'application/javascript', ContentEncoding: 'gzip', CacheControl: 'public, max-age=600', ContentLanguage: 'de-CH' },
  headers: { contentEncoding: 'gzip', cacheControl: 'public, max-age=600', contentLanguage: 'de-CH' },
};
const PLAIN = { key: 'plain.txt', body: Buffer.from('no headers of its own') };

let dataDir: string;
let work: string;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let vault: Vault;
let catalog: BackupCatalog;
let io: RestoreIo;

async function backup(strategy: 'full' | 'incremental'): Promise<{ backupId: string; entries: ManifestEntry[]; rangeShards: number }> {
  const backupId = newBackupId(new Date());
  const request = { plan: PLAN, backupId, trigger: 'test', strategy };
  const deps = { s3, dynamodb, vault, catalog, plans, environment: 'test', s3ShardSize: { bytes: BACKUP_BUDGET } };
  let planned = await planBackup(request, deps);
  while (planned.continuation) planned = await planBackup({ ...request, continuation: planned.continuation }, deps);
  const shards = await plannedShardSpecs(vault.store, planned);
  for (const spec of shards) await snapshotShard({ backupId, planKey: planned.planKey, spec }, { s3, dynamodb, vault });
  await commitBackup({ backupId, planKey: planned.planKey }, { vault, catalog });
  const snapshotId = (await catalog.requireBackup(backupId)).sources[0]?.snapshotId;
  if (!snapshotId) throw new Error(`backup ${backupId} recorded no snapshot`);
  const entries: ManifestEntry[] = [];
  for await (const e of vault.entries(await vault.loadSnapshot(snapshotId))) entries.push(e);
  return { backupId, entries, rangeShards: shards.filter((s) => s.kind === 's3-range').length };
}

/** Restores a backup into a new bucket through the restore's steps; resolves with the verify step's report and the plan's piece count. */
async function restore(backupId: string, target: string): Promise<{ report: unknown; pieces: number }> {
  await s3.send(new CreateBucketCommand({ Bucket: target }));
  const resolved = await resolveRestore(
    { source: source.name, backupId, target: { type: 's3', bucket: target }, allowUnprotectedTarget: true },
    `r-${target}`,
    { restoreTargetPrefix: PREFIX, sources: [source], catalog, openVault: io.openVault, s3, dynamodb, directory: io.directory },
  );
  const planned = await planRestore(resolved, { map: 'inline', maxConcurrency: 2 }, { ...io, limits: { pieceBytes: PIECE_BYTES } });
  const pieces = (await getRestorePlan(s3, PLAN_BUCKET, planned.planKey)).shards.filter((s) => s.piece).length;
  const results = [];
  for (const batch of planned.shards ?? []) results.push(...(await restoreShardBatch(batch, io)).shards);
  const mismatches = results.flatMap((r) => (r as { mismatches?: unknown[] }).mismatches ?? []);
  expect(mismatches).toEqual([]);
  return { report: await verifyRestore({ planKey: planned.planKey }, io), pieces };
}

/** The headers of an object as GET and HEAD answer them (both must agree). */
async function headersOf(bucket: string, key: string): Promise<Record<string, unknown>> {
  const pick = (o: Record<string, unknown>) =>
    Object.fromEntries(['ContentType', 'ContentEncoding', 'CacheControl', 'ContentDisposition', 'ContentLanguage', 'ExpiresString', 'WebsiteRedirectLocation', 'Metadata'].map((k) => [k, o[k]]));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await got.Body?.transformToByteArray();
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const fromGet = pick(got as unknown as Record<string, unknown>);
  expect(pick(head as unknown as Record<string, unknown>)).toEqual(fromGet);
  return fromGet;
}

beforeAll(async () => {
  dataDir = await tempDir('headers-restore-cloud');
  work = await tempDir('headers-restore');
  const cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, REGION);
  dynamodb = localDynamoDbClient(cloud.endpoints, REGION);
  vault = (await newTestVault(work)).vault;
  await createCatalogShapedTable(dynamodb, CATALOG);
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }), CATALOG);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new CreateBucketCommand({ Bucket: PLAN_BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: APP.key, Body: APP.body, ...APP.put }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: BUNDLE.key, Body: BUNDLE.body, ...BUNDLE.put }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: PLAIN.key, Body: PLAIN.body }));
  io = { openVault: async () => vault, planS3: s3, planBucket: PLAN_BUCKET, targetS3: s3, dynamodb, directory: (p) => join(work, 'fs', p) };
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  dynamodb?.destroy();
  await stopLocalCloud(dataDir);
  await removeDir(dataDir);
  await removeDir(work);
});

describe('the headers S3 keeps with an object', () => {
  let full: Awaited<ReturnType<typeof backup>>;

  it('are recorded by the backup, the split object’s too, each only when the object has it', async () => {
    full = await backup('full');
    expect(full.rangeShards).toBe(3);
    const metaOf = (key: string) => full.entries.find((e) => e.meta['key'] === key)?.meta;
    expect(metaOf(APP.key)).toMatchObject({ contentType: 'application/javascript', headers: APP.headers, metadata: { owner: 'web' }, tags: { team: 'web' } });
    expect(metaOf(BUNDLE.key)?.['headers']).toEqual(BUNDLE.headers);
    expect(metaOf(PLAIN.key)?.['headers']).toEqual({});
  }, 60_000);

  it('are restored through PutObject and the split object’s multipart upload, equal to the source’s on GET and HEAD', async () => {
    const target = `${PREFIX}headers-1`;
    const { report, pieces } = await restore(full.backupId, target);
    expect(pieces).toBe(2);
    expect(report).toMatchObject({ entries: 3, verified: { entries: 3, mismatches: 0 } });
    for (const key of [APP.key, BUNDLE.key, PLAIN.key]) expect([key, await headersOf(target, key)]).toEqual([key, await headersOf(BUCKET, key)]);
    expect(await headersOf(target, APP.key)).toMatchObject({ ContentEncoding: 'gzip', ExpiresString: APP.headers.expires, WebsiteRedirectLocation: '/index.html' });
    expect(await headersOf(target, BUNDLE.key)).toMatchObject({ ContentEncoding: 'gzip', CacheControl: 'public, max-age=600', ContentLanguage: 'de-CH' });
    // The demo's independent comparison (the drill's and failover's "equal to the source") agrees.
    expect(await compareBuckets(s3, { bucket: BUCKET, prefix: '' }, { bucket: target, prefix: '' })).toEqual([]);
  }, 60_000);

  it('are carried by an incremental backup that reuses the unchanged objects’ entries, and restored from it', async () => {
    const next = await backup('incremental');
    for (const key of [APP.key, BUNDLE.key, PLAIN.key]) {
      expect(next.entries.find((e) => e.meta['key'] === key)?.meta).toEqual(full.entries.find((e) => e.meta['key'] === key)?.meta);
    }
    const target = `${PREFIX}headers-2`;
    const { report } = await restore(next.backupId, target);
    expect(report).toMatchObject({ verified: { entries: 3, mismatches: 0 } });
    expect(await compareBuckets(s3, { bucket: BUCKET, prefix: '' }, { bucket: target, prefix: '' })).toEqual([]);
  }, 60_000);

  it('a restored object that lacks a recorded header is a mismatch naming it, in the restore’s check and the demo’s comparison', async () => {
    const target = `${PREFIX}headers-1`;
    // The object as a restore that drops the headers would leave it: same bytes, type, metadata and tags.
    await s3.send(new PutObjectCommand({ Bucket: target, Key: APP.key, Body: APP.body, ContentType: APP.put.ContentType, Metadata: APP.put.Metadata, Tagging: APP.put.Tagging }));
    const entries = full.entries.filter((e) => e.meta['key'] === APP.key);
    const checked = await checkRestoredEntries(vault, { type: 's3', bucket: target, prefix: '' }, { targetS3: s3, root: '', keepSetIdBits: false }, entries);
    expect(checked.mismatches).toEqual([
      `"${APP.key}": headers differ from the backup: Content-Encoding (missing in the target), Cache-Control (missing in the target), Content-Disposition (missing in the target), Content-Language (missing in the target), Expires (missing in the target), x-amz-website-redirect-location (missing in the target)`,
    ]);
    // One header changed, the others right: only that one is named.
    await s3.send(new PutObjectCommand({ Bucket: target, Key: APP.key, Body: APP.body, ...APP.put, ContentEncoding: 'br' }));
    const one = await checkRestoredEntries(vault, { type: 's3', bucket: target, prefix: '' }, { targetS3: s3, root: '', keepSetIdBits: false }, entries);
    expect(one.mismatches).toEqual([`"${APP.key}": headers differ from the backup: Content-Encoding`]);
    expect(await compareBuckets(s3, { bucket: BUCKET, prefix: '' }, { bucket: target, prefix: '' })).toEqual([`"${APP.key}": Content-Encoding gzip vs br`]);
    // An entry of a backup made before the headers were recorded says nothing of them: not compared, as before.
    const before = entries.map((e) => ({ ...e, meta: Object.fromEntries(Object.entries(e.meta).filter(([name]) => name !== 'headers')) }));
    expect((await checkRestoredEntries(vault, { type: 's3', bucket: target, prefix: '' }, { targetS3: s3, root: '', keepSetIdBits: false }, before)).mismatches).toEqual([]);
  }, 60_000);
});
