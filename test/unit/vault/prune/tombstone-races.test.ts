import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { loadCondemnedBatches, writeCondemnedBatch } from '../../../../vault/prune/prune-state';
import { DEFAULT_PRUNE_GRACE_MS, pruneVault, type PruneReport } from '../../../../vault/prune/prune-vault';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { CONDEMNED_PREFIX, condemnedKey, DATA_PREFIX, PRUNE_POLICY_KEY, snapshotKey } from '../../../../vault/repository/vault-layout';
import { readEntry } from '../../../../vault/restorer/restore';
import { ObjectLockedError, VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { listedKeys, pseudoRandomBytes, requiredMethodsStore } from '../../../support/vault-test-helpers';

/**
 * Two defects a review of the tombstones found (docs/FORMAT.md §11), each as it was reproduced: a warm
 * Vault instance (a Lambda container keeps one) whose index outlived a tombstone, and a batch object that
 * Object Lock keeps, swept again by every run. In-memory vaults, clocks under the test's control.
 */
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;
const HOUR = 3_600_000;
type Source = Map<string, Buffer>;
const data = (seed: number, n = 48 * 1024): Buffer => pseudoRandomBytes(n, seed);

async function newVault(): Promise<{ memory: MemoryVaultStore; clock: { t: number }; reopen: (s?: VaultStore) => Vault }> {
  const memory = new MemoryVaultStore();
  const made = await initVault(memory, new PassphraseKeyProvider('review test', { N: 1024, r: 8, p: 1 }), TUNING);
  const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
  const reopen = (s: VaultStore = memory): Vault => {
    const v = new Vault(s, made.keys, made.config);
    v.now = () => clock.t;
    return v;
  };
  return { memory, clock, reopen };
}

async function openWriter(vault: Vault, source: Source): Promise<(startedAt: Date) => Promise<string>> {
  const writer = await vault.newSnapshotWriter({ inline: true, packsPerIndex: 1000, indexIntervalMs: 3_600_000 });
  for (const [path, content] of source) await writer.add({ path, kind: 'object', meta: {}, content });
  return async (startedAt) => {
    const part = await writer.finish();
    return (await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [part], startedAt })).id;
  };
}

async function backup(vault: Vault, source: Source, startedAt: Date): Promise<string> {
  return (await openWriter(vault, source))(startedAt);
}

async function prune(vault: () => Vault, clock: { t: number }, graceMs: number): Promise<PruneReport> {
  const run = async (): Promise<PruneReport> => {
    const r = await pruneVault(vault(), { graceMs, now: () => clock.t });
    if (!r.done) throw new Error('prune not done');
    return r.report;
  };
  const first = await run();
  if (graceMs !== 0) return first;
  clock.t += 1000;
  const second = await run();
  return { ...second, packsCondemned: first.packsCondemned, packsMissing: first.packsMissing + second.packsMissing };
}

async function waitForPacks(store: VaultStore, n: number): Promise<void> {
  for (let i = 0; i < 200 && (await listedKeys(store, DATA_PREFIX)).length < n; i++) await new Promise((r) => setTimeout(r, 5));
}

async function restores(vault: Vault, id: string, source: Source): Promise<string | null> {
  try {
    const snapshot = await vault.loadSnapshot(id);
    for (const [path, content] of source) {
      const parts: Buffer[] = [];
      for await (const b of readEntry(vault, snapshot, path)) parts.push(b);
      if (!Buffer.concat(parts).equals(content)) return 'content differs for ' + path;
    }
    return null;
  } catch (err) {
    return String(err instanceof Error ? err.message : err);
  }
}

async function problems(vault: Vault): Promise<unknown[]> {
  return (await verifyVault(vault, { readData: true })).problems;
}

function policyBlindStore(memory: MemoryVaultStore): VaultStore {
  return requiredMethodsStore(memory, {
    get: async (k, r) => {
      if (k === PRUNE_POLICY_KEY) throw new VaultObjectNotFoundError(memory.location, k);
      return memory.get(k, r);
    },
  });
}

/** The audit's state (audit R2, F1): a refused backup left an index object listing packs a grace-0 prune deleted, and a tombstone naming them. */
async function refusedBackupListingDeletedPacks(): Promise<{ memory: MemoryVaultStore; clock: { t: number }; reopen: (s?: VaultStore) => Vault; source: Source }> {
  const { memory, clock, reopen } = await newVault();
  const source = new Map([['f1', data(1)], ['f2', data(2)]]);
  const startedAt = new Date(clock.t);
  const commit = await openWriter(reopen(policyBlindStore(memory)), source);
  await waitForPacks(memory, 3);
  clock.t += 1000;
  const report = await prune(reopen, clock, 0);
  if (report.packsDeleted === 0) throw new Error('setup: nothing deleted');
  clock.t += 1000;
  await commit(startedAt).then(() => { throw new Error('setup: committed'); }, () => undefined);
  return { memory, clock, reopen, source };
}

/**
 * A Vault instance that stays warm (the Lambda runtime caches one per container, lambda-runtime.ts
 * openVault) keeps an index loaded while a stale index object listed deleted packs. The tombstone that
 * kept those packs out is removed once no index object lists them; the warm index still does. Until
 * 2026-12-05 (an index was kept for 24 h) the next backup in that container deduplicated against the
 * deleted packs, committed, and its snapshot did not restore; now the writer loads the index again.
 */
