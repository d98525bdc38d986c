import { createHash } from 'node:crypto';
import * as path from 'node:path';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { newBackupId } from '../../../../lambdas/backup/backup-id';
import { type BackupPlanDocument } from '../../../../lambdas/backup/backup-plan-document';
import { BackupWorkspace } from '../../../../lambdas/backup/backup-workspace';
import { commitBackup } from '../../../../lambdas/backup/commit-backup';
import { planBackup, type PlannedBackup } from '../../../../lambdas/backup/plan-backup';
import { plannedShardSpecs } from '../../../../lambdas/backup/planned-shard-specs';
import { snapshotShard } from '../../../../lambdas/backup/snapshot-shard';
import { type BackupRecord, type BackupSourceRecord } from '../../../../lambdas/catalog/backup-record';
import { openBackupVault, vaultKeyProvider } from '../../../../lambdas/runtime/backup-vault';
import { S3VaultStore } from '../../../../vault/aws';
import { decodeItemLines, encodeItemText, type DynamoDbItem } from '../../../../lambdas/sources/dynamodb-item-codec';
import { listS3Objects } from '../../../../lambdas/sources/s3-bucket-source';
import { type ShardSpec } from '../../../../lambdas/sources/shard-spec';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { readEntryContent } from '../../../../vault/restorer/restore';
import { type Vault } from '../../../../vault/repository/vault';
import { protectionPlanSchema, type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { localDynamoDbClient, localS3Client } from '../../../../local/cloud/local-cloud';
import { seededBytes } from '../../../../local/demo/sample-data';
import { type BackupTestEnvironment, openBackupTestEnvironment } from '../../../support/backup-test-environment';
import { createActiveTable } from '../../../../local/cloud';

/**
 * Sources changing during a backup (docs/ARCHITECTURE.md, "Sources changing during a backup").
 * The backup's steps run in this process against the local cloud — Plan, then each Snapshot shard,
 * then Commit, exactly as the workflow chains them — so that a test can change the source at a
 * precise moment: between planning and the shards, or inside a shard between its listing/scan page
 * and its next read (through middleware on the source client the shard is given).
 */
let env: BackupTestEnvironment;

/** A bucket of more than one shard's worth of keys (the test plans 55 a shard), so it splits into key ranges. */
const WIDE_BUCKET = 'lifeboat-test-changes-wide';
/** A small bucket (one shard) for the changes inside a shard. */
const BUCKET = 'lifeboat-test-changes';
const TABLE = 'lifeboat-test-changes';
const WIDE_PLAN = 'changes-wide-bucket';
const S3_PLAN = 'changes-bucket';
const DDB_PLAN = 'changes-table';
/** 1,010 until 2026-12-03 (shards of 505): ten times the requests for the same three ranges. Listings across pages are planning's own tests' (scripted listings). */
const WIDE_OBJECTS = 110;
const SMALL_OBJECTS = 40;
const TABLE_ITEMS = 120;

const planOf = (name: string, source: Record<string, unknown>): ProtectionPlanConfig =>
  protectionPlanSchema.parse({
    name,
    schedule: 'rate(1 day)',
    strategy: 'incremental',
    retention: { keepLast: 3 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
    maxConcurrency: 2,
    sources: [source],
  });
const plans = [planOf(WIDE_PLAN, { type: 's3', name: 'changing-wide-bucket', bucket: WIDE_BUCKET }), planOf(S3_PLAN, { type: 's3', name: 'changing-bucket', bucket: BUCKET }), planOf(DDB_PLAN, { type: 'dynamodb', name: 'changing-table', table: TABLE, scanSegments: 2 })];

const bulkKey = (i: number): string => `obj/${String(i).padStart(4, '0')}`;
const md5Etag = (body: Buffer): string => `"${createHash('md5').update(body).digest('hex')}"`;

async function mapLimit<T>(items: readonly T[], limit: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await f(items[next++] as T);
    }),
  );
}

/** What the test wrote into the wide bucket (key → body): the source the snapshot is compared with, byte for byte. */
const wideModel = new Map<string, Buffer>();

