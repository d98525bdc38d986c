import { createHash } from 'node:crypto';
import { link, mkdir, symlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { type BackupPlanDocument, type PlannedSource } from '../../../../lambdas/backup/backup-plan-document';
import { BackupWorkspace, cursorKey, segmentKey } from '../../../../lambdas/backup/backup-workspace';
import { type ShardProgress, snapshotShard, type SnapshotShardDeps } from '../../../../lambdas/backup/snapshot-shard';
import { snapshotShardBatch } from '../../../../lambdas/backup/snapshot-shard-batch';
import { encodeItemText, type DynamoDbItem } from '../../../../lambdas/sources/dynamodb-item-codec';
import { worstCaseFirstPageMs } from '../../../../lambdas/sources/dynamodb-page-entries';
import { compareKeys } from '../../../../lambdas/sources/s3-bucket-source';
import { type ShardSpec } from '../../../../lambdas/sources/shard-spec';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type ObjectWriter, type VaultStore } from '../../../../vault/backend/vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { openVault, type Vault } from '../../../../vault/repository/vault';
import { VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { FakeBucketClock } from '../../../support/fake-bucket-clock';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Resumable shards (docs/ARCHITECTURE.md, "Resumable shards"): a shard cut by its deadline any number
 * of times, or killed and retried, stores exactly the snapshot of an uninterrupted run — same entries
 * (paths, metadata, chunk ids) in the same order — for S3, DynamoDB and file-system sources. The
 * sources are scripted clients and a temp directory; the vault is a file vault.
 */

let dir: string;
let vault: Vault;
let runs = 0;

beforeAll(async () => {
  dir = await tempDir('resumable');
  ({ vault } = await newTestVault(dir));
});
afterAll(async () => {
  await removeDir(dir);
});

// ---------- scripted sources ----------

type S3Object = { body: Buffer; lastModified: Date; metadata: Record<string, string> };
type S3Fake = { s3: S3Client; objects: Map<string, S3Object>; gets: string[]; failGet?: (key: string) => Error | undefined };

/** A bucket in memory behind a real S3Client (the SDK's paginators want one): listing 4 keys a page, in S3's order. */
function fakeS3(): S3Fake {
  const fake: S3Fake = { s3: new S3Client({ region: 'us-east-1' }), objects: new Map(), gets: [] };
  const etag = (o: S3Object): string => `"${createHash('md5').update(o.body).digest('hex')}"`;
  const need = (key: string): S3Object => {
    const o = fake.objects.get(key);
    if (!o) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    return o;
  };
  const send = async (command: { constructor: { name: string }; input: Record<string, string | undefined> }): Promise<unknown> => {
    await new Promise((resolve) => setImmediate(resolve));
    const name = command.constructor.name;
    const { Key: key = '', Prefix: prefix = '', StartAfter: startAfter, ContinuationToken: token } = command.input;
    if (name === 'ListObjectsV2Command') {
      const after = token ?? startAfter;
      const keys = [...fake.objects.keys()].filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0)).sort(compareKeys);
      const page = keys.slice(0, 4);
      const truncated = keys.length > page.length;
      return {
        Contents: page.map((k) => {
          const o = fake.objects.get(k) as S3Object;
          return { Key: k, Size: o.body.length, ETag: etag(o), LastModified: o.lastModified };
        }),
        IsTruncated: truncated,
        ...(truncated ? { NextContinuationToken: page[page.length - 1] } : {}),
      };
    }
    if (name === 'GetObjectCommand') {
      const failure = fake.failGet?.(key);
      if (failure) throw failure;
      fake.gets.push(key);
      const o = need(key);
      // Every object has a tag (GetObjectTaggingCommand below), so S3 counts it.
      return { Body: Readable.from([o.body]), ETag: etag(o), ContentLength: o.body.length, LastModified: o.lastModified, Metadata: o.metadata, ContentType: 'application/octet-stream', TagCount: 1 };
    }
    if (name === 'HeadObjectCommand') {
      const o = need(key);
      return { ETag: etag(o), ContentLength: o.body.length, LastModified: o.lastModified, Metadata: o.metadata, ContentType: 'application/octet-stream' };
    }
    if (name === 'GetObjectTaggingCommand') return { TagSet: [{ Key: 'k', Value: key.length.toString() }] };
    throw new Error(`unexpected ${name}`);
  };
  fake.s3.send = send as unknown as S3Client['send'];
  return fake;
}

