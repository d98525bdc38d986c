import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { piecesOf } from '../../../../lambdas/restore/object-pieces';
import { planRestore } from '../../../../lambdas/restore/plan-restore';
import { type RestorePlanDocument, restorePlanDocumentSchema, type RestoreShard } from '../../../../lambdas/restore/restore-plan-document';
import { entrySelector, selectedEntries } from '../../../../lambdas/restore/restore-selection';
import { cutShards, EXACT_CUT_PAGES, selectionTotals, type ShardBudget } from '../../../../lambdas/restore/restore-shard-cuts';
import { type ResolvedRestore } from '../../../../lambdas/restore/resolved-restore';
import { putShardCheck } from '../../../../lambdas/restore/shard-checks';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { s3EntryPath } from '../../../../lambdas/sources/s3-entry-path';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { initVault, openVault, type Vault } from '../../../../vault/repository/vault';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { requiredMethodsStore } from '../../../support/vault-test-helpers';

/**
 * The restore plan works from the manifest's page references (restore-shard-cuts.ts): an unfiltered
 * plan reads no page, a filtered one only the pages its range reaches, and the shards are those the
 * entry-by-entry planner made (kept below as `entryByEntryPlan`, the planner before audit R27 F1).
 * The snapshot: 9,001 S3 objects in 5 pages (2,000 entries a page) under 3 nodes (fanout 2), one of
 * them stored under an escaped path (a key the vault cannot hold as a path).
 */

const planS3 = mockClient(S3Client);
const written = new Map<string, string>();
const COUNT = 9000;
const ESCAPED_KEY = 'logs//odd-key';

let store: VaultStore;
const provider = new PassphraseKeyProvider('page-refs', { N: 1024, r: 8, p: 1 });
/** A vault opened afresh for each measurement: a vault keeps the manifest pages it read last, which would hide their GETs. */
let vault: Vault;
let snapshot: Snapshot;
let all: ManifestEntry[];
let pageKeys: Set<string>;
/** Every GET of a manifest page, by key. */
const pageGets: string[] = [];

function sizeOf(i: number): number {
  // Uneven, so that shards balanced by weight differ from shards of equal counts; two entries in the second page over 1 GiB.
  return i === 2500 || i === 2501 ? 1_500_000_000 : 1000 + ((i * 7919) % 300_000);
}

beforeAll(async () => {
  const inner = new MemoryVaultStore('page-refs');
  store = requiredMethodsStore(inner, {
    get: (key, range) => {
      if (pageKeys?.has(key)) pageGets.push(key);
      return inner.get(key, range);
    },
  });
  vault = await initVault(store, provider, { compressionLevel: null });
  const entries: ManifestEntry[] = Array.from({ length: COUNT }, (_, i) => {
    const key = `data/${String(i).padStart(6, '0')}.bin`;
    return { path: key, kind: 'object' as const, size: sizeOf(i), meta: { key }, content: [] };
  });
  entries.push({ path: s3EntryPath(ESCAPED_KEY), kind: 'object', size: 5, meta: { key: ESCAPED_KEY }, content: [] });
  snapshot = await vault.commitSnapshot({ source: { kind: 's3', id: 'assets', bucket: 'assets', prefix: '' }, parts: [], entries, manifestFanout: 2 });
  const reader = await vault.manifest(snapshot);
  pageKeys = new Set();
  for await (const ref of reader.pageRefs()) pageKeys.add(manifestKey(ref.id));
  all = [];
  for await (const e of vault.entries(snapshot)) all.push(e);
});
afterAll(() => planS3.restore());
beforeEach(async () => {
  vault = await openVault(store, provider);
  written.clear();
  planS3.reset();
  servePlanObjects(planS3, written);
  pageGets.length = 0;
});

function s3Restore(restoreId: string, prefix = '', targetPrefix = ''): ResolvedRestore {
  return {
    restoreId,
    source: { name: 'assets', type: 's3' },
    backupId: '20260301T100000Z-1a2b3c4d',
    backupStartedAt: new Date().toISOString(),
    snapshotId: snapshot.id,
    vault: 'primary',
    target: { type: 's3', bucket: 'restored', prefix: targetPrefix },
    overwrite: false,
    keepSetIdBits: false,
    prefix,
    startedAt: new Date().toISOString(),
  };
}

