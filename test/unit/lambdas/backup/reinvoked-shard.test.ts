import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { type BackupPlanDocument, type PlannedSource } from '../../../../lambdas/backup/backup-plan-document';
import { BackupWorkspace, cursorKey, segmentKey, shardSegmentDocumentSchema } from '../../../../lambdas/backup/backup-workspace';
import { type ShardProgress, snapshotShard } from '../../../../lambdas/backup/snapshot-shard';
import { shardMetricsOf, snapshotShardBatch } from '../../../../lambdas/backup/snapshot-shard-batch';
import { compareKeys } from '../../../../lambdas/sources/s3-bucket-source';
import { type ShardSpec } from '../../../../lambdas/sources/shard-spec';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { openVault, type Vault } from '../../../../vault/repository/vault';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * A shard invoked again while (or after) an earlier invocation wrote part of its work (docs/ARCHITECTURE.md,
 * "Resumable shards", *Two runs of one stretch*; audit a3). Step Functions retries a task after a lost
 * response while the first invocation may still run: two runs of one stretch that stop at different
 * keys, their segment and cursor writes let through in every order, must leave a shard whose snapshot
 * holds every key once (before segments were created once, one order lost 4 of 12 keys silently and
 * another added 4 twice). A batch called again must not publish its finished shards' metrics again.
 */

type S3Object = { body: Buffer; lastModified: Date };
const objects = new Map<string, S3Object>();
for (let i = 0; i < 12; i++) objects.set(`k${String(i).padStart(2, '0')}`, { body: pseudoRandomBytes(500 + i, i + 1), lastModified: new Date(1_700_000_000_000 + i * 1000) });
const allKeys = [...objects.keys()].sort(compareKeys);

/** The 12 objects behind a real S3Client, listed two keys a page (so a stretch can stop every second key). */
function scriptedBucket(): S3Client {
  const s3 = new S3Client({ region: 'us-east-1' });
  const etag = (o: S3Object): string => `"${createHash('md5').update(o.body).digest('hex')}"`;
  const send = async (command: { constructor: { name: string }; input: Record<string, string | undefined> }): Promise<unknown> => {
    await new Promise((resolve) => setImmediate(resolve));
    const name = command.constructor.name;
    const { Key: key = '', StartAfter: startAfter, ContinuationToken: token } = command.input;
    if (name === 'ListObjectsV2Command') {
      const after = token ?? startAfter;
      const keys = allKeys.filter((k) => after === undefined || compareKeys(k, after) > 0);
      const page = keys.slice(0, 2);
      const truncated = keys.length > page.length;
      return {
        Contents: page.map((k) => ({ Key: k, Size: objects.get(k)?.body.length, ETag: etag(objects.get(k) as S3Object), LastModified: objects.get(k)?.lastModified })),
        IsTruncated: truncated,
        ...(truncated ? { NextContinuationToken: page[page.length - 1] } : {}),
      };
    }
    const o = objects.get(key);
    if (!o) throw new Error(`no object ${key}`);
    if (name === 'GetObjectCommand') return { Body: Readable.from([o.body]), ETag: etag(o), ContentLength: o.body.length, LastModified: o.lastModified, Metadata: {}, ContentType: 'application/octet-stream', TagCount: 0 };
    if (name === 'HeadObjectCommand') return { ETag: etag(o), ContentLength: o.body.length, LastModified: o.lastModified, Metadata: {} };
    if (name === 'GetObjectTaggingCommand') return { TagSet: [] };
    throw new Error(`unexpected ${name}`);
  };
  s3.send = send as unknown as S3Client['send'];
  return s3;
}

type RunName = 'A' | 'B';
type Write = `${RunName}-seg` | `${RunName}-cur`;

/**
 * Lets the segment creates and cursor puts of two runs through one at a time, in `order`. A run that
 * returns without one of its writes (a loser that found the cursor moved on) has its turns skipped.
 */
class WriteOrder {
  private next = 0;
  private readonly held = new Map<Write, () => void>();
  private readonly ended = new Set<RunName>();

  constructor(private readonly order: readonly Write[]) {}

  async pass<T>(write: Write, run: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      this.held.set(write, resolve);
      this.pump();
    });
    try {
      return await run();
    } finally {
      this.next++;
      this.pump();
    }
  }

  end(run: RunName): void {
    this.ended.add(run);
    this.pump();
  }

  private pump(): void {
    for (let write = this.order[this.next]; write !== undefined; write = this.order[++this.next]) {
      if (this.ended.has(write.startsWith('A') ? 'A' : 'B')) continue;
      const go = this.held.get(write);
      if (go) {
        this.held.delete(write);
        go();
      }
      return;
    }
  }
}