async function putObject(key: string, body: Buffer, metadata: Record<string, string> = {}, bucket = BUCKET): Promise<void> {
  await env.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: metadata }));
  if (bucket === WIDE_BUCKET) wideModel.set(key, body);
}

async function deleteObject(key: string, bucket = BUCKET): Promise<void> {
  await env.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  if (bucket === WIDE_BUCKET) wideModel.delete(key);
}

/** The primary vault as a Lambda opens it (create: Plan step only), with the key file the local executor uses. */
async function openVault(create: boolean): Promise<Vault> {
  // The Plan step's open may make the key file (only for a vault not created yet), as lambda-runtime.ts does.
  const createIn = create ? { createIn: new S3VaultStore({ client: env.s3, bucket: env.names.primaryVault }) } : {};
  const provider = await vaultKeyProvider({ keyFile: path.join(env.dataDir, 'vault.key') }, env.names.primaryVault, createIn);
  return openBackupVault({ s3: env.s3, bucket: env.names.primaryVault, provider, create });
}

type InProcessRun = { planned: PlannedBackup; plan: BackupPlanDocument; shards: ShardSpec[]; record: BackupRecord; source: BackupSourceRecord; vault: Vault };

/**
 * One backup of `planName`, step by step as the workflow runs it: `afterPlan` runs between the Plan
 * step and the first shard; the shards read the source through `sourceS3`/`sourceDynamoDb` (clients
 * the test may instrument). Each step gets its own vault instance, as separate Lambdas would.
 */
async function runInProcess(
  planName: string,
  options: { strategy?: 'full' | 'incremental'; afterPlan?: () => Promise<void>; sourceS3?: S3Client; sourceDynamoDb?: DynamoDBClient } = {},
): Promise<InProcessRun> {
  const backupId = newBackupId(new Date());
  const request = { plan: planName, backupId, trigger: 'test', ...(options.strategy ? { strategy: options.strategy } : {}) };
  // Shards of 55 keys: the wide bucket of 110 keys is two key ranges (and a third, empty, open above).
  const planDeps = { s3: env.s3, dynamodb: env.ddb, vault: await openVault(true), catalog: env.catalog, plans, environment: 'test', s3ShardSize: { keys: WIDE_OBJECTS / 2 } };
  let planned = await planBackup(request, planDeps);
  while (planned.continuation) planned = await planBackup({ ...request, continuation: planned.continuation }, planDeps);
  await options.afterPlan?.();
  const shardVault = await openVault(false);
  for (const spec of await plannedShardSpecs(shardVault.store, planned)) {
    await snapshotShard({ backupId, planKey: planned.planKey, spec }, { s3: options.sourceS3 ?? env.s3, dynamodb: options.sourceDynamoDb ?? env.ddb, vault: shardVault });
  }
  const vault = await openVault(false);
  await commitBackup({ backupId, planKey: planned.planKey }, { vault, catalog: env.catalog });
  const record = await env.catalog.requireBackup(backupId);
  const source = record.sources[0];
  if (!source) throw new Error(`backup ${backupId} recorded no source`);
  const workspace = new BackupWorkspace(vault.store);
  const plan = await workspace.getPlan(planned.planKey, backupId);
  const shards: ShardSpec[] = [];
  for (const key of plan.shardManifests) shards.push(...(await workspace.getShardManifest(key)));
  return { planned, plan, shards, record, source, vault };
}

async function entriesOf(run: InProcessRun): Promise<ManifestEntry[]> {
  const snapshot = await run.vault.loadSnapshot(run.source.snapshotId);
  const entries: ManifestEntry[] = [];
  for await (const e of run.vault.entries(snapshot)) entries.push(e);
  return entries;
}

