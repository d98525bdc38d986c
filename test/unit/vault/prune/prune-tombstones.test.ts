import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { BackupOutlivedGraceError, BackupPackPrunedError } from '../../../../vault/prune/prune-errors';
import { loadCondemnedBatches, TOMBSTONE_MIN_KEEP_MS, writeCondemnedBatch } from '../../../../vault/prune/prune-state';
import { DEFAULT_PRUNE_GRACE_MS, pruneVault, type PruneReport } from '../../../../vault/prune/prune-vault';
import { repairIndex } from '../../../../vault/repair/repair-index';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { CONDEMNED_PREFIX, condemnedKey, DATA_PREFIX, INDEX_PREFIX, PRUNE_POLICY_KEY, snapshotKey } from '../../../../vault/repository/vault-layout';
import { readEntry } from '../../../../vault/restorer/restore';
import { ObjectLockedError, VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { listedKeys, pseudoRandomBytes, requiredMethodsStore } from '../../../support/vault-test-helpers';

/**
 * docs/FORMAT.md §11: a backup refused after a concurrent prune leaves nothing a later backup trusts
 * (tombstones, the healing of index objects that list absent packs), and the commit check sees a
 * sweep even after another prune ran (audit R2 F1, F2).
 */

const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;
const HOUR = 3_600_000;
type Source = Map<string, Buffer>;
const data = (seed: number, n = 48 * 1024): Buffer => pseudoRandomBytes(n, seed);

async function newVault(): Promise<{ memory: MemoryVaultStore; clock: { t: number }; reopen: (s?: VaultStore) => Vault }> {
  const memory = new MemoryVaultStore();
  const made = await initVault(memory, new PassphraseKeyProvider('tombstone test', { N: 1024, r: 8, p: 1 }), TUNING);
  const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
  const reopen = (s: VaultStore = memory): Vault => {
    const v = new Vault(s, made.keys, made.config);
    v.now = () => clock.t;
    return v;
  };
  return { memory, clock, reopen };
}

/** A writer that keeps its packs unindexed until it finishes (as a backup does between its index saves). */
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

/** `prune --grace G` as the CLI runs it: with a grace of 0, a second pass sweeps at once what the first condemned. */
async function prune(vault: () => Vault, clock: { t: number }, graceMs: number): Promise<PruneReport> {
  const run = async (): Promise<PruneReport> => {
    const r = await pruneVault(vault(), { graceMs, now: () => clock.t });
    expect(r.done).toBe(true);
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
  expect((await listedKeys(store, DATA_PREFIX)).length).toBeGreaterThanOrEqual(n);
}

async function expectRestores(vault: Vault, id: string, source: Source): Promise<void> {
  const snapshot = await vault.loadSnapshot(id);
  for (const [path, content] of source) {
    const parts: Buffer[] = [];
    for await (const b of readEntry(vault, snapshot, path)) parts.push(b);
    expect(Buffer.concat(parts).equals(content)).toBe(true);
  }
}

async function expectVerifies(vault: Vault): Promise<void> {
  expect((await verifyVault(vault, { readData: true })).problems).toEqual([]);
}

/**
 * The store as a writer from before this fix saw it: `prune/policy` looks unwritten, so its pack sink
 * never checks its packs before listing them (or the prune's delete fell between that check and the
 * index write): it writes an index object listing the packs the prune deleted.
 */
function policyBlindStore(memory: MemoryVaultStore): VaultStore {
  return requiredMethodsStore(memory, {
    get: async (k, r) => {
      if (k === PRUNE_POLICY_KEY) throw new VaultObjectNotFoundError(memory.location, k);
      return memory.get(k, r);
    },
  });
}

/** The audit's F1: a backup runs, `prune --grace 0` deletes its unindexed packs, the backup then lists them in an index object and is refused. */
async function refusedBackupListingDeletedPacks(): Promise<{ memory: MemoryVaultStore; clock: { t: number }; reopen: (s?: VaultStore) => Vault; source: Source }> {
  const { memory, clock, reopen } = await newVault();
  const source = new Map([['f1', data(1)], ['f2', data(2)]]);
  const startedAt = new Date(clock.t);
  const commit = await openWriter(reopen(policyBlindStore(memory)), source);
  await waitForPacks(memory, 3);
  clock.t += 1000;
  const report = await prune(reopen, clock, 0);
  expect(report.packsDeleted).toBeGreaterThan(0);
  clock.t += 1000;
  await expect(commit(startedAt)).rejects.toThrow(/condemned unreferenced objects at .*, during it, and has deleted them since/);
  expect((await listedKeys(memory, INDEX_PREFIX)).length).toBeGreaterThan(0);
  expect(await listedKeys(memory, 'snapshots/')).toEqual([]);
  return { memory, clock, reopen, source };
}

describe('prune tombstones (docs/FORMAT.md §11)', () => {
  it('a writer whose unindexed packs a grace-0 prune deleted stops before listing them; the re-run commits a snapshot that verifies and restores', async () => {
    const { memory, clock, reopen } = await newVault();
    const source = new Map([['f1', data(11)], ['f2', data(12)]]);
    const startedAt = new Date(clock.t);
    const commit = await openWriter(reopen(), source);
    await waitForPacks(memory, 3);
    clock.t += 1000;
    expect((await prune(reopen, clock, 0)).packsDeleted).toBeGreaterThan(0);
    await expect(commit(startedAt)).rejects.toThrow(BackupPackPrunedError);
    await expectVerifies(reopen());
    clock.t += 10_000;
    const again = await backup(reopen(), source, new Date(clock.t));
    await expectVerifies(reopen());
    await expectRestores(reopen(), again, source);
  });

  it('a backup that listed packs a prune deleted is refused, and the re-run stores those blobs again instead of trusting the stale records', async () => {
    const { memory, clock, reopen, source } = await refusedBackupListingDeletedPacks();
    const stale = await listedKeys(memory, INDEX_PREFIX);
    clock.t += 10_000;
    const again = await backup(reopen(), source, new Date(clock.t));
    // Every blob of the new snapshot is in a pack the vault holds, listed by an index object the re-run wrote.
    expect((await reopen().loadSnapshot(again)).stats.bytesNew).toBeGreaterThan(40 * 1024);
    // The stale index object goes by the prune's healing (replaced, then swept after the grace); then all verifies and restores.
    await prune(reopen, clock, HOUR);
    clock.t += HOUR + 1;
    await prune(reopen, clock, HOUR);
    for (const k of stale) await expect(memory.has(k)).resolves.toBe(false);
    await expectVerifies(reopen());
    await expectRestores(reopen(), again, source);
  });

  it('prune #1 (grace 0) deletes what a running backup deduplicated against, prune #2 (default grace) follows: the backup still refuses to commit', async () => {
    const { memory, clock, reopen } = await newVault();
    const source = new Map([['f', data(21)]]);
    const old = await backup(reopen(), source, new Date(clock.t));
    clock.t += HOUR;
    // The running backup loads its index while the old snapshot's pack is live, and reuses its blobs.
    const startedAt = new Date(clock.t);
    const commit = await openWriter(reopen(), source);
    await memory.delete(snapshotKey(old));
    clock.t += 60_000;
    expect((await prune(reopen, clock, 0)).packsDeleted).toBeGreaterThan(0);
    clock.t += 60_000;
    await prune(reopen, clock, DEFAULT_PRUNE_GRACE_MS);
    clock.t += 60_000;
    await expect(commit(startedAt)).rejects.toThrow(BackupOutlivedGraceError);
    await expect(verifyVault(reopen(), { readData: true })).resolves.toMatchObject({ problems: [] });
  });

  it('a tombstone goes only after its keep has passed, and only once no index object lists its packs', async () => {
    const { memory, clock, reopen, source } = await refusedBackupListingDeletedPacks();
    const tombstones = async (): Promise<string[]> => (await loadCondemnedBatches(memory, reopen().keys)).filter((b) => b.sweptAt !== undefined).map((b) => b.id);
    const [tombstone] = await tombstones();
    expect(tombstone).toBeDefined();
    const staleIndexes = await listedKeys(memory, INDEX_PREFIX);
    clock.t += 2 * HOUR;
    // A default-grace prune replaces the index object that lists the deleted packs (condemns it) and keeps the tombstone.
    const healing = await prune(reopen, clock, DEFAULT_PRUNE_GRACE_MS);
    expect(healing.packsMissing).toBeGreaterThan(0);
    expect(await tombstones()).toContain(tombstone);
    // Past the tombstone's keep, but the stale index object still exists (its batch is not due yet): the tombstone stays.
    const batch = (await loadCondemnedBatches(memory, reopen().keys)).find((b) => b.sweptAt === undefined && b.indexes.length > 0);
    expect(batch?.indexes).toEqual(staleIndexes.map((k) => k.slice(INDEX_PREFIX.length)));
    clock.t = Date.parse(batch?.condemnedAt ?? '') + DEFAULT_PRUNE_GRACE_MS - 1;
    expect(clock.t).toBeGreaterThan(Date.parse('2026-01-01T00:00:00Z') + TOMBSTONE_MIN_KEEP_MS + 60_000);
    expect((await prune(reopen, clock, DEFAULT_PRUNE_GRACE_MS)).tombstonesRemoved).toBe(0);
    expect(await tombstones()).toContain(tombstone);
    for (const k of staleIndexes) await expect(memory.has(k)).resolves.toBe(true);
    // The stale index object's batch is swept: then the tombstone goes in the same run.
    clock.t += 2;
    const sweep = await prune(reopen, clock, DEFAULT_PRUNE_GRACE_MS);
    for (const k of staleIndexes) await expect(memory.has(k)).resolves.toBe(false);
    expect(sweep.tombstonesRemoved).toBeGreaterThan(0);
    expect(await memory.has(condemnedKey(tombstone as string))).toBe(false);
    // Nothing stale is left: a backup of the same content stores it again and restores.
    const again = await backup(reopen(), source, new Date(clock.t));
    await expectVerifies(reopen());
    await expectRestores(reopen(), again, source);
  });

  it('a tombstone within its keep stays, even when no index object lists its packs', async () => {
    const { memory, clock, reopen } = await newVault();
    const old = await backup(reopen(), new Map([['f', data(31)]]), new Date(clock.t));
    await memory.delete(snapshotKey(old));
    await prune(reopen, clock, 0);
    const swept = (await loadCondemnedBatches(memory, reopen().keys)).filter((b) => b.sweptAt !== undefined);
    expect(swept.length).toBe(1);
    const expires = Date.parse(swept[0]?.sweptAt ?? '') + TOMBSTONE_MIN_KEEP_MS + 60_000;
    clock.t = expires - 1;
    expect((await prune(reopen, clock, HOUR)).tombstonesRemoved).toBe(0);
    clock.t = expires;
    expect((await prune(reopen, clock, HOUR)).tombstonesRemoved).toBe(1);
    expect(await loadCondemnedBatches(memory, reopen().keys)).toEqual([]);
  });

  it('prune heals an index object an older Lifeboat left listing a pack the vault does not hold, and reports it', async () => {
    const { memory, clock, reopen, source } = await refusedBackupListingDeletedPacks();
    // An older Lifeboat deleted the batch after its sweep: no tombstone keeps the stale records out.
    for (const b of await loadCondemnedBatches(memory, reopen().keys)) await memory.delete(condemnedKey(b.id));
    const healing = await prune(reopen, clock, DEFAULT_PRUNE_GRACE_MS);
    expect(healing.packsMissing).toBeGreaterThan(0);
    // Its batch names the absent packs: from now on no backup deduplicates against their records.
    const heal = (await loadCondemnedBatches(memory, reopen().keys)).find((b) => b.graceMs === 0);
    expect(heal?.packs.length).toBe(healing.packsMissing);
    clock.t += 2 * 60_000;
    const again = await backup(reopen(), source, new Date(clock.t));
    expect((await reopen().loadSnapshot(again)).stats.bytesNew).toBeGreaterThan(40 * 1024);
    clock.t += DEFAULT_PRUNE_GRACE_MS;
    await prune(reopen, clock, DEFAULT_PRUNE_GRACE_MS);
    await expectVerifies(reopen());
    await expectRestores(reopen(), again, source);
  });

  it('a backup that starts right after a finished `prune --grace 0` commits (audit F2)', async () => {
    const { memory, clock, reopen } = await newVault();
    const old = await backup(reopen(), new Map([['f', data(41)]]), new Date(clock.t));
    await memory.delete(snapshotKey(old));
    clock.t += HOUR;
    expect((await prune(reopen, clock, 0)).packsDeleted).toBeGreaterThan(0);
    // 10 s later, well within the clocks' margin of the prune's policy and tombstone.
    clock.t += 10_000;
    const source = new Map([['g', data(42)]]);
    const id = await backup(reopen(), source, new Date(clock.t));
    await expectRestores(reopen(), id, source);
    await expectVerifies(reopen());
  });

  it('a pack a copy-back stored again under a snapshot is taken out of its tombstone: backups reuse it and the tombstone expires (review rP3 F3)', async () => {
    const { memory, clock, reopen } = await newVault();
    const source = new Map([['f', data(51)]]);
    const old = await backup(reopen(), source, new Date(clock.t));
    // What a replica holds of the snapshot, which replication or a scrub copies back (same keys, same bytes).
    const replica = new Map<string, Buffer>();
    for (const prefix of [DATA_PREFIX, INDEX_PREFIX, 'manifest/', 'snapshots/']) for (const k of await listedKeys(memory, prefix)) replica.set(k, await memory.get(k));
    const packs = (await listedKeys(memory, DATA_PREFIX)).map((k) => k.slice(k.lastIndexOf('/') + 1));
    await memory.delete(snapshotKey(old));
    clock.t += HOUR;
    expect((await prune(reopen, clock, 0)).packsDeleted).toBe(packs.length);
    for (const [k, b] of replica) await memory.put(k, b);
    clock.t += HOUR;
    await prune(reopen, clock, 0);
    const batches = await loadCondemnedBatches(memory, reopen().keys);
    expect(batches.flatMap((b) => b.packs.map((p) => p.id)).filter((id) => packs.includes(id))).toEqual([]);
    // Before, the tombstone kept naming them: the next backup of the same content stored it all again.
    clock.t += 60_000;
    const again = await backup(reopen(), source, new Date(clock.t));
    expect((await reopen().loadSnapshot(again)).stats.bytesNew).toBe(0);
    await expectVerifies(reopen());
    await expectRestores(reopen(), old, source);
    // The tombstone goes after its keep (before, it stayed while an index object listed its packs: for good).
    clock.t += TOMBSTONE_MIN_KEEP_MS + 2 * 60_000;
    expect((await prune(reopen, clock, HOUR)).tombstonesRemoved).toBe(1);
    expect(await loadCondemnedBatches(memory, reopen().keys)).toEqual([]);
  });

  it('an unreferenced pack copied back after its sweep is deleted by the next sweep, not condemned again by every run until its tombstone expires (review rP3 F3)', async () => {
    const { memory, clock, reopen } = await newVault();
    const old = await backup(reopen(), new Map([['f', data(61)]]), new Date(clock.t));
    const replica = new Map<string, Buffer>();
    for (const k of await listedKeys(memory, DATA_PREFIX)) replica.set(k, await memory.get(k));
    await memory.delete(snapshotKey(old));
    clock.t += HOUR;
    await prune(reopen, clock, 0);
    for (const [k, b] of replica) await memory.put(k, b);
    clock.t += HOUR;
    const collected = await prune(reopen, clock, 0);
    expect(collected.packsDeleted).toBe(replica.size);
    expect(await listedKeys(memory, DATA_PREFIX)).toEqual([]);
    clock.t += HOUR;
    expect((await prune(reopen, clock, 0)).packsCondemned).toBe(0);
    await expectVerifies(reopen());
  });

  it('a pack `vault repair index` left out for a damaged blob, which an index object Object Lock kept still lists, stays in its tombstone after a prune: the next backup stores the file anew and it restores (review rC F1)', async () => {
    const { memory, clock, reopen } = await newVault();
    const locked = requiredMethodsStore(memory, {
      delete: async (key) => {
        if (key.startsWith(INDEX_PREFIX) || key.startsWith(DATA_PREFIX)) throw new ObjectLockedError(memory.location, key, 'retention until next year');
        return memory.delete(key);
      },
    });
    const source = new Map([['f', data(71)]]);
    await backup(reopen(locked), source, new Date(clock.t));
    const [packKey] = await listedKeys(memory, DATA_PREFIX);
    if (packKey === undefined) throw new Error('the backup stored no pack');
    const damaged = Buffer.from(await memory.get(packKey));
    damaged.writeUInt8(damaged.readUInt8(40) ^ 0xff, 40); // inside the first blob's ciphertext
    await memory.put(packKey, damaged);
    const pack = packKey.slice(packKey.lastIndexOf('/') + 1);
    const repair = await repairIndex(reopen(locked), { readData: true, now: () => clock.t });
    expect(repair.blobsLeftOut.map((b) => b.pack)).toContain(pack);
    expect(repair.tombstone).not.toBeNull();
    // The second run sweeps what the first condemned (a sweep may carry the kept object's listing of the pack: F2).
    for (let run = 0; run < 2; run++) {
      clock.t += 2 * HOUR;
      await prune(() => reopen(locked), clock, HOUR);
    }
    const tombstoned = (await loadCondemnedBatches(memory, reopen().keys)).filter((b) => b.sweptAt).flatMap((b) => b.packs.map((p) => p.id));
    // Before, the prune took it out (stored, listed, not pending): the backup below stored 0 bytes and did not restore.
    expect(tombstoned).toContain(pack);
    clock.t += 60_000;
    const again = await backup(reopen(locked), source, new Date(clock.t));
    expect((await reopen().loadSnapshot(again)).stats.bytesNew).toBeGreaterThan(0);
    await expectRestores(reopen(), again, source);
    // Once the retention passes, the kept object and then the damaged pack go (a sweep carrying its listing meanwhile
    // leaves it tombstoned: F2), and backups dedup against the intact copy.
    for (let run = 0; run < 2; run++) {
      clock.t += 6 * HOUR;
      await prune(reopen, clock, HOUR);
    }
    expect(await listedKeys(memory, DATA_PREFIX)).not.toContain(packKey);
    await expectRestores(reopen(), again, source);
    clock.t += 60_000;
    const deduplicated = await backup(reopen(), source, new Date(clock.t));
    expect((await reopen().loadSnapshot(deduplicated)).stats.bytesNew).toBe(0);
    await expectRestores(reopen(), deduplicated, source);
  });

  it('an index object a copy-back landed before its packs, condemned for listing them absent, is swept once they land without dropping their only listing: every snapshot restores and later prunes run (review rC F2)', async () => {
    const { memory, clock, reopen } = await newVault();
    const kept = new Map([['f', data(81, 30_000)]]);
    const keptId = await backup(reopen(), kept, new Date(clock.t));
    const source = new Map([['f', data(82)]]);
    const old = await backup(reopen(), source, new Date(clock.t));
    const replica = new Map<string, Buffer>();
    for (const prefix of [DATA_PREFIX, INDEX_PREFIX, 'manifest/', 'snapshots/']) for (const k of await listedKeys(memory, prefix)) replica.set(k, await memory.get(k));
    await memory.delete(snapshotKey(old));
    clock.t += HOUR;
    expect((await prune(reopen, clock, 0)).packsDeleted).toBeGreaterThan(0);
    // A scrub copies back in no fixed order and its deadline can cut it: all but the packs land first.
    const packsLater: string[] = [];
    for (const [k, b] of replica) {
      if (await memory.has(k)) continue;
      if (k.startsWith(DATA_PREFIX)) packsLater.push(k);
      else await memory.put(k, b);
    }
    expect(packsLater.length).toBeGreaterThan(0);
    clock.t += HOUR;
    expect((await prune(reopen, clock, HOUR)).indexesCondemned).toBeGreaterThan(0);
    for (const k of packsLater) await memory.put(k, replica.get(k) as Buffer);
    await expectRestores(reopen(), old, source);
    for (let run = 0; run < 3; run++) {
      clock.t += 2 * HOUR;
      // Before, the first sweep dropped the packs' only listing, and this threw IncompleteIndexError from the next run on.
      await prune(reopen, clock, HOUR);
      await expectRestores(reopen(), old, source);
      await expectRestores(reopen(), keptId, kept);
    }
    await expectVerifies(reopen());
  });
});

/** Races a review of the tombstones found, each as it was reproduced. */
describe('prune tombstones under races', () => {
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
    await expectRestores(reopen(), id, source);
    await expectVerifies(reopen());
  });

  /**
   * Audit d3-1: the warm index was kept unless a tombstone there was at its load had gone. A batch
   * condemned after the load, swept, and whose tombstone was removed (about 50 h at the default grace)
   * left no trace but a newer prune policy: the next backup in that container deduplicated against the
   * deleted packs, committed, and its snapshot did not restore (blob "in no index"). Now any prune since
   * the load makes the writer load the index again.
   */
  it('a warm Vault loads its index again after a batch condemned since its load was swept and its tombstone removed', async () => {
    const { memory, clock, reopen } = await newVault();
    const t0 = clock.t;
    const x = data(7);
    const forgotten = await backup(reopen(), new Map([['x', x]]), new Date(clock.t));
    // The warm container's index, loaded with no batch and no tombstone in the vault, lists x's packs.
    const warm = reopen();
    await backup(warm, new Map([['other', data(99, 20 * 1024)]]), new Date(clock.t));
    await memory.delete(snapshotKey(forgotten));
    clock.t = t0 + HOUR;
    expect((await prune(reopen, clock, DEFAULT_PRUNE_GRACE_MS)).packsCondemned).toBeGreaterThan(0);
    clock.t = t0 + 27 * HOUR;
    expect((await prune(reopen, clock, DEFAULT_PRUNE_GRACE_MS)).packsDeleted).toBeGreaterThan(0);
    clock.t = t0 + 53 * HOUR;
    expect((await prune(reopen, clock, DEFAULT_PRUNE_GRACE_MS)).tombstonesRemoved).toBe(1);
    expect(await listedKeys(memory, CONDEMNED_PREFIX)).toEqual([]);

    clock.t = t0 + 54 * HOUR;
    const source = new Map([['x', x]]);
    const id = await backup(warm, source, new Date(clock.t));
    await expectRestores(reopen(), id, source);
    await expectVerifies(reopen());
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
    for (let run = 1; run <= 4; run++) {
      clock.t += HOUR;
      await prune(() => reopen(locked), clock, 0);
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
});