const source: PlannedSource = { name: 'bucket', type: 's3', snapshotSource: { kind: 's3', id: 'bucket', bucket: 'b', prefix: '' }, parent: null };
const spec: ShardSpec = { kind: 's3', index: 0, source: 'bucket', bucket: 'b', prefix: '' };
const s3 = scriptedBucket();
const dynamodb = new DynamoDBClient({ region: 'us-east-1' });
const killed = new Error('killed between the segment and the cursor');

let dir: string;
let vault: Vault;
/** The runs' own vaults over one store (two Lambda invocations), whose segment and cursor writes go through `gate`. */
const runs = {} as Record<RunName, Vault>;
let gate: WriteOrder | undefined;
let killCursorPut = false;
let plans = 0;

beforeAll(async () => {
  dir = await tempDir('reinvoked');
  const made = await newTestVault(dir);
  vault = made.vault;
  const store = made.store;
  for (const run of ['A', 'B'] as const) {
    const gated: VaultStore = Object.assign(Object.create(store) as VaultStore, {
      putIfAbsent: (key: string, body: Uint8Array): Promise<boolean> => (gate && key.includes('/segment-') ? gate.pass(`${run}-seg`, () => store.putIfAbsent(key, body)) : store.putIfAbsent(key, body)),
      put: (key: string, body: Uint8Array): Promise<void> => {
        if (!key.endsWith('/cursor.json')) return store.put(key, body);
        if (killCursorPut) {
          killCursorPut = false;
          return Promise.reject(killed);
        }
        return gate ? gate.pass(`${run}-cur`, () => store.put(key, body)) : store.put(key, body);
      },
    });
    runs[run] = await openVault(gated, await KeyFileKeyProvider.load(made.keyFile));
  }
});
afterAll(async () => {
  await removeDir(dir);
});

async function newPlan(): Promise<{ backupId: string; planKey: string }> {
  const backupId = `20260101T000000Z-reinvoked${String(plans++).padStart(3, '0')}`;
  const plan: BackupPlanDocument = { backupId, plan: 'p', environment: 'test', strategy: 'full', requestedStrategy: 'full', createdAt: new Date(0).toISOString(), sources: [source], shardManifests: [] };
  return { backupId, planKey: await new BackupWorkspace(vault.store).putPlan(plan) };
}

/** Plenty of time for the first `k` checks, then none: with two keys a page, a stretch stops after k + 1 keys. */
function deadlineAfter(k: number): () => number {
  let checks = 0;
  return () => (checks++ < k ? 3_600_000 : 0);
}

/** Calls the shard until it is done, then commits its part as the commit step would: the committed keys, in manifest order. */
async function finishAndCommit(input: { backupId: string; planKey: string }): Promise<{ progress: ShardProgress; keys: string[] }> {
  let progress: ShardProgress;
  do progress = await snapshotShard({ ...input, spec }, { s3, dynamodb, vault });
  while (!progress.done);
  const doc = await new BackupWorkspace(vault.store).getPart(input.backupId, 0);
  const snapshot = await vault.commitSnapshot({ source: source.snapshotSource, parts: [doc.part], parent: null });
  const keys: string[] = [];
  for await (const e of vault.entries(snapshot)) keys.push(String(e.meta.key));
  return { progress, keys };
}

describe('two runs of one stretch at once', () => {
  // Run A stops after 3 keys, B after 7; every order of their writes that keeps each run's segment before its cursor.
  // The first three are the audit's reproduction; before segments were created once they lost k03–k06, added them twice, and were fine.
  it.each<Write[]>([
    ['B-seg', 'A-seg', 'A-cur', 'B-cur'],
    ['A-seg', 'B-seg', 'B-cur', 'A-cur'],
    ['A-seg', 'A-cur', 'B-seg', 'B-cur'],
    ['A-seg', 'B-seg', 'A-cur', 'B-cur'],
    ['B-seg', 'B-cur', 'A-seg', 'A-cur'],
    ['B-seg', 'A-seg', 'B-cur', 'A-cur'],
  ])('%s, %s, %s, %s: the first segment stands, both runs report it, and the shard commits every key once', async (...order) => {
    const input = await newPlan();
    const writes = new WriteOrder(order);
    gate = writes;
    const call = async (run: RunName, checks: number): Promise<ShardProgress> => {
      try {
        return await snapshotShard({ ...input, spec }, { s3, dynamodb, vault: runs[run], deadline: deadlineAfter(checks), stopMarginMs: 1000 });
      } finally {
        writes.end(run);
      }
    };
    let a: ShardProgress;
    let b: ShardProgress;
    try {
      [a, b] = await Promise.all([call('A', 2), call('B', 6)]);
    } finally {
      gate = undefined;
    }
    const first = order[0] === 'A-seg' ? 3 : 7;
    expect([a, b].map(({ entries, done }) => ({ entries, done }))).toEqual([
      { entries: first, done: false },
      { entries: first, done: false },
    ]);
    const segment = shardSegmentDocumentSchema.parse(JSON.parse((await vault.store.get(segmentKey(input.backupId, 0, 0))).toString('utf8')));
    expect(segment.part.stats.entries).toBe(first);
    const cursor = await new BackupWorkspace(vault.store).getCursor(input.backupId, 0);
    expect(cursor).toMatchObject({ segments: 1, resume: segment.next?.resume, stored: { entries: first } });

    const { progress, keys } = await finishAndCommit(input);
    expect(progress).toMatchObject({ done: true, entries: 12 });
    expect(keys.sort(compareKeys)).toEqual(allKeys);
  });
});