async function contentOf(vault: Vault, entry: ManifestEntry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readEntryContent(vault, entry)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The snapshot's objects by S3 key: body as stored in the vault, and the entry's meta. */
async function objectsOf(run: InProcessRun): Promise<Map<string, { body: Buffer; etag: string; size: number; metadata: unknown; changeToken?: string }>> {
  const objects = new Map<string, { body: Buffer; etag: string; size: number; metadata: unknown; changeToken?: string }>();
  for (const e of await entriesOf(run)) {
    expect(e.kind).toBe('object');
    const key = String(e.meta.key);
    expect(objects.has(key)).toBe(false);
    objects.set(key, {
      body: await contentOf(run.vault, e),
      etag: String(e.meta.etag),
      size: Number(e.meta.size),
      metadata: e.meta.metadata,
      ...(e.changeToken !== undefined ? { changeToken: e.changeToken } : {}),
    });
  }
  return objects;
}

/** The live bucket: every key with its body and ETag. */
async function liveBucket(): Promise<Map<string, { body: Buffer; etag: string }>> {
  const keys: string[] = [];
  for await (const o of listS3Objects(env.s3, BUCKET, '')) keys.push(o.key);
  const live = new Map<string, { body: Buffer; etag: string }>();
  await mapLimit(keys, 16, async (key) => {
    const got = await env.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    live.set(key, { body: Buffer.from((await got.Body?.transformToByteArray()) ?? []), etag: got.ETag ?? '' });
  });
  return live;
}

/** Every object of the snapshot is one complete version: its stored body hashes to the ETag its entry records. */
function expectSelfConsistent(objects: Map<string, { body: Buffer; etag: string; size: number }>): void {
  const mixed = [...objects].filter(([, o]) => md5Etag(o.body) !== o.etag || o.body.length !== o.size).map(([k]) => k);
  expect(mixed).toEqual([]);
}

/** An S3 client for the shards that runs `hook` once per (command, key) before the request is sent. */
function instrumentedS3(hooks: Record<string, () => Promise<void>>): S3Client {
  const client = localS3Client(env.local.endpoints, env.local.environment.primaryRegion);
  const fired = new Set<string>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const id = `${context.commandName ?? '?'} ${(args.input as { Key?: string }).Key ?? ''}`;
      const hook = hooks[id];
      if (hook && !fired.has(id)) {
        fired.add(id);
        await hook();
      }
      return next(args);
    },
    { step: 'initialize', name: 'sourceChangesDuringRead' },
  );
  return client;
}

beforeAll(async () => {
  env = await openBackupTestEnvironment('source-changes');
  await env.s3.send(new CreateBucketCommand({ Bucket: WIDE_BUCKET }));
  await env.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const wide = Array.from({ length: WIDE_OBJECTS }, (_, i) => i);
  await mapLimit(wide, 32, (i) => putObject(bulkKey(i), seededBytes(`wide-${i}`, 100 + (i % 50)), { version: 'v1' }, WIDE_BUCKET));
  const small = Array.from({ length: SMALL_OBJECTS }, (_, i) => i);
  await mapLimit(small, 8, (i) => putObject(bulkKey(i), seededBytes(`small-${i}`, 1000 + i * 97), { version: 'v1' }));

  await createActiveTable(env.ddb, {
    TableName: TABLE,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  for (let i = 0; i < TABLE_ITEMS; i += 25) {
    const batch = Array.from({ length: Math.min(25, TABLE_ITEMS - i) }, (_, j) => ({ PutRequest: { Item: tableItem(i + j, 'v1') } }));
    await env.ddb.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: batch } }));
  }
}, 120_000);

afterAll(async () => {
  await env?.close();
});