function budgetOf(limits: Partial<ShardBudget>): ShardBudget {
  return { maxShards: 10_000, entriesPerShard: 100, bytesPerShard: 256 * 1024 * 1024, basePieceBytes: 1024 * 1024 * 1024, exactPages: EXACT_CUT_PAGES, ...limits };
}

/** The planner before page references (lambdas/restore/plan-restore.ts as of audit R27): totals, then boundaries, entry by entry. */
function entryByEntryPlan(selected: readonly ManifestEntry[], budget: ShardBudget): { entries: number; bytes: number; shards: RestoreShard[] } {
  const splittable = (e: ManifestEntry): boolean => e.kind === 'object';
  let entries = 0;
  let bytes = 0;
  let wholeEntries = 0;
  let wholeBytes = 0;
  let splitBytes = 0;
  for (const e of selected) {
    entries++;
    bytes += e.size;
    if (splittable(e) && e.size > budget.basePieceBytes) splitBytes += e.size;
    else {
      wholeEntries++;
      wholeBytes += e.size;
    }
  }
  const { maxShards, entriesPerShard, bytesPerShard } = budget;
  const pieceBytes = Math.max(budget.basePieceBytes, Math.ceil(splitBytes / Math.max(1, Math.floor(maxShards / 2))));
  const wholeShards = Math.max(1, Math.min(splitBytes > 0 ? Math.ceil(maxShards / 2) : maxShards, wholeEntries, Math.max(Math.ceil(wholeEntries / entriesPerShard), Math.ceil(wholeBytes / bytesPerShard))));
  const PER_ENTRY = 64 * 1024;
  const perShard = (wholeBytes + wholeEntries * PER_ENTRY) / wholeShards;
  const shards: RestoreShard[] = [];
  let current: RestoreShard | undefined;
  let weight = 0;
  let cut = 0;
  for (const entry of selected) {
    const pieces = splittable(entry) ? piecesOf(entry.size, pieceBytes) : [];
    if (pieces.length > 0) {
      shards.push(...pieces.map((p, i) => ({ index: shards.length + i, first: entry.path, last: entry.path, entries: p.start === 0 ? 1 : 0, bytes: p.end - p.start, piece: { ...p } })));
      current = undefined;
      continue;
    }
    if (!current || (weight >= perShard * cut && cut < wholeShards)) {
      current = { index: shards.length, first: entry.path, last: entry.path, entries: 0, bytes: 0 };
      shards.push(current);
      cut++;
    }
    current.last = entry.path;
    current.entries++;
    current.bytes += entry.size;
    weight += entry.size + PER_ENTRY;
  }
  return { entries, bytes, shards };
}

async function newPlan(restore: ResolvedRestore, budget: ShardBudget): Promise<{ entries: number; bytes: number; shards: RestoreShard[] }> {
  const reader = await vault.manifest(snapshot);
  const totals = await selectionTotals(reader, restore, budget);
  const { shards } = await cutShards(reader, restore, totals, budget);
  return { entries: totals.entries, bytes: totals.bytes, shards };
}

function storedPlan(planKey: string): RestorePlanDocument {
  return restorePlanDocumentSchema.parse(JSON.parse(written.get(planKey) ?? 'null'));
}

/** The entries each shard restores, as the shard step selects them. */
async function shardPaths(restore: ResolvedRestore, shards: readonly RestoreShard[]): Promise<string[]> {
  const paths: string[] = [];
  for (const shard of shards) for await (const e of selectedEntries(vault, snapshot, restore, shard)) paths.push(e.path);
  return paths;
}

const planDeps = { openVault: () => Promise.resolve(vault), planS3: new S3Client({ region: 'us-east-1' }), planBucket: 'vault', dynamodb: {} as never, directory: (p: string) => p };