describe('a call killed between its segment and its cursor', () => {
  it.each([
    ['its segment', false],
    ['a segment written before segments carried their cursor', true],
  ])('is retried: the retry, stopping later, %s', async (_what, legacy) => {
    const input = await newPlan();
    killCursorPut = true;
    await expect(snapshotShard({ ...input, spec }, { s3, dynamodb, vault: runs.A, deadline: deadlineAfter(2), stopMarginMs: 1000 })).rejects.toBe(killed);
    expect(await vault.store.has(cursorKey(input.backupId, 0))).toBe(false);
    const key = segmentKey(input.backupId, 0, 0);
    if (legacy) {
      const { next: _next, ...old } = shardSegmentDocumentSchema.parse(JSON.parse((await vault.store.get(key)).toString('utf8')));
      await vault.store.put(key, Buffer.from(JSON.stringify(old), 'utf8'));
    }

    // The retry reads 7 keys. It finds segment 0 stored (3 keys) and goes on from its end, dropping its
    // own stretch; a segment without its end (an earlier version's) it replaces, as that version did.
    const retry = await snapshotShard({ ...input, spec }, { s3, dynamodb, vault: runs.B, deadline: deadlineAfter(6), stopMarginMs: 1000 });
    const kept = legacy ? 7 : 3;
    expect(retry).toMatchObject({ done: false, entries: kept });
    const segment = shardSegmentDocumentSchema.parse(JSON.parse((await vault.store.get(key)).toString('utf8')));
    expect(segment).toMatchObject({ part: { stats: { entries: kept } }, next: { resume: { kind: 's3', lastKey: allKeys[kept - 1] } } });
    expect(await new BackupWorkspace(vault.store).getCursor(input.backupId, 0)).toMatchObject({ segments: 1, resume: segment.next?.resume, stored: { entries: kept } });

    const { progress, keys } = await finishAndCommit(input);
    expect(progress).toMatchObject({ done: true, entries: 12 });
    expect(keys.sort(compareKeys)).toEqual(allKeys);
  });
});

describe('a batch called again', () => {
  it('publishes ShardBytesScanned and ShardDuration once per shard: only for shards that finished in the call', async () => {
    const input = await newPlan();
    const items: ShardSpec[] = [
      { ...spec, index: 0, endAt: 'k05' },
      { ...spec, index: 1, startAfter: 'k05' },
    ];
    // Call 1 finishes shard 0 (6 keys) and stops shard 1; call 2 meets shard 0 finished and finishes shard 1.
    const first = await snapshotShardBatch({ BatchInput: input, Items: items }, { s3, dynamodb, vault, deadline: deadlineAfter(9), stopMarginMs: 1000 });
    const second = await snapshotShardBatch({ BatchInput: input, Items: items }, { s3, dynamodb, vault });
    expect(first.shards.map(({ shardIndex, done, read }) => ({ shardIndex, done, read }))).toEqual([
      { shardIndex: 0, done: true, read: true },
      { shardIndex: 1, done: false, read: true },
    ]);
    expect(second.shards.map(({ shardIndex, done, read }) => ({ shardIndex, done, read }))).toEqual([
      { shardIndex: 0, done: true, read: false },
      { shardIndex: 1, done: true, read: true },
    ]);

    const published = [...shardMetricsOf(first, 1000), ...shardMetricsOf(second, 1000)];
    const bytes = (keys: string[]): number => keys.reduce((n, k) => n + (objects.get(k)?.body.length ?? 0), 0);
    expect(published).toEqual([
      // The call's time shared by the two shards that read in it; the second call's all shard 1's.
      { plan: 'p', source: 'bucket', durationMs: 500, bytesScanned: bytes(allKeys.slice(0, 6)) },
      { plan: 'p', source: 'bucket', durationMs: 1000, bytesScanned: second.shards[1]?.bytesScanned },
    ]);
    // Shard 1's bytes are the whole shard's (both calls), and each key's bytes are counted once.
    expect(published.reduce((n, m) => n + m.bytesScanned, 0)).toBe(bytes(allKeys));
  });
});
