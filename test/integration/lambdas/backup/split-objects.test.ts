import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { protectionPlanSchema, type SourceConfig } from '../../../../config/lifeboat-config';
import { newBackupId } from '../../../../lambdas/backup/backup-id';
import { BackupWorkspace } from '../../../../lambdas/backup/backup-workspace';
import { commitBackup } from '../../../../lambdas/backup/commit-backup';
import { planBackup, type PlannedBackup } from '../../../../lambdas/backup/plan-backup';
import { plannedShardSpecs } from '../../../../lambdas/backup/planned-shard-specs';
import { snapshotShard } from '../../../../lambdas/backup/snapshot-shard';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type LocalEndpoints } from '../../../../lambdas/runtime/local-endpoints';
import { planRestore } from '../../../../lambdas/restore/plan-restore';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { resolveRestore } from '../../../../lambdas/restore/resolve-restore';
import { restoreShardBatch } from '../../../../lambdas/restore/restore-shard';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { S3ObjectChangedError } from '../../../../lambdas/sources/s3-bucket-source';
import { type ShardSpec } from '../../../../lambdas/sources/shard-spec';
import { createCatalogShapedTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Vault } from '../../../../vault/repository/vault';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Issue 16, item 3, last sentence, on the local cloud: an object larger than a shard's byte budget is
 * backed up by byte ranges across shards (GetObject with Range and If-Match) and committed as ONE
 * manifest entry; restore needs no change. The backup's steps run in this process as the workflow
 * chains them (Plan, every shard of the Distributed Map's items, Commit), with a forced small budget.
 */
const REGION = 'us-east-1';
const CATALOG = 'lifeboat-test-split-catalog';
const BUCKET = 'lifeboat-test-split';
const PREFIX = 'lifeboat-test-restore-';
const PLAN = 'split';
/** The forced per-shard byte budget: the big object is four pieces of it. */
const BUDGET = 200 * 1024;
const BIG_KEY = 'media/big.bin';
const source: SourceConfig = { type: 's3', name: 'media', bucket: BUCKET, prefix: '' };
/** A second bucket, planned from its S3 Inventory report (delivered to REPORTS under inv/<bucket>/daily/). */
const INVENTORIED = 'lifeboat-test-split-inventoried';
const REPORTS = 'lifeboat-test-split-reports';
const INVENTORY_PLAN = 'split-inventory';
const inventorySource: SourceConfig = { type: 's3', name: 'dumps', bucket: INVENTORIED, prefix: '', inventory: { bucket: REPORTS, prefix: 'inv', configId: 'daily' } };
const planOf = (name: string, planSource: SourceConfig) =>
  protectionPlanSchema.parse({
    name,
    schedule: 'rate(1 day)',
    strategy: 'incremental',
    retention: { keepLast: 5 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
    maxConcurrency: 2,
    sources: [planSource],
  });
const plans = [planOf(PLAN, source), planOf(INVENTORY_PLAN, inventorySource)];

let dataDir: string;
let work: string;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let vault: Vault;
let catalog: BackupCatalog;
let io: RestoreIo;
let bigBody: Buffer;
/** What the test wrote (key → body): the source a restore is compared with, byte for byte. */
const model = new Map<string, Buffer>();
/** GetObject requests for the big key (with their Range), as the shards sent them. */
const bigReads: string[] = [];

async function put(key: string, body: Buffer, i: number): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: 'application/x-test', Metadata: { version: String(i) }, Tagging: `tier=${i % 3}` }));
  model.set(key, body);
}

/** A client for the shards that records the big object's GetObject requests. */
function shardS3(): S3Client {
  const client = localS3Client(endpoints, REGION);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string; Range?: string };
      if (context.commandName === 'GetObjectCommand' && input.Key === BIG_KEY) bigReads.push(input.Range ?? 'whole');
      return next(args);
    },
    { step: 'initialize', name: 'recordBigReads' },
  );
  return client;
}
let endpoints: LocalEndpoints;

type Run = { backupId: string; planned: PlannedBackup; shards: ShardSpec[] };

async function plan(strategy: 'full' | 'incremental', planName = PLAN): Promise<Run> {
  const backupId = newBackupId(new Date());
  const request = { plan: planName, backupId, trigger: 'test', strategy };
  const deps = { s3, dynamodb, vault, catalog, plans, environment: 'test', s3ShardSize: { bytes: BUDGET } };
  let planned = await planBackup(request, deps);
  while (planned.continuation) planned = await planBackup({ ...request, continuation: planned.continuation }, deps);
  return { backupId, planned, shards: await plannedShardSpecs(vault.store, planned) };
}