type DdbFake = { ddb: DynamoDBClient; items: DynamoDbItem[]; scans: number; failScan?: (n: number) => Error | undefined };

/**
 * A table behind a real DynamoDBClient: Scan answers 25 items a page, segment by a hash of the key,
 * in a fixed order within a segment, resuming after ExclusiveStartKey as DynamoDB does.
 */
function fakeDynamoDb(keyAttributes: string[]): DdbFake {
  const fake: DdbFake = { ddb: new DynamoDBClient({ region: 'us-east-1' }), items: [], scans: 0 };
  const keyText = (item: DynamoDbItem): string => encodeItemText(Object.fromEntries(keyAttributes.map((k) => [k, item[k] as AttributeValue])));
  // A segment's items in scan order, computed again only when the table's items change (a budgeted scan asks for many small pages).
  const orders = new Map<string, { of: DynamoDbItem[]; count: number; items: DynamoDbItem[]; keys: string[] }>();
  const segmentOrder = (segment: number, total: number): { items: DynamoDbItem[]; keys: string[] } => {
    const cached = orders.get(`${segment}/${total}`);
    if (cached && cached.of === fake.items && cached.count === fake.items.length) return cached;
    const keyed = fake.items.map((item) => ({ item, key: keyText(item) })).filter(({ key }) => (createHash('sha1').update(key).digest()[0] as number) % total === segment);
    keyed.sort((a, b) => (a.key < b.key ? -1 : 1));
    const order = { of: fake.items, count: fake.items.length, items: keyed.map((k) => k.item), keys: keyed.map((k) => k.key) };
    orders.set(`${segment}/${total}`, order);
    return order;
  };
  const send = async (command: { constructor: { name: string }; input: { Segment: number; TotalSegments: number; ExclusiveStartKey?: DynamoDbItem; Limit?: number } }): Promise<unknown> => {
    await new Promise((resolve) => setImmediate(resolve));
    if (command.constructor.name !== 'ScanCommand') throw new Error(`unexpected ${command.constructor.name}`);
    const failure = fake.failScan?.(fake.scans);
    fake.scans++;
    if (failure) throw failure;
    const { Segment, TotalSegments, ExclusiveStartKey, Limit } = command.input;
    const { items: inSegment, keys } = segmentOrder(Segment, TotalSegments);
    const from = ExclusiveStartKey ? keys.indexOf(encodeItemText(ExclusiveStartKey)) + 1 : 0;
    if (ExclusiveStartKey && from === 0) throw new Error('ExclusiveStartKey not in this segment');
    const page = inSegment.slice(from, from + Math.min(25, Limit ?? 25));
    const more = from + page.length < inSegment.length;
    const last = page[page.length - 1];
    // Consumed units by DynamoDB's rule for a consistent Scan: one per started 4 KB of the page's items.
    const units = Math.ceil(page.reduce((n, item) => n + Buffer.byteLength(encodeItemText(item)), 0) / 4096);
    return { Items: page, ScannedCount: page.length, ConsumedCapacity: { CapacityUnits: units }, $metadata: { attempts: 1 }, ...(more && last ? { LastEvaluatedKey: Object.fromEntries(keyAttributes.map((k) => [k, last[k]])) } : {}) };
  };
  fake.ddb.send = send as unknown as DynamoDBClient['send'];
  return fake;
}

// ---------- plans, runs, snapshots ----------

