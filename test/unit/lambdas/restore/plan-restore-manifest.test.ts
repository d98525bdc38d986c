import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { shardsPerBatch } from '../../../../lambdas/backup/shard-batch-size';
import { MAX_INLINE_SHARDS, planRestore, type PlannedRestore } from '../../../../lambdas/restore/plan-restore';
import { type RestorePlanDocument, restorePlanDocumentSchema, restoreShardBatchSchema } from '../../../../lambdas/restore/restore-plan-document';
import { type ResolvedRestore } from '../../../../lambdas/restore/resolved-restore';
import { restoreShardBatch } from '../../../../lambdas/restore/restore-shard';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { selectedEntries } from '../../../../lambdas/restore/restore-selection';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';

/** The restore planner's shard manifest (the Distributed Map's items) and the shard batches that consume it. */
const planS3 = mockClient(S3Client);
const FILES = 60;
const MAX_CONCURRENCY = 3;

let dir: string;
let vault: Vault;
let snapshot: Snapshot;
let allPaths: string[];
/** What the planner wrote, by key; served back to restoreShardBatch. */
const written = new Map<string, string>();

beforeAll(async () => {
  dir = await tempDir('plan-restore-manifest');
  ({ vault } = await newTestVault(dir));
  const src = path.join(dir, 'src');
  for (let i = 0; i < FILES; i++) {
    const file = path.join(src, `d${i % 4}`, `f${String(i).padStart(2, '0')}`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, pseudoRandomBytes(100 + 37 * i, i));
  }
  snapshot = (await backupDirectory(vault, src)).snapshot;
  allPaths = [];
  for await (const e of vault.entries(snapshot)) allPaths.push(e.path);
  await fs.mkdir(path.join(dir, 'fs'));
});
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
  await removeDir(dir);
});
beforeEach(() => {
  written.clear();
  planS3.reset();
  servePlanObjects(planS3, written);
});

function resolved(restoreId: string): ResolvedRestore {
  return resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: `/${restoreId}` } });
}

function io(): RestoreIo {
  return mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
}

/** The manifest's lines, parsed; and the stored plan. */
function stored(planned: PlannedRestore): { lines: unknown[]; plan: RestorePlanDocument; raw: string } {
  const raw = written.get(planned.shardManifestKey) ?? '';
  const plan = restorePlanDocumentSchema.parse(JSON.parse(written.get(planned.planKey) ?? 'null'));
  return { raw, lines: raw.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown), plan };
}

/** Every manifest shard's entries, in manifest order, as the shard step selects them. */
async function entriesByShard(lines: unknown[], plan: RestorePlanDocument): Promise<string[][]> {
  const out: string[][] = [];
  for (const line of lines) {
    const shard = plan.shards[(line as { shardIndex: number }).shardIndex];
    if (!shard) throw new Error(`manifest line ${JSON.stringify(line)} names no shard of the plan`);
    const paths: string[] = [];
    for await (const e of selectedEntries(vault, snapshot, plan.restore, shard)) paths.push(e.path);
    out.push(paths);
  }
  return out;
}

it('writes one manifest line per shard next to the plan, uncapped by concurrency, the shards partitioning the entries in order', async () => {
  const planned = await planRestore(resolved('r-dist'), { map: 'distributed', maxConcurrency: MAX_CONCURRENCY }, { ...io(), limits: { entriesPerShard: 4 } });
  expect(planned.planKey).toBe('restore-plans/r-dist.json');
  expect(planned.shardManifestKey).toBe('restore-plans/r-dist.shards.jsonl');
  const { raw, lines, plan } = stored(planned);
  // ~65 entries at 4 per shard: far more shards than the old cap of 8 or the concurrency of 3.
  expect(planned.shardCount).toBeGreaterThan(8);
  expect(raw.endsWith('\n')).toBe(true);
  expect(lines).toEqual(Array.from({ length: planned.shardCount }, (_, i) => ({ shardIndex: i })));
  expect(plan.shards.map((s) => s.index)).toEqual(lines.map((_, i) => i));
  expect(planned).toMatchObject({ restoreId: 'r-dist', entries: allPaths.length, maxConcurrency: MAX_CONCURRENCY, shardsPerBatch: shardsPerBatch(planned.shardCount, MAX_CONCURRENCY) });
  // Nothing of the shards travels in the state with a Distributed Map.
  expect(planned.shards).toBeUndefined();

  const byShard = await entriesByShard(lines, plan);
  for (const entries of byShard) expect(entries.length).toBeGreaterThan(0);
  // Every entry in exactly one shard, in manifest order.
  expect(byShard.flat()).toEqual(allPaths);
  expect(byShard.map((e) => e.length)).toEqual(plan.shards.map((s) => s.entries));
});