async function runShards(run: Run, before?: (spec: ShardSpec) => Promise<void>): Promise<void> {
  const client = shardS3();
  try {
    for (const spec of run.shards) {
      await before?.(spec);
      await snapshotShard({ backupId: run.backupId, planKey: run.planned.planKey, spec }, { s3: client, dynamodb, vault });
    }
  } finally {
    client.destroy();
  }
}

async function backup(strategy: 'full' | 'incremental', planName = PLAN): Promise<{ run: Run; record: BackupRecord; entries: ManifestEntry[] }> {
  const run = await plan(strategy, planName);
  await runShards(run);
  await commitBackup({ backupId: run.backupId, planKey: run.planned.planKey }, { vault, catalog });
  const record = await catalog.requireBackup(run.backupId);
  const snapshotId = record.sources[0]?.snapshotId;
  if (!snapshotId) throw new Error(`backup ${run.backupId} recorded no snapshot`);
  const entries: ManifestEntry[] = [];
  for await (const e of vault.entries(await vault.loadSnapshot(snapshotId))) entries.push(e);
  return { run, record, entries };
}

async function body(bucket: string, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

const rangeShards = (run: Run): Extract<ShardSpec, { kind: 's3-range' }>[] => run.shards.flatMap((s) => (s.kind === 's3-range' ? [s] : []));

beforeAll(async () => {
  dataDir = await tempDir('split-objects-cloud');
  work = await tempDir('split-objects');
  const cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  endpoints = cloud.endpoints;
  s3 = localS3Client(cloud.endpoints, REGION);
  dynamodb = localDynamoDbClient(cloud.endpoints, REGION);
  vault = (await newTestVault(work)).vault;
  await createCatalogShapedTable(dynamodb, CATALOG);
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }), CATALOG);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // 3.4 budgets: pieces [0, B), [B, 2B), [2B, 3B), [3B, size) — the last one short.
  bigBody = pseudoRandomBytes(Math.floor(3.4 * BUDGET), 16);
  await put(BIG_KEY, bigBody, 7);
  for (let i = 0; i < 12; i++) await put(`${i < 6 ? 'a' : 'z'}/small-${String(i).padStart(2, '0')}`, pseudoRandomBytes(1000 + i * 211, 100 + i), i);
  io = { openVault: async () => vault, planS3: s3, planBucket: BUCKET, targetS3: s3, dynamodb, directory: (p) => join(work, 'fs', p) };
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  dynamodb?.destroy();
  await stopLocalCloud(dataDir);
  await removeDir(dataDir);
  await removeDir(work);
});