it('plans an unfiltered restore from the page references alone: no manifest page is read, every entry is in one shard, the totals are the entry-by-entry planner’s', async () => {
  expect(pageKeys.size).toBe(5);
  const restore = s3Restore('r-refs');
  // A manifest of more pages than exactPages (two here, a thousand in AWS) is cut at page edges. No entry is over the piece
  // budget, and no page weighs more than two shards' share (2 shards).
  const limits = { exactPages: 2, pieceBytes: 10 ** 10, entriesPerShard: 5000, bytesPerShard: 10 ** 15 };
  const planned = await planRestore(restore, { map: 'distributed', maxConcurrency: 4 }, { ...planDeps, limits });
  expect(pageGets).toEqual([]);
  const plan = storedPlan(planned.planKey);
  const before = entryByEntryPlan(all, budgetOf({ basePieceBytes: 10 ** 10 }));
  expect({ entries: plan.entries, bytes: plan.bytes }).toEqual({ entries: before.entries, bytes: before.bytes });
  const reader = await vault.manifest(snapshot);
  const firsts: string[] = [];
  for await (const ref of reader.pageRefs()) firsts.push(ref.first);
  expect(plan.shards.length).toBe(2);
  for (const shard of plan.shards) expect(firsts).toContain(shard.first);
  expect(plan.shards.reduce((n, s) => n + s.entries, 0)).toBe(all.length);
  expect(await shardPaths(restore, plan.shards)).toEqual(all.map((e) => e.path));

  // A selection within exactPages whose shard boundaries fall at no entry inside a page (one shard here) reads no page either, and is cut as before.
  vault = await openVault(store, provider);
  pageGets.length = 0;
  const one = budgetOf({ entriesPerShard: 100_000, bytesPerShard: 10 ** 15, basePieceBytes: 10 ** 10 });
  const again = await planRestore(s3Restore('r-one'), { map: 'distributed', maxConcurrency: 4 }, { ...planDeps, limits: { entriesPerShard: one.entriesPerShard, bytesPerShard: one.bytesPerShard, pieceBytes: one.basePieceBytes } });
  expect(pageGets).toEqual([]);
  const onePlan = storedPlan(again.planKey);
  expect({ entries: onePlan.entries, bytes: onePlan.bytes, shards: onePlan.shards }).toEqual(entryByEntryPlan(all, one));
});

it('cuts small shards at the same entries as before, reading only the pages a boundary falls in', async () => {
  for (const limits of [{}, { entriesPerShard: 7 }, { entriesPerShard: 3000 }, { entriesPerShard: 1500, bytesPerShard: 10 ** 12 }, { maxShards: 3 }, { basePieceBytes: 30_000_000 }, { basePieceBytes: 10 ** 10 }]) {
    const budget = budgetOf(limits);
    expect(await newPlan(s3Restore('r-small'), budget)).toEqual(entryByEntryPlan(all, budget));
  }
  // Pieces: only the pages whose byte total passes the piece budget are read to find the entries over it.
  const budget = budgetOf({ basePieceBytes: 1_000_000_000, entriesPerShard: 100_000, bytesPerShard: 10 ** 15 });
  vault = await openVault(store, provider);
  pageGets.length = 0;
  const plan = await newPlan(s3Restore('r-pieces'), budget);
  expect(plan).toEqual(entryByEntryPlan(all, budget));
  expect(plan.shards.filter((s) => s.piece).length).toBeGreaterThan(0);
  const reader = await vault.manifest(snapshot);
  const heavy: string[] = [];
  for await (const ref of reader.pageRefs()) if (ref.bytes > budget.basePieceBytes) heavy.push(manifestKey(ref.id));
  expect(heavy).toHaveLength(1);
  expect(new Set(pageGets)).toEqual(new Set(heavy));
});

it('past exactPages, reads and cuts at entries only the pages that weigh more than two shards\' share', async () => {
  const reader = await vault.manifest(snapshot);
  const refs = [];
  for await (const ref of reader.pageRefs()) refs.push(ref);
  // Shards of about 3,000 entries: only the second page, with its two 1.5 GB entries, weighs more than two of them.
  const budget = budgetOf({ exactPages: 2, entriesPerShard: 3000, bytesPerShard: 10 ** 15, basePieceBytes: 10 ** 10 });
  const plan = await newPlan(s3Restore('r-heavy'), budget);
  expect(pageGets).toEqual([manifestKey((refs[1] as (typeof refs)[number]).id)]);
  expect(plan.shards.reduce((n, s) => n + s.entries, 0)).toBe(all.length);
  expect(await shardPaths(s3Restore('r-heavy'), plan.shards)).toEqual(all.map((e) => e.path));
  // Shards of 100 entries: every page is heavy, so every page is read and the cut is the entry-by-entry one.
  vault = await openVault(store, provider);
  pageGets.length = 0;
  const small = budgetOf({ exactPages: 2 });
  expect(await newPlan(s3Restore('r-heavy'), small)).toEqual(entryByEntryPlan(all, small));
  expect(new Set(pageGets)).toEqual(pageKeys);
});