const s3Source = (parent: PlannedSource['parent'] = null): PlannedSource => ({ name: 'bucket', type: 's3', snapshotSource: { kind: 's3', id: 'bucket', bucket: 'b', prefix: '' }, parent });
const ddbSource: PlannedSource = { name: 'table', type: 'dynamodb', snapshotSource: { kind: 'dynamodb', id: 'table', table: 't' }, parent: null, keyAttributes: ['pk', 'sk'] };
const fsSource: PlannedSource = { name: 'files', type: 'filesystem', snapshotSource: { kind: 'filesystem', id: 'files', path: '/data' }, parent: null };

async function newPlan(source: PlannedSource, into: Vault = vault): Promise<{ backupId: string; planKey: string }> {
  const backupId = `20260101T000000Z-test${String(runs++).padStart(4, '0')}`;
  const plan: BackupPlanDocument = { backupId, plan: 'p', environment: 'test', strategy: 'full', requestedStrategy: 'full', createdAt: new Date(0).toISOString(), sources: [source], shardManifests: [] };
  return { backupId, planKey: await new BackupWorkspace(into.store).putPlan(plan) };
}

/** A deadline for one call: plenty of time for the first `k` checks, then none (the shard stops at its next entry boundary). */
function deadlineAfter(k: number): () => number {
  let checks = 0;
  return () => (checks++ < k ? 3_600_000 : 0);
}

type RunOptions = { deadlineChecks?: number; vault?: Vault; beforeCall?: (backupId: string, call: number) => Promise<void>; afterStop?: (backupId: string, call: number) => Promise<void> };
type Run = { backupId: string; calls: number; failures: number; progress: ShardProgress };

/** The shard called as the workflow would: again while done:false, and again after a failure (a retried child), until done. */
async function runShard(source: PlannedSource, spec: ShardSpec, deps: Omit<SnapshotShardDeps, 'vault'>, options: RunOptions = {}): Promise<Run> {
  const { backupId, planKey } = await newPlan(source, options.vault);
  let calls = 0;
  let failures = 0;
  for (;;) {
    if (calls > 500) throw new Error('the shard does not finish');
    await options.beforeCall?.(backupId, calls);
    calls++;
    let progress: ShardProgress;
    try {
      progress = await snapshotShard(
        { backupId, planKey, spec },
        { ...deps, vault: options.vault ?? vault, ...(options.deadlineChecks !== undefined ? { deadline: deadlineAfter(options.deadlineChecks), stopMarginMs: 1000 } : {}) },
      );
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('killed')) throw err;
      failures++;
      continue;
    }
    if (progress.done) return { backupId, calls, failures, progress };
    await options.afterStop?.(backupId, calls);
  }
}

/** The snapshot the commit step would make of the run's final part, as its entries in manifest order. */
async function entriesOf(run: Run, source: PlannedSource, from: Vault = vault): Promise<ManifestEntry[]> {
  const doc = await new BackupWorkspace(from.store).getPart(run.backupId, 0);
  const snapshot = await from.commitSnapshot({ source: source.snapshotSource, parts: [doc.part], parent: source.parent?.snapshotId ?? null });
  const entries: ManifestEntry[] = [];
  for await (const e of from.entries(snapshot)) entries.push(e);
  return entries;
}

const killed = (what: string): Error => new Error(`killed: ${what}`);

// ---------- S3 ----------