describe('an object larger than a shard’s byte budget', () => {
  let first: Awaited<ReturnType<typeof backup>>;

  it('is read by several range shards (Range and If-Match) and committed as ONE entry; restore gives the bucket back byte for byte', async () => {
    bigReads.length = 0;
    first = await backup('full');
    const pieces = rangeShards(first.run);
    expect(pieces.map((p) => [p.start, p.end])).toEqual([
      [0, BUDGET],
      [BUDGET, 2 * BUDGET],
      [2 * BUDGET, 3 * BUDGET],
      [3 * BUDGET, bigBody.length],
    ]);
    // Each piece read its own range; no shard read the whole object.
    expect([...bigReads].sort()).toEqual(pieces.map((p) => `bytes=${p.start}-${p.end - 1}`).sort());
    expect(first.run.shards.filter((s) => s.kind === 's3' && s.splitKeys?.includes(BIG_KEY))).toHaveLength(1);
    expect(first.record.status).toBe('COMMITTED');

    const big = first.entries.filter((e) => e.meta.key === BIG_KEY);
    expect(big).toHaveLength(1);
    expect(first.entries).toHaveLength(model.size);
    const entry = big[0] as ManifestEntry;
    const live = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: BIG_KEY }));
    await live.Body?.transformToByteArray();
    expect(entry).toMatchObject({ path: BIG_KEY, kind: 'object', size: bigBody.length, changeToken: `${live.ETag}:${bigBody.length}` });
    expect(entry.meta).toMatchObject({ key: BIG_KEY, etag: live.ETag, size: bigBody.length, contentType: 'application/x-test', metadata: { version: '7' }, tags: { tier: '1' } });
    // One blob list, joined in piece order: at least one blob a piece (the chunker restarts at each cut).
    expect(entry.content.length).toBeGreaterThanOrEqual(pieces.length);

    // Restore, unchanged: the restore Lambdas' steps into a new bucket, then every object compared.
    const target = `${PREFIX}split-1`;
    await s3.send(new CreateBucketCommand({ Bucket: target }));
    const resolved = await resolveRestore(
      { source: source.name, backupId: first.run.backupId, target: { type: 's3', bucket: target }, allowUnprotectedTarget: true },
      'r-split-1',
      { restoreTargetPrefix: PREFIX, sources: [source], catalog, openVault: io.openVault, s3, dynamodb, directory: io.directory },
    );
    const restorePlan = await planRestore(resolved, { map: 'inline', maxConcurrency: 2 }, io);
    for (const batch of restorePlan.shards ?? []) await restoreShardBatch(batch, io);
    expect(await verifyRestore({ planKey: restorePlan.planKey }, io)).toMatchObject({ verified: { mismatches: 0 } });
    for (const [key, expected] of model) expect([key, (await body(target, key)).equals(expected)]).toEqual([key, true]);
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: target, Key: BIG_KEY }));
    expect(tags.TagSet).toEqual([{ Key: 'tier', Value: '1' }]);
  }, 60_000);

  it('incremental, object unchanged: piece 0 records the parent’s entry, no piece reads the object', async () => {
    bigReads.length = 0;
    const next = await backup('incremental');
    expect(next.record.status).toBe('COMMITTED');
    expect(rangeShards(next.run)).toHaveLength(4);
    expect(bigReads).toEqual([]);
    const parentEntry = first.entries.find((e) => e.meta.key === BIG_KEY);
    const entry = next.entries.filter((e) => e.meta.key === BIG_KEY);
    expect(entry).toHaveLength(1);
    expect(entry[0]?.content).toEqual(parentEntry?.content);
    expect(entry[0]?.meta).toEqual(parentEntry?.meta);
    const workspace = new BackupWorkspace(vault.store);
    const parts = await Promise.all(rangeShards(next.run).map((s) => workspace.getPart(next.run.backupId, s.index)));
    expect(parts.map((p) => p.pieces?.[0]?.outcome)).toEqual(['reused', 'reused', 'reused', 'reused']);
    expect(parts.map((p) => p.part.stats.entries)).toEqual([1, 0, 0, 0]);
    expect(parts.reduce((n, p) => n + p.part.stats.bytesScanned, 0)).toBe(0);
  }, 60_000);

  it('replaced between two pieces: the next piece fails naming the key (412 to If-Match), and nothing is committed', async () => {
    const snapshotsBefore = (await vault.listSnapshots()).length;
    const run = await plan('full');
    const replacement = pseudoRandomBytes(bigBody.length, 99);
    const attempt = runShards(run, async (spec) => {
      if (spec.kind === 's3-range' && spec.piece === 2) await put(BIG_KEY, replacement, 8);
    });
    await expect(attempt).rejects.toThrow(S3ObjectChangedError);
    await expect(attempt).rejects.toThrow(
      `Object "${BIG_KEY}" in bucket ${BUCKET} changed while it was backed up in byte ranges: it no longer has ETag ${rangeShards(run)[0]?.etag}, the version planned (S3 answered 412 PreconditionFailed to If-Match).`,
    );
    // The failed shard left no part: commit (which the workflow does not reach) refuses, and no snapshot is written.
    await expect(commitBackup({ backupId: run.backupId, planKey: run.planned.planKey }, { vault, catalog })).rejects.toThrow(/shard \d+ left no manifest part/);
    expect((await vault.listSnapshots()).length).toBe(snapshotsBefore);
    expect((await catalog.requireBackup(run.backupId)).status).toBe('RUNNING');
  }, 60_000);
});