it('a warm Vault loads its index again once a tombstone there was at its load is gone, so it never commits a snapshot referencing packs a prune deleted', async () => {
  const { clock, reopen, source } = await refusedBackupListingDeletedPacks();
  const t0 = clock.t;
  clock.t = t0 + 2 * HOUR;
  // The healing prune finds the refused backup's index object listing absent packs and condemns it.
  expect((await prune(reopen, clock, DEFAULT_PRUNE_GRACE_MS)).packsMissing).toBeGreaterThan(0);

  // The warm container: one Vault instance, used by an unrelated backup at T0+4h (its index then still holds the stale index object).
  clock.t = t0 + 4 * HOUR;
  const warm = reopen();
  await backup(warm, new Map([['other', data(99)]]), new Date(clock.t));

  const healBatch = (await loadCondemnedBatches(reopen().store, reopen().keys)).find((b) => b.sweptAt === undefined && b.indexes.length > 0);
  if (!healBatch) throw new Error('setup: the healing prune condemned no index object');
  // T0+27h: the stale index object is swept, and with it gone the tombstone may go.
  clock.t = Date.parse(healBatch.condemnedAt) + DEFAULT_PRUNE_GRACE_MS;
  expect(await prune(reopen, clock, DEFAULT_PRUNE_GRACE_MS)).toMatchObject({ indexesDeleted: 1, tombstonesRemoved: 1 });

  // T0+27.5h: the warm container's index (23.5 h old) was loaded while the tombstone was there.
  clock.t = t0 + 27.5 * HOUR;
  const id = await backup(warm, source, new Date(clock.t));
  const restoreProblem = await restores(reopen(), id, source);
  const verify = await problems(reopen());
  expect(restoreProblem).toBeNull();
  expect(verify).toEqual([]);
});

/**
 * A batch object Object Lock keeps (a bucket default retention covers prune/condemned/ too) is swept
 * again by every run. Its packs are gone, but deleting an absent key succeeds, so every run counts them
 * as deleted again (packsDeleted, bytesFreed) and, since deleted.length > 0, writes one more tombstone
 * (itself locked): the skip for "one tombstone of it is enough" never applies.
 */
it('a batch object Object Lock keeps is swept again by every run without counting its packs again or writing more tombstones', async () => {
  const { memory, clock, reopen } = await newVault();
  const old = await backup(reopen(), new Map([['f', data(5)]]), new Date(clock.t));
  await memory.delete(snapshotKey(old));
  const locked = requiredMethodsStore(memory, {
    delete: async (key) => {
      if (key.startsWith(CONDEMNED_PREFIX)) throw new ObjectLockedError(memory.location, key, 'retention until next year');
      return memory.delete(key);
    },
  });
  const rows: string[] = [];
  for (let run = 1; run <= 4; run++) {
    clock.t += HOUR;
    const r = await prune(() => reopen(locked), clock, 0);
    const batches = await loadCondemnedBatches(memory, reopen().keys);
    rows.push(`run ${run}: packsDeleted=${r.packsDeleted} bytesFreed=${r.bytesFreed} tombstones=${batches.filter((b) => b.sweptAt).length} pending=${batches.filter((b) => !b.sweptAt).length}`);
  }
  const tombstones = (await loadCondemnedBatches(memory, reopen().keys)).filter((b) => b.sweptAt);
  expect(tombstones.length).toBe(1);
});

/**
 * A sweep replaces a batch by its tombstone (and what Object Lock kept) before it deletes the batch. A
 * writer whose listing named the batch, whose read then found it gone, lists again: it must not go on
 * without the tombstone, or it would trust records of the packs the sweep deleted.
 */
it('lists the batches again when one vanished between the listing and its read, and finds what replaced it', async () => {
  const { memory, reopen } = await newVault();
  const keys = reopen().keys;
  const pack = { id: 'ab'.repeat(32), bytes: 10 };
  const batchId = await writeCondemnedBatch(memory, keys, { v: 1, condemnedAt: '2026-01-01T00:00:00.000Z', graceMs: 0, packs: [pack], indexes: [], manifests: [] });
  let swept = false;
  const racing = requiredMethodsStore(memory, {
    get: async (key, range) => {
      // The sweep runs right after the first listing: tombstone written, then the batch deleted.
      if (!swept && key === condemnedKey(batchId)) {
        swept = true;
        await writeCondemnedBatch(memory, keys, { v: 1, condemnedAt: '2026-01-01T00:00:00.000Z', graceMs: 0, packs: [pack], indexes: [], manifests: [], sweptAt: '2026-01-01T00:00:01.000Z', keepMs: HOUR, from: batchId });
        await memory.delete(condemnedKey(batchId));
      }
      return memory.get(key, range);
    },
  });
  const batches = await loadCondemnedBatches(racing, keys);
  expect(swept).toBe(true);
  expect(batches).toEqual([expect.objectContaining({ from: batchId, sweptAt: '2026-01-01T00:00:01.000Z', packs: [pack] })]);
});