describe('resumable S3 shards', () => {
  const spec: ShardSpec = { kind: 's3', index: 0, source: 'bucket', bucket: 'b', prefix: '' };
  let fake: S3Fake;
  let reference: ManifestEntry[];

  beforeAll(async () => {
    fake = fakeS3();
    // Keys whose S3 order (UTF-8 bytes) differs from the manifest's ('/' first), with bodies of one to many chunks.
    const keys = ['a', 'a-b', 'a/b', 'a/c/d', 'b.txt', 'dir/x', 'dir/y', 'dir/z/1', 'ü', '📦', 'z', ...Array.from({ length: 6 }, (_, i) => `bulk/${String(i).padStart(2, '0')}`)];
    keys.forEach((key, i) => fake.objects.set(key, { body: pseudoRandomBytes(i % 3 === 0 ? 40_000 : 300 + i, i + 1), lastModified: new Date(1_700_000_000_000 + i * 1000), metadata: { n: String(i) } }));
    reference = await entriesOf(await runShard(s3Source(), spec, { s3: fake.s3, dynamodb: fakeDynamoDb([]).ddb }), s3Source());
    expect(reference.map((e) => String(e.meta.key)).sort(compareKeys)).toEqual(keys.sort(compareKeys));
  });

  it.each([0, 2])('stops after every %i checks and still stores the uninterrupted snapshot', async (k) => {
    const run = await runShard(s3Source(), spec, { s3: fake.s3, dynamodb: fakeDynamoDb([]).ddb }, { deadlineChecks: k });
    expect(run.calls).toBeGreaterThanOrEqual(Math.floor(fake.objects.size / (k + 2)));
    expect(await entriesOf(run, s3Source())).toEqual(reference);
    expect(run.progress).toMatchObject({ done: true, entries: fake.objects.size });
  });

  it('loses and repeats nothing when killed mid-stretch, or between a segment and its cursor', async () => {
    const store = vault.store;
    // GetObject number 4 and 9 fail: the stretch dies with entries taken, its writer unfinished.
    let gets = 0;
    fake.failGet = () => (++gets === 4 || gets === 9 ? killed('GetObject') : undefined);
    let previousCursor: Buffer | null = null;
    let cursorsDropped = 0;
    try {
      const run = await runShard(s3Source(), spec, { s3: fake.s3, dynamodb: fakeDynamoDb([]).ddb }, {
        deadlineChecks: 2,
        beforeCall: async (backupId) => {
          // Remember the cursor, to put it back after the next stop as if the call died before writing it.
          previousCursor = await store.get(cursorKey(backupId, 0)).catch((err: unknown) => (err instanceof VaultObjectNotFoundError ? null : Promise.reject(err)));
        },
        afterStop: async (backupId, call) => {
          if (call % 3 !== 0) return;
          cursorsDropped++;
          if (previousCursor) await store.put(cursorKey(backupId, 0), previousCursor);
          else await store.delete(cursorKey(backupId, 0));
        },
      });
      expect(run.failures).toBe(2);
      expect(cursorsDropped).toBeGreaterThan(0);
      expect(await entriesOf(run, s3Source())).toEqual(reference);
    } finally {
      delete fake.failGet;
    }
  });

  it('reuses the parent snapshot in every stretch: only changed objects are read', async () => {
    const full = await runShard(s3Source(), spec, { s3: fake.s3, dynamodb: fakeDynamoDb([]).ddb });
    const doc = await new BackupWorkspace(vault.store).getPart(full.backupId, 0);
    const parentSnapshot = await vault.commitSnapshot({ source: s3Source().snapshotSource, parts: [doc.part] });
    const parent = { backupId: full.backupId, snapshotId: parentSnapshot.id };
    const changed = ['a/b', 'dir/y', 'new/key'];
    for (const key of changed) fake.objects.set(key, { body: pseudoRandomBytes(5000, key.length * 31), lastModified: new Date(1_800_000_000_000), metadata: {} });
    fake.objects.delete('z');

    const uninterrupted = await runShard(s3Source(parent), spec, { s3: fake.s3, dynamodb: fakeDynamoDb([]).ddb });
    fake.gets.length = 0;
    const interrupted = await runShard(s3Source(parent), spec, { s3: fake.s3, dynamodb: fakeDynamoDb([]).ddb }, { deadlineChecks: 0 });
    expect(interrupted.calls).toBeGreaterThan(fake.objects.size / 2);
    expect(fake.gets.sort()).toEqual(changed.sort());
    expect(await entriesOf(interrupted, s3Source(parent))).toEqual(await entriesOf(uninterrupted, s3Source(parent)));
  });

  it('returns done at once for a shard whose final part exists, reading nothing', async () => {
    const run = await runShard(s3Source(), spec, { s3: fake.s3, dynamodb: fakeDynamoDb([]).ddb }, { deadlineChecks: 1 });
    const sent: string[] = [];
    const s3 = new S3Client({ region: 'us-east-1' });
    s3.send = ((command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      return Promise.reject(new Error('no source read expected'));
    }) as unknown as S3Client['send'];
    const again = await snapshotShard({ backupId: run.backupId, planKey: `plans/${run.backupId}.json`, spec }, { s3, dynamodb: fakeDynamoDb([]).ddb, vault, deadline: () => 0, stopMarginMs: 1000 });
    expect(again).toEqual(run.progress);
    expect(sent).toEqual([]);
  });
});