describe('an object larger than the budget, planned from an S3 Inventory report older than its current version', () => {
  it('is split by its ETag and size of now (not the report\'s): the backup commits and the restore gives the NEW bytes back byte for byte', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: INVENTORIED }));
    await s3.send(new CreateBucketCommand({ Bucket: REPORTS }));
    // The day of the report: the dump as S3 Inventory listed it (3.4 budgets, four pieces), and a small object.
    const old = pseudoRandomBytes(Math.floor(3.4 * BUDGET), 31);
    await s3.send(new PutObjectCommand({ Bucket: INVENTORIED, Key: BIG_KEY, Body: old }));
    const small = pseudoRandomBytes(1500, 32);
    await s3.send(new PutObjectCommand({ Bucket: INVENTORIED, Key: 'notes/small.txt', Body: small }));
    const reported = (await s3.send(new HeadObjectCommand({ Bucket: INVENTORIED, Key: BIG_KEY }))).ETag ?? '';
    const rows = [
      [INVENTORIED, BIG_KEY, String(old.length), '2026-11-30T00:00:00.000Z', reported.replace(/"/g, '')],
      [INVENTORIED, 'notes/small.txt', String(small.length), '2026-11-30T00:00:00.000Z', 'x'],
    ];
    // Keys URL-encoded, as S3 Inventory writes them.
    const data = gzipSync(Buffer.from(rows.map((r) => `${r.map((f, i) => `"${i === 1 ? encodeURIComponent(f) : f}"`).join(',')}\n`).join('')));
    const dataKey = `inv/${INVENTORIED}/daily/data/1.csv.gz`;
    await s3.send(new PutObjectCommand({ Bucket: REPORTS, Key: dataKey, Body: data }));
    const manifest = { sourceBucket: INVENTORIED, destinationBucket: `arn:aws:s3:::${REPORTS}`, version: '2016-11-30', fileFormat: 'CSV', fileSchema: 'Bucket, Key, Size, LastModifiedDate, ETag', files: [{ key: dataKey, size: data.length, MD5checksum: 'x' }] };
    const manifestBody = JSON.stringify(manifest);
    await s3.send(new PutObjectCommand({ Bucket: REPORTS, Key: `inv/${INVENTORIED}/daily/2026-11-30T01-00Z/manifest.json`, Body: manifestBody }));
    // S3 writes manifest.checksum (the manifest's MD5, in hex) once the report is delivered; the planner takes only a report that has it.
    await s3.send(new PutObjectCommand({ Bucket: REPORTS, Key: `inv/${INVENTORIED}/daily/2026-11-30T01-00Z/manifest.checksum`, Body: createHash('md5').update(manifestBody).digest('hex') }));
    // After the report, the nightly job rewrites the dump: other bytes, another size (2.6 budgets, three pieces).
    const rewritten = pseudoRandomBytes(Math.floor(2.6 * BUDGET), 33);
    await s3.send(new PutObjectCommand({ Bucket: INVENTORIED, Key: BIG_KEY, Body: rewritten }));
    const live = (await s3.send(new HeadObjectCommand({ Bucket: INVENTORIED, Key: BIG_KEY }))).ETag;
    expect(live).not.toBe(reported);

    bigReads.length = 0;
    const done = await backup('full', INVENTORY_PLAN);
    expect(done.record.status).toBe('COMMITTED');
    const pieces = rangeShards(done.run);
    expect(pieces.map((p) => [p.etag, p.size, p.start, p.end])).toEqual([
      [live, rewritten.length, 0, BUDGET],
      [live, rewritten.length, BUDGET, 2 * BUDGET],
      [live, rewritten.length, 2 * BUDGET, rewritten.length],
    ]);
    expect([...bigReads].sort()).toEqual(pieces.map((p) => `bytes=${p.start}-${p.end - 1}`).sort());
    const entry = done.entries.find((e) => e.meta.key === BIG_KEY);
    expect(entry).toMatchObject({ size: rewritten.length, changeToken: `${live}:${rewritten.length}` });

    const target = `${PREFIX}split-inventory`;
    await s3.send(new CreateBucketCommand({ Bucket: target }));
    const resolved = await resolveRestore(
      { source: inventorySource.name, backupId: done.run.backupId, target: { type: 's3', bucket: target }, allowUnprotectedTarget: true },
      'r-split-inventory',
      { restoreTargetPrefix: PREFIX, sources: [inventorySource], catalog, openVault: io.openVault, s3, dynamodb, directory: io.directory },
    );
    const restorePlan = await planRestore(resolved, { map: 'inline', maxConcurrency: 2 }, io);
    for (const batch of restorePlan.shards ?? []) await restoreShardBatch(batch, io);
    expect(await verifyRestore({ planKey: restorePlan.planKey }, io)).toMatchObject({ verified: { mismatches: 0 } });
    expect((await body(target, BIG_KEY)).equals(rewritten)).toBe(true);
    expect((await body(target, 'notes/small.txt')).equals(small)).toBe(true);
  }, 60_000);
});