it('bounds an inline Map\'s shards and hands it one batch of one shard per manifest line', async () => {
  const planned = await planRestore(resolved('r-inline'), { map: 'inline', maxConcurrency: MAX_CONCURRENCY }, { ...io(), limits: { entriesPerShard: 1 } });
  expect(allPaths.length).toBeGreaterThan(MAX_INLINE_SHARDS);
  expect(planned.shardCount).toBe(MAX_INLINE_SHARDS);
  const { lines, plan } = stored(planned);
  expect(planned.shards).toEqual(lines.map((item) => ({ BatchInput: { restoreId: 'r-inline', planKey: planned.planKey }, Items: [item] })));
  for (const batch of planned.shards ?? []) expect(restoreShardBatchSchema.parse(batch)).toEqual(batch);
  expect((await entriesByShard(lines, plan)).flat()).toEqual(allPaths);
});

it('restores a batch\'s shards in the order given, and the manifest\'s batches bring back every file', async () => {
  const planned = await planRestore(resolved('r-batch'), { map: 'distributed', maxConcurrency: MAX_CONCURRENCY }, { ...io(), limits: { entriesPerShard: 10 } });
  const indexes = Array.from({ length: planned.shardCount }, (_, i) => i);
  const reversed = await restoreShardBatch({ BatchInput: { restoreId: 'r-batch', planKey: planned.planKey }, Items: [...indexes].reverse().map((shardIndex) => ({ shardIndex })) }, io());
  expect(reversed.shards.map((s) => s.shardIndex)).toEqual([...indexes].reverse());
  expect(reversed.shards.reduce((n, s) => n + s.entries, 0)).toBe(allPaths.length);
  for (let i = 0; i < FILES; i++) {
    const rel = path.join(`d${i % 4}`, `f${String(i).padStart(2, '0')}`);
    expect((await fs.readFile(path.join(dir, 'fs', 'r-batch', rel))).equals(pseudoRandomBytes(100 + 37 * i, i))).toBe(true);
  }
});

it('refuses a batch naming shards the plan lacks, before writing anything, and says which', async () => {
  const planned = await planRestore(resolved('r-bad'), { map: 'distributed', maxConcurrency: MAX_CONCURRENCY }, { ...io(), limits: { entriesPerShard: 30 } });
  const last = planned.shardCount - 1;
  await expect(restoreShardBatch({ BatchInput: { restoreId: 'r-bad', planKey: planned.planKey }, Items: [{ shardIndex: 0 }, { shardIndex: last + 1 }, { shardIndex: last + 7 }] }, io())).rejects.toMatchObject({
    name: 'SnapshotMismatchError',
    message: `Restore plan restore-plans/r-bad.json has no shard ${last + 1}, ${last + 7} for restore r-bad (its shards are 0 to ${last}): the shard manifest and the plan disagree; run the restore again`,
  });
  await expect(fs.readdir(path.join(dir, 'fs', 'r-bad'))).resolves.toEqual([]);
  await expect(restoreShardBatch({ BatchInput: { restoreId: 'r-other', planKey: planned.planKey }, Items: [{ shardIndex: 0 }] }, io())).rejects.toThrow(
    'Restore plan restore-plans/r-bad.json belongs to restore r-bad, not to r-other',
  );
});

it('restores the part a filter prefix selects, and refuses a prefix that selects nothing before it prepares the target or writes a plan', async () => {
  const planned = await planRestore({ ...resolved('r-d1'), prefix: 'd1' }, { map: 'distributed', maxConcurrency: MAX_CONCURRENCY }, { ...io(), limits: { entriesPerShard: 4 } });
  const { lines, plan } = stored(planned);
  const selected = (await entriesByShard(lines, plan)).flat();
  expect(selected).toEqual(allPaths.filter((p) => p === 'd1' || p.startsWith('d1/')));

  written.clear();
  await expect(planRestore({ ...resolved('r-nope'), prefix: 'd9' }, { map: 'distributed', maxConcurrency: MAX_CONCURRENCY }, io())).rejects.toMatchObject({
    name: 'InvalidInputError',
    message:
      'Invalid restore request: filter.prefix (`lifeboat restore --prefix`) "d9" matches no entry of backup 20260301T100000Z-1a2b3c4d of source files, so nothing was restored and the target was not touched; it is a path relative to the backed-up directory ("var/log"); ' +
      'a name that is not UTF-8, or that starts with %lifeboat-escaped-, is stored escaped, as %lifeboat-escaped-name-<base64url of its bytes>: give that segment as the backup stores it',
  });
  expect(written.size).toBe(0);
  await expect(fs.stat(path.join(dir, 'fs', 'r-nope'))).rejects.toMatchObject({ code: 'ENOENT' });
});