it('reads only the pages of an S3 prefix’s key range, and still finds escaped keys under it', async () => {
  const reader = await vault.manifest(snapshot);
  const refs = [];
  for await (const ref of reader.pageRefs()) refs.push(ref);
  const middle = refs[2];
  if (!middle) throw new Error('the snapshot was meant to have 5 pages');
  // A prefix whose keys lie in the middle page only.
  const prefix = 'data/0050';
  const expected = all.filter((e) => entrySelector(s3Restore('x', prefix))(e));
  expect(expected.length).toBe(100);
  const first = refs[0] as (typeof refs)[number];
  const paths: string[] = [];
  for await (const e of selectedEntries(vault, snapshot, s3Restore('r-prefix', prefix))) paths.push(e.path);
  expect(paths).toEqual(expected.map((e) => e.path));
  // The prefix's page, and the first page, which holds the key stored under the escaped segment: its key is tested too.
  expect(pageGets).toEqual([manifestKey(first.id), manifestKey(middle.id)]);

  vault = await openVault(store, provider);
  pageGets.length = 0;
  const planned = await planRestore(s3Restore('r-prefix', prefix), { map: 'distributed', maxConcurrency: 4 }, planDeps);
  expect(planned.entries).toBe(100);
  // Those pages (neither is wholly selected: read by the totals, and by the cut from the vault's cache) and no other.
  expect(new Set(pageGets)).toEqual(new Set([manifestKey(first.id), manifestKey(middle.id)]));
  expect(storedPlan(planned.planKey).shards).toEqual(entryByEntryPlan(expected, budgetOf({})).shards);

  // 'logs/' matches only the key stored under the escaped segment: its page is read, and the key is found.
  vault = await openVault(store, provider);
  pageGets.length = 0;
  const logs: string[] = [];
  for await (const e of selectedEntries(vault, snapshot, s3Restore('r-escaped', 'logs/'))) logs.push(String(e.meta['key']));
  expect(logs).toEqual([ESCAPED_KEY]);
  expect(pageGets).toEqual([manifestKey(first.id)]);
});

it('reads every page for an S3 target with a prefix, whose restored keys are checked before anything is written', async () => {
  const budget = budgetOf({ entriesPerShard: 3000 });
  const plan = await newPlan(s3Restore('r-keys', '', 'restored/'), budget);
  expect(new Set(pageGets)).toEqual(pageKeys);
  expect(plan).toEqual(entryByEntryPlan(all, budget));
});

it('verifies an S3 restore from the shards\' records without reading a manifest page', async () => {
  const restore = s3Restore('r-verify');
  const planned = await planRestore(restore, { map: 'distributed', maxConcurrency: 4 }, { ...planDeps, limits: { exactPages: 2, pieceBytes: 10 ** 10, entriesPerShard: 5000, bytesPerShard: 10 ** 15 } });
  const plan = storedPlan(planned.planKey);
  for (const shard of plan.shards) {
    await putShardCheck(planDeps, { restoreId: restore.restoreId, shardIndex: shard.index, checked: shard.entries, mismatches: [], mismatchCount: 0, notRestored: [], notRestoredCount: 0 });
  }
  vault = await openVault(store, provider);
  pageGets.length = 0;
  const report = await verifyRestore({ planKey: planned.planKey }, { ...planDeps, targetS3: new S3Client({ region: 'us-east-1' }) });
  expect(report.verified).toEqual({ entries: all.length, mismatches: 0 });
  // S3 selections hold no directories to finish, so the walk over the selection is not made.
  expect(pageGets).toEqual([]);
});