describe('S3 source', () => {
  it('objects deleted, overwritten and added between planning and the shards: the snapshot is the bucket as each shard lists its range', async () => {
    const boundary = bulkKey(54);
    const changes = {
      deleted: [bulkKey(10), bulkKey(90), boundary],
      overwritten: bulkKey(20),
      added: ['!below-every-planned-key', `${boundary}-just-after-the-cut`, 'zzz/above-every-planned-key'],
    };
    const newBody = seededBytes('overwritten-after-planning', 3000);
    const run = await runInProcess(WIDE_PLAN, {
      strategy: 'full',
      afterPlan: async () => {
        for (const key of changes.deleted) await deleteObject(key, WIDE_BUCKET);
        await putObject(changes.overwritten, newBody, { version: 'v2' }, WIDE_BUCKET);
        for (const key of changes.added) await putObject(key, seededBytes(key, 777), { version: 'added' }, WIDE_BUCKET);
      },
    });
    // Key ranges of 55 keys, the first cut at a key that was deleted after planning; the first is open
    // below, the last (empty when planned: the listing ended at a boundary) open above.
    expect(run.shards.map((s) => (s.kind === 's3' ? [s.startAfter ?? null, s.endAt ?? null] : null))).toEqual([
      [null, boundary],
      [boundary, bulkKey(WIDE_OBJECTS - 1)],
      [bulkKey(WIDE_OBJECTS - 1), null],
    ]);
    expect(run.record.status).toBe('COMMITTED');

    const objects = await objectsOf(run);
    // Exactly the bucket as it was when the shards listed: deleted keys absent, added keys present wherever they fall.
    expect([...objects.keys()].sort()).toEqual([...wideModel.keys()].sort());
    for (const key of changes.deleted) expect(objects.has(key)).toBe(false);
    for (const key of changes.added) expect(objects.get(key)?.metadata).toEqual({ version: 'added' });
    expect(objects.get(changes.overwritten)).toMatchObject({ etag: md5Etag(newBody), size: newBody.length, metadata: { version: 'v2' } });
    // Every object byte for byte as written, with the ETag of the very body stored.
    const different = [...wideModel].filter(([key, body]) => !objects.get(key)?.body.equals(body)).map(([k]) => k);
    expect(different).toEqual([]);
    expectSelfConsistent(objects);
    // Gone before the shard listed them: never seen by it, so not "vanished" either.
    expect(run.source).toMatchObject({ entries: wideModel.size, vanished: 0, changedDuringRead: 0, skipped: 0 });
  }, 60_000);

  it('an object deleted between its shard listing it and reading it is left out and counted in vanished; one overwritten then is read whole in its new version', async () => {
    const vanishing = bulkKey(3);
    const replaced = bulkKey(30);
    const before = await liveBucket();
    const replacement = seededBytes('overwritten-between-list-and-get', 5000);
    const sourceS3 = instrumentedS3({
      [`GetObjectCommand ${vanishing}`]: async () => {
        await deleteObject(vanishing);
      },
      [`GetObjectCommand ${replaced}`]: () => putObject(replaced, replacement, { version: 'v3' }),
    });
    try {
      const run = await runInProcess(S3_PLAN, { strategy: 'full', sourceS3 });
      expect(run.record.status).toBe('COMMITTED');
      expect(run.source).toMatchObject({ vanished: 1, changedDuringRead: 0 });
      const objects = await objectsOf(run);
      expect(objects.has(vanishing)).toBe(false);
      // Listed with its old ETag, read in its new version: the entry is the version GetObject returned, all of it.
      expect(objects.get(replaced)).toMatchObject({ etag: md5Etag(replacement), size: replacement.length, metadata: { version: 'v3' }, changeToken: `${md5Etag(replacement)}:${replacement.length}` });
      expect(objects.get(replaced)?.body.equals(replacement)).toBe(true);
      expectSelfConsistent(objects);
      // Every object nobody touched is there, byte for byte.
      const untouched = [...before].filter(([key]) => key !== vanishing && key !== replaced);
      expect(untouched.filter(([key, o]) => !objects.get(key)?.body.equals(o.body)).map(([k]) => k)).toEqual([]);
      expect(objects.size).toBe(before.size - 1);
    } finally {
      sourceS3.destroy();
    }
  }, 60_000);

  it('incremental: an object overwritten after its shard listed it unchanged keeps the parent’s complete old version, and the next backup reads the new one', async () => {
    const key = bulkKey(10);
    await runInProcess(S3_PLAN, { strategy: 'full' }); // the parent, whatever the tests before did
    const old = (await liveBucket()).get(key);
    if (!old) throw new Error(`${key} is not in the bucket`);
    const newer = seededBytes('overwritten-under-an-incremental', 4321);
    // The shard lists the key with its old ETag (= the parent's), reuses the parent's entry and only reads the tags.
    const sourceS3 = instrumentedS3({ [`GetObjectTaggingCommand ${key}`]: () => putObject(key, newer, { version: 'v4' }) });
    try {
      const run = await runInProcess(S3_PLAN, { strategy: 'incremental', sourceS3 });
      expect(run.record).toMatchObject({ status: 'COMMITTED', strategy: 'incremental' });
      const objects = await objectsOf(run);
      expect(objects.get(key)).toMatchObject({ etag: old.etag, size: old.body.length, changeToken: `${old.etag}:${old.body.length}` });
      expect(objects.get(key)?.body.equals(old.body)).toBe(true);
      expectSelfConsistent(objects);
    } finally {
      sourceS3.destroy();
    }
    const next = await runInProcess(S3_PLAN, { strategy: 'incremental' });
    const objects = await objectsOf(next);
    expect(objects.get(key)).toMatchObject({ etag: md5Etag(newer), metadata: { version: 'v4' } });
    expect(objects.get(key)?.body.equals(newer)).toBe(true);
    expect(next.source.bytesScanned).toBe(newer.length);
  }, 60_000);
});