// ---------- DynamoDB ----------

describe('resumable DynamoDB shards', () => {
  const spec = (segment: number): ShardSpec => ({ kind: 'dynamodb', index: 0, source: 'table', table: 't', segment, totalSegments: 2 });
  let fake: DdbFake;
  const reference: ManifestEntry[][] = [];

  beforeAll(async () => {
    fake = fakeDynamoDb(['pk', 'sk']);
    for (let i = 0; i < 600; i++) {
      // A binary sort key: the cursor's ExclusiveStartKey must survive JSON (canonical item text).
      fake.items.push({ pk: { S: `user-${i % 97}` }, sk: { B: Uint8Array.from([i >> 8, i & 0xff, 0xff, 0x00]) }, blob: { B: pseudoRandomBytes(40 + (i % 50), i + 7) }, n: { N: '12345678901234567890.5' } });
    }
    for (const segment of [0, 1]) reference.push(await entriesOf(await runShard(ddbSource, spec(segment), { s3: fakeS3().s3, dynamodb: fake.ddb }), ddbSource));
    expect(reference[0]?.length).toBeGreaterThan(3);
  });

  it.each([
    [0, 0],
    [1, 1],
  ])('stops after every %i page checks (segment %i) and still stores the uninterrupted snapshot', async (k, segment) => {
    const pages = reference[segment]?.length ?? 0;
    expect(pages).toBeGreaterThan(k + 1);
    const run = await runShard(ddbSource, spec(segment), { s3: fakeS3().s3, dynamodb: fake.ddb }, { deadlineChecks: k });
    // A stretch closes k + 1 pages, then stops.
    expect(run.calls).toBeGreaterThanOrEqual(Math.ceil(pages / (k + 1)));
    expect(await entriesOf(run, ddbSource)).toEqual(reference[segment]);
    expect(run.progress).toMatchObject({ done: true, entries: pages });
  });

  it('loses and repeats nothing when a scan fails mid-segment and the shard is retried', async () => {
    const failAt = fake.scans + 3;
    fake.failScan = (n) => (n === failAt || n === failAt + 7 ? killed('Scan') : undefined);
    try {
      const run = await runShard(ddbSource, spec(0), { s3: fakeS3().s3, dynamodb: fake.ddb }, { deadlineChecks: 1 });
      expect(run.failures).toBe(2);
      expect(await entriesOf(run, ddbSource)).toEqual(reference[0]);
    } finally {
      delete fake.failScan;
    }
  });
});