describe('DynamoDB source', () => {
  it('items changed between planning and the scan: the snapshot is the table as scanned', async () => {
    const before = await scanTable();
    const run = await runInProcess(DDB_PLAN, {
      strategy: 'full',
      afterPlan: async () => {
        await env.ddb.send(new PutItemCommand({ TableName: TABLE, Item: tableItem(1, 'v2') }));
        await env.ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: { id: { S: itemId(2) } } }));
        await env.ddb.send(new PutItemCommand({ TableName: TABLE, Item: tableItem(1000, 'inserted') }));
      },
    });
    expect(run.record.status).toBe('COMMITTED');
    expect(run.shards.map((s) => (s.kind === 'dynamodb' ? `${s.segment}/${s.totalSegments}` : s.kind))).toEqual(['0/2', '1/2']);
    const snapshot = await snapshotItems(run);
    const after = await scanTable();
    expect(after.size).toBe(before.size);
    expect(snapshot).toEqual(after);
    expect(snapshot.get(itemId(1))).toBe(encodeItemText(tableItem(1, 'v2')));
    expect(snapshot.has(itemId(2))).toBe(false);
    expect(snapshot.get(itemId(1000))).toBe(encodeItemText(tableItem(1000, 'inserted')));
    expect(run.source).toMatchObject({ entries: expect.any(Number) as number, vanished: 0, changedDuringRead: 0 });
  }, 60_000);

  it('items updated, inserted and deleted in the middle of a segment scan: every item is one whole version, untouched items all present and equal', async () => {
    const before = await scanTable();
    const segmentOne = await scanTable({ segment: 1, totalSegments: 2 });
    const segmentZero = [...before.keys()].filter((id) => !segmentOne.has(id));
    // Changes made right after segment 0's first page came back: items already read, items later in
    // segment 0 and items of segment 1 (scanned after segment 0 here) are updated and deleted, new ones inserted.
    let firstPage: string[] = [];
    const changed = new Map<string, { before?: string; after?: string }>();
    const sourceDynamoDb = localDynamoDbClient(env.local.endpoints, env.local.environment.primaryRegion);
    let fired = false;
    sourceDynamoDb.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'ScanCommand') return next(args);
        // Small pages, as a large table would have (1 MB each), so the scan of a segment spans several requests.
        const input = args.input as { Limit?: number; Segment?: number };
        input.Limit = 10;
        const result = await next(args);
        if (!fired && input.Segment === 0) {
          fired = true;
          firstPage = ((result.output as ScanCommandOutput).Items ?? []).map((item) => idOf(item));
          await changeTable(firstPage, segmentZero, [...segmentOne.keys()], before, changed);
        }
        return result;
      },
      { step: 'initialize', name: 'changeTableMidScan' },
    );
    let run: InProcessRun;
    try {
      run = await runInProcess(DDB_PLAN, { strategy: 'full', sourceDynamoDb });
    } finally {
      sourceDynamoDb.destroy();
    }
    expect(run.record.status).toBe('COMMITTED');
    expect(firstPage).toHaveLength(10);
    const snapshot = await snapshotItems(run);

    // Untouched items: all there, each exactly as in the table.
    const untouched = [...before].filter(([id]) => !changed.has(id));
    expect(untouched.filter(([id, text]) => snapshot.get(id) !== text).map(([id]) => id)).toEqual([]);
    // Changed items: absent or one whole version that existed (never a mix of attributes).
    for (const [id, versions] of changed) {
      const got = snapshot.get(id);
      expect(got === undefined ? 'absent' : [versions.before, versions.after].includes(got) ? 'a version' : `mixed: ${got}`).toMatch(/^(absent|a version)$/);
    }
    // What the scan had already returned is kept as read; what it had not reached yet is read as it is now.
    const [readUpdated, readDeleted] = firstPage;
    expect(snapshot.get(readUpdated ?? '')).toBe(changed.get(readUpdated ?? '')?.before);
    expect(snapshot.get(readDeleted ?? '')).toBe(changed.get(readDeleted ?? '')?.before);
    const [laterUpdated, laterDeleted] = [...segmentOne.keys()];
    expect(snapshot.get(laterUpdated ?? '')).toBe(changed.get(laterUpdated ?? '')?.after);
    expect(snapshot.has(laterDeleted ?? '')).toBe(false);
    // No item twice, nothing that never existed.
    expect([...snapshot.keys()].every((id) => before.has(id) || changed.has(id))).toBe(true);
  }, 60_000);
});