describe('resumable DynamoDB shards under a read budget', () => {
  // Items of about 16 KB at 5 RCU/s (the read-budget test's per-segment share): a page entry averages
  // 64 items, about 50 s of the budget, and may take minutes. Each call is a Lambda of LAMBDA_MS on
  // the budget's fake clock, which moves only when the budget waits.
  const LAMBDA_MS = 240_000;
  const MARGIN_MS = 30_000;
  const spec: ShardSpec = { kind: 'dynamodb', index: 0, source: 'table', table: 't', segment: 0, totalSegments: 1, readUnitsPerSecond: 5, averageItemBytes: 16 * 1024 };
  let fake: DdbFake;

  beforeAll(() => {
    fake = fakeDynamoDb(['pk', 'sk']);
    for (let i = 0; i < 1200; i++) fake.items.push({ pk: { S: `order-${i % 31}` }, sk: { N: String(i) }, body: { S: `${i}:`.padEnd(16_000, 'x') } });
  });

  it('stops within its margin at every deadline, never past the Lambda, and still stores the uninterrupted snapshot', async () => {
    const reference = await entriesOf(await runShard(ddbSource, spec, { s3: fakeS3().s3, dynamodb: fake.ddb, clock: new FakeBucketClock() }), ddbSource);
    const clock = new FakeBucketClock();
    let callStart = 0;
    const calls: number[] = [];
    const run = await runShard(
      ddbSource,
      spec,
      { s3: fakeS3().s3, dynamodb: fake.ddb, clock, deadline: () => callStart + LAMBDA_MS - clock.now(), stopMarginMs: MARGIN_MS },
      {
        beforeCall: async () => {
          callStart = clock.now();
        },
        afterStop: async () => {
          calls.push(clock.now() - callStart);
        },
      },
    );
    calls.push(clock.now() - callStart);
    // A stretch stops once less than the margin is left: within about a Scan request of that (its first page aside, which fits here).
    for (const ms of calls.slice(0, -1)) {
      expect(ms).toBeGreaterThanOrEqual(LAMBDA_MS - MARGIN_MS);
      expect(ms).toBeLessThanOrEqual(LAMBDA_MS - MARGIN_MS + 2_000);
    }
    expect(Math.max(...calls)).toBeLessThan(LAMBDA_MS);
    expect(run.calls).toBeGreaterThan(4);
    // The open pages it abandoned were read again and cut at the same content-defined boundaries.
    expect(await entriesOf(run, ddbSource)).toEqual(reference);
  });

  it('ends a call whose first page cannot close in time with a TransientError before the Lambda\'s timeout, its cursor untouched (audit aS7-1)', async () => {
    // Every response came after one retry of the SDK's own: the budget drops to a sixteenth of its 5 RCU/s.
    const retried = fakeDynamoDb(['pk', 'sk']);
    retried.items.push(...fake.items);
    const scan = retried.ddb.send.bind(retried.ddb) as (command: unknown) => Promise<{ $metadata: object }>;
    retried.ddb.send = (async (command: unknown) => ({ ...(await scan(command)), $metadata: { attempts: 2 } })) as unknown as DynamoDBClient['send'];
    const { backupId, planKey } = await newPlan(ddbSource);
    const clock = new FakeBucketClock();
    const lambdaMs = 600_000;
    const call = snapshotShard({ backupId, planKey, spec }, { s3: fakeS3().s3, dynamodb: retried.ddb, vault, clock, deadline: () => lambdaMs - clock.now(), stopMarginMs: 90_000 });
    await expect(call).rejects.toThrow(expect.objectContaining({ name: 'TransientError', message: expect.stringMatching(/table t \(segment 0 of 1\) closed no page before the Lambda's deadline/) }));
    expect(clock.now()).toBeLessThan(lambdaMs);
    expect(await vault.store.has(cursorKey(backupId, 0))).toBe(false);
  });
});

// ---------- file systems ----------

describe('resumable file-system shards', () => {
  let root: string;
  let spec: ShardSpec;
  let reference: ManifestEntry[];
  const deps = (): Omit<SnapshotShardDeps, 'vault'> => ({ s3: fakeS3().s3, dynamodb: fakeDynamoDb([]).ddb, env: {} });

  beforeAll(async () => {
    root = path.join(dir, 'tree');
    const file = async (rel: string, bytes: Buffer | string): Promise<void> => {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), bytes);
    };
    await file('a/b', 'b');
    await file('a/c/d', pseudoRandomBytes(100_000, 3));
    await file('a/c/e', 'e');
    await file('a-b', 'dash');
    await file('a.txt', 'dot');
    await file('big.bin', pseudoRandomBytes(200_000, 9));
    for (let i = 0; i < 6; i++) await file(`many/f${String(i).padStart(2, '0')}`, pseudoRandomBytes(100 + i * 500, i + 20));
    await file('h1', 'hard-linked content');
    await mkdir(path.join(root, 'z'), { recursive: true });
    await link(path.join(root, 'h1'), path.join(root, 'z', 'h2'));
    await link(path.join(root, 'h1'), path.join(root, 'z', 'h3'));
    await symlink('a.txt', path.join(root, 'link'));
    await mkdir(path.join(root, 'empty'));
    spec = { kind: 'filesystem', index: 0, source: 'files', root, paths: ['a', 'a-b', 'a.txt', 'big.bin', 'empty', 'h1', 'link', 'many', 'z'], includeRoot: true };
    reference = await entriesOf(await runShard(fsSource, spec, deps()), fsSource);
    expect(reference.find((e) => e.path === 'z/h3')?.meta.hardlink).toBe('h1');
  });

  it.each([0, 3])('stops after every %i checks and still stores the uninterrupted snapshot (hard links included)', async (k) => {
    const run = await runShard(fsSource, spec, deps(), { deadlineChecks: k });
    expect(run.calls).toBeGreaterThanOrEqual(Math.floor(reference.length / (k + 2)));
    expect(await entriesOf(run, fsSource)).toEqual(reference);
  });

  it('loses and repeats nothing when a pack upload fails mid-walk and the shard is retried', async () => {
    // A vault of its own (so the data is new and packs are uploaded), over a store whose pack uploads 2
    // and 4 fail (the writer dies with entries taken) and whose second segment put fails (after the
    // writer finished, before the segment is stored); then an uninterrupted run in it for reference.
    await mkdir(path.join(dir, 'own'));
    const own = await newTestVault(path.join(dir, 'own'));
    let packs = 0;
    let segments = 0;
    const store = own.store;
    const createObjectWriter = store.createObjectWriter?.bind(store);
    if (!createObjectWriter) throw new Error('the test vault is a directory: its store writes packs piece by piece');
    const failing: VaultStore = Object.assign(Object.create(store) as VaultStore, {
      // Packs are streamed through object writers (FileVaultStore has them): the commit of packs 2 and 4 fails; everything else goes through put.
      createObjectWriter: async (key: string): Promise<ObjectWriter> => {
        const writer = await createObjectWriter(key);
        const fails = ++packs === 2 || packs === 4;
        return { ...writer, commit: () => (fails ? Promise.reject(killed('pack upload')) : writer.commit()) };
      },
      // Segments are created only where none exists (putIfAbsent): the second segment's create fails.
      putIfAbsent: (key: string, body: Uint8Array): Promise<boolean> => (key.includes('/segment-') && ++segments === 2 ? Promise.reject(killed('segment put')) : store.putIfAbsent(key, body)),
    });
    const failingVault = await openVault(failing, await KeyFileKeyProvider.load(own.keyFile));
    const run = await runShard(fsSource, spec, deps(), { deadlineChecks: 3, vault: failingVault });
    expect(run.failures).toBe(3);
    const uninterrupted = await runShard(fsSource, spec, deps(), { vault: own.vault });
    expect(await entriesOf(run, fsSource, own.vault)).toEqual(await entriesOf(uninterrupted, fsSource, own.vault));
  });
});

// ---------- batches ----------

describe('snapshotShardBatch', () => {
  it('runs the shards of a batch in order, stops at the first that stops, and skips the finished ones when called again', async () => {
    const fake = fakeS3();
    for (let i = 0; i < 6; i++) fake.objects.set(`k${i}`, { body: Buffer.from(`body ${i}`), lastModified: new Date(0), metadata: {} });
    const { backupId, planKey } = await newPlan(s3Source());
    const items: ShardSpec[] = [
      { kind: 's3', index: 0, source: 'bucket', bucket: 'b', prefix: '', endAt: 'k2' },
      { kind: 's3', index: 1, source: 'bucket', bucket: 'b', prefix: '', startAfter: 'k2' },
    ];
    const calls: boolean[][] = [];
    for (let n = 0; n < 20; n++) {
      const result = await snapshotShardBatch({ BatchInput: { backupId, planKey }, Items: items }, { s3: fake.s3, dynamodb: fakeDynamoDb([]).ddb, vault, deadline: deadlineAfter(1), stopMarginMs: 1000 });
      calls.push(result.shards.map((s) => s.done));
      if (result.done) break;
    }
    // Each call has time for one deadline check (the batch asks too, before a next shard): shard 0
    // (3 keys) takes two calls, shard 1 (3 keys) three; every call after the second meets shard 0 done.
    expect(calls).toEqual([[false], [true, false], [true, false], [true, true]]);
    // Out of time before the next shard, with every shard finished: done, without starting any.
    const late = await snapshotShardBatch({ BatchInput: { backupId, planKey }, Items: items }, { s3: fake.s3, dynamodb: fakeDynamoDb([]).ddb, vault, deadline: () => 0, stopMarginMs: 1000 });
    expect(late.done).toBe(true);
    expect(late.shards.map((p) => p.shardIndex)).toEqual([0]);

    // Out of time before a shard that is not finished: done:false, and that shard not started.
    const next = await newPlan(s3Source());
    await snapshotShard({ ...next, spec: items[0] as ShardSpec }, { s3: fake.s3, dynamodb: fakeDynamoDb([]).ddb, vault });
    const stopped = await snapshotShardBatch({ BatchInput: next, Items: items }, { s3: fake.s3, dynamodb: fakeDynamoDb([]).ddb, vault, deadline: () => 0, stopMarginMs: 1000 });
    expect(stopped).toMatchObject({ done: false, shards: [{ shardIndex: 0, done: true }] });
    expect(await vault.store.has(cursorKey(next.backupId, 1))).toBe(false);
    const workspace = new BackupWorkspace(vault.store);
    const entries = (await workspace.getPart(backupId, 0)).part.stats.entries + (await workspace.getPart(backupId, 1)).part.stats.entries;
    expect(entries).toBe(6);
    expect(await vault.store.has(segmentKey(backupId, 1, 0))).toBe(true);
  });

  it('starts a budgeted DynamoDB shard after another shard only with its worst-case first page left beyond the margin, and at once in a call that has read nothing yet', async () => {
    const fake = fakeDynamoDb(['pk', 'sk']);
    for (let i = 0; i < 120; i++) fake.items.push({ pk: { S: `user-${i % 7}` }, sk: { N: String(i) }, body: { S: 'y'.repeat(300 + i) } });
    const { backupId, planKey } = await newPlan(ddbSource);
    const items: ShardSpec[] = [
      { kind: 'dynamodb', index: 0, source: 'table', table: 't', segment: 0, totalSegments: 2 },
      { kind: 'dynamodb', index: 1, source: 'table', table: 't', segment: 1, totalSegments: 2, readUnitsPerSecond: 5, averageItemBytes: 400 },
    ];
    // More than the margin is left, but less than the margin and the budgeted shard's first page at 5 RCU/s.
    const deps = { s3: fakeS3().s3, dynamodb: fake.ddb, vault, clock: new FakeBucketClock(), deadline: () => 1000 + worstCaseFirstPageMs(5) / 2, stopMarginMs: 1000 };
    const first = await snapshotShardBatch({ BatchInput: { backupId, planKey }, Items: items }, deps);
    expect(first).toMatchObject({ done: false, shards: [{ shardIndex: 0, done: true }] });
    expect(await vault.store.has(cursorKey(backupId, 1))).toBe(false);
    // Called again: shard 0 is found finished (nothing read), so the budgeted shard starts with the same time left.
    const scans = fake.scans;
    const second = await snapshotShardBatch({ BatchInput: { backupId, planKey }, Items: items }, deps);
    expect(second).toMatchObject({ done: true, shards: [{ shardIndex: 0, done: true }, { shardIndex: 1, done: true }] });
    expect(fake.scans).toBeGreaterThan(scans);
  });
});