function itemId(i: number): string {
  return `item-${String(i).padStart(5, '0')}`;
}

/** Every attribute tied to one version, so a mixed item (attributes from two versions) shows. */
function tableItem(i: number, version: string): DynamoDbItem {
  return {
    id: { S: itemId(i) },
    version: { S: version },
    amount: { N: `${i}.${version.length}00000000000000000001` },
    body: { B: seededBytes(`${itemId(i)}-${version}`, 64) },
    nested: { M: { version: { S: version }, list: { L: [{ S: version }, { N: String(i) }] } } },
    labels: { SS: [version, `l${i % 4}`] },
  };
}

function idOf(item: Record<string, AttributeValue>): string {
  const id = item.id?.S;
  if (id === undefined) throw new Error('item without id');
  return id;
}

/** The table (or one segment) as canonical item texts by id. */
async function scanTable(segment?: { segment: number; totalSegments: number }): Promise<Map<string, string>> {
  const items = new Map<string, string>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await env.ddb.send(
      new ScanCommand({ TableName: TABLE, ExclusiveStartKey: start, ConsistentRead: true, ...(segment ? { Segment: segment.segment, TotalSegments: segment.totalSegments } : {}) }),
    );
    for (const item of page.Items ?? []) items.set(idOf(item), encodeItemText(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function snapshotItems(run: InProcessRun): Promise<Map<string, string>> {
  const items = new Map<string, string>();
  for (const e of await entriesOf(run)) {
    expect(e.kind).toBe('page');
    for (const item of decodeItemLines(await contentOf(run.vault, e))) {
      const id = idOf(item);
      expect(items.has(id)).toBe(false);
      items.set(id, encodeItemText(item));
    }
  }
  return items;
}

/**
 * Updates the first and deletes the second item of each group (already read; later in segment 0;
 * segment 1) and inserts three new items, recording each one's before and after versions.
 */
async function changeTable(
  alreadyRead: readonly string[],
  segmentZero: readonly string[],
  segmentOne: readonly string[],
  before: Map<string, string>,
  changed: Map<string, { before?: string; after?: string }>,
): Promise<void> {
  const laterInZero = segmentZero.filter((id) => !alreadyRead.includes(id));
  for (const group of [alreadyRead, laterInZero, segmentOne]) {
    const [update, remove] = group;
    if (update === undefined || remove === undefined) throw new Error('a group of items to change is empty');
    const updated = tableItem(Number(update.slice('item-'.length)), 'v2');
    await env.ddb.send(new PutItemCommand({ TableName: TABLE, Item: updated }));
    changed.set(update, { before: before.get(update), after: encodeItemText(updated) });
    await env.ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: { id: { S: remove } } }));
    changed.set(remove, { before: before.get(remove) });
  }
  for (const i of [2000, 2001, 2002]) {
    const inserted = tableItem(i, 'inserted');
    await env.ddb.send(new PutItemCommand({ TableName: TABLE, Item: inserted }));
    changed.set(itemId(i), { after: encodeItemText(inserted) });
  }
}
