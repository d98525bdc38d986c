import { repairDeadline } from '../../../../lambdas/repair/repair-deadline';
import { runRepairIndexRunbook } from '../../../../lambdas/repair/repair-index-runbook';
import { REPAIR_INDEX_LISTED, repairIndexSummary } from '../../../../lambdas/repair/repair-index-summary';
import { RepairIndexOutOfTimeError } from '../../../../lambdas/repair/repair-index-errors';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { objectContext, seal } from '../../../../vault/crypto/sealed-codec';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { repairIndex } from '../../../../vault/repair/repair-index';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { PruneLease } from '../../../../vault/prune/prune-lease';
import { writeCondemnedBatch } from '../../../../vault/prune/prune-state';
import { idFromKey, INDEX_PREFIX, pruneLeaseKey } from '../../../../vault/repository/vault-layout';
import { ObjectLockedError, VaultObjectArchivedError } from '../../../../vault/vault-errors';
import { listedKeys, pseudoRandomBytes } from '../../../support/vault-test-helpers';

/** 1–16 KiB chunks, 16 KiB packs: a few dozen KiB of data make several packs. */
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;

async function vaultWithBackup(store: VaultStore = new MemoryVaultStore()): Promise<Vault> {
  const vault = await initVault(store, new PassphraseKeyProvider('runbook test', { N: 1024, r: 8, p: 1 }), TUNING);
  const writer = await vault.newSnapshotWriter({ inline: true });
  await writer.add({ path: 'a', kind: 'object', meta: {}, content: pseudoRandomBytes(60_000, 7) });
  await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] });
  return vault;
}

const fixedClock = (ms: number) => () => new Date(ms);

describe('runRepairIndexRunbook', () => {
  it('rebuilds a lost index object of the named vault and returns the counts', async () => {
    const store = new MemoryVaultStore();
    const vault = await vaultWithBackup(store);
    const [lost] = await listedKeys(store, INDEX_PREFIX);
    if (!lost) throw new Error('the backup wrote no index object');
    await store.delete(lost);
    const summary = await runRepairIndexRunbook({ vault: 'dr', readData: true }, { openVault: async (side) => (side === 'dr' ? vault : Promise.reject(new Error('not this one'))), deadline: Date.now() + 60_000 });
    expect(summary).toMatchObject({ vault: 'dr', readData: true, packsLeftOutCount: 0, blobsLeftOutCount: 0, indexesWritten: 1, leftOut: false, notListed: 0, notes: [] });
    expect(summary.packsIndexed).toBeGreaterThan(1);
    expect((await verifyVault(new Vault(store, vault.keys, vault.config), { readData: true })).problems).toEqual([]);
  });

  it('past its deadline stops at the next request and fails saying how far it got and what to do', async () => {
    const store = new MemoryVaultStore();
    const vault = await vaultWithBackup(store);
    const before = await listedKeys(store, INDEX_PREFIX);
    let ms = 1_000;
    // The clock moves a second per read of a pack: the deadline passes after the third.
    const reading: VaultStore = Object.assign(Object.create(store) as VaultStore, {
      get: async (key: string, range?: { offset: number; length: number }) => {
        if (key.startsWith('data/')) ms += 1_000;
        return store.get(key, range);
      },
    });
    const run = runRepairIndexRunbook({ vault: 'primary', readData: false }, { openVault: async () => new Vault(reading, vault.keys, vault.config), deadline: 3_500, now: () => new Date(ms) });
    await expect(run).rejects.toMatchObject({
      name: 'RepairIndexOutOfTimeError',
      message: expect.stringMatching(/^The repair of the primary vault's index did not finish within one Lambda invocation \(15 minutes\): it had read \d+ of the \d+ pack\(s\)' headers, written 0 new index object\(s\) and removed 0 old one\(s\)\. The vault is no worse for it/),
    });
    // The scrub reads every object: at its default fraction a damaged index object waits for its slice (audit aV2-2);
    // of this vault alone: without --vault it reads both whole and refuses while the other cannot be opened (review rD F3).
    await expect(run).rejects.toThrow(/heal it from the other vault instead with `lifeboat scrub --vault primary --repair --fraction 1 --env <env> \[--aws\]`, which reads every object/);
    // Nothing was removed: the index is as it was.
    expect(await listedKeys(store, INDEX_PREFIX)).toEqual(before);
  });

  it('cut while weighing the packs a pending prune batch condemns, says so, names the batch, and the scrub for that vault', async () => {
    const store = new MemoryVaultStore();
    const vault = await vaultWithBackup(store);
    const packs = (await listedKeys(store, 'data/')).map((k) => k.slice(k.lastIndexOf('/') + 1));
    for (const k of await listedKeys(store, INDEX_PREFIX)) await store.delete(k);
    // A prune that condemned them while their index object was missing: the repair weighs them against the snapshots.
    const batch = await writeCondemnedBatch(store, vault.keys, { v: 1, condemnedAt: '2026-01-01T00:00:00.000Z', graceMs: 25 * 3_600_000, packs: packs.map((id) => ({ id, bytes: 0 })), indexes: [], manifests: [] });
    let ms = 1_000;
    // Only condemned packs to read; the clock moves a second per read of one: the deadline passes after the first.
    const reading: VaultStore = Object.assign(Object.create(store) as VaultStore, {
      get: async (key: string, range?: { offset: number; length: number }) => {
        if (key.startsWith('data/')) ms += 1_000;
        return store.get(key, range);
      },
    });
    const run = runRepairIndexRunbook(
      { vault: 'dr', readData: false },
      { openVault: async () => new Vault(reading, vault.keys, vault.config), deadline: 1_500, now: () => new Date(ms), target: { environment: 'prod', aws: true } },
    );
    await expect(run).rejects.toThrow(
      `It was weighing the ${packs.length} pack(s) the pending prune batch(es) prune/condemned/${batch} condemn (1 of them read), for blobs a snapshot needs that no other pack holds; ` +
        'a prune does not sweep that batch while an index object is missing, so a repair run again meets those packs again.',
    );
    await expect(run).rejects.toThrow(/\. Heal it from the other vault instead with `lifeboat scrub --vault dr --repair --fraction 1 --env prod --aws`/);
  });

  it('refuses the DR vault of another account before opening it: that account\'s policy allows no delete', async () => {
    const openVault = jest.fn();
    await expect(runRepairIndexRunbook({ vault: 'dr', readData: false }, { openVault, drVaultAccount: '222222222222' })).rejects.toMatchObject({
      name: 'RepairIndexOtherAccountError',
      message: expect.stringContaining('The DR vault is in account 222222222222, whose bucket policy allows the primary account\'s roles to add objects but never to delete one'),
    });
    await expect(runRepairIndexRunbook({ vault: 'dr', readData: false }, { openVault, drVaultAccount: '222222222222', target: { environment: 'prod', aws: true } })).rejects.toThrow(
      'Heal its lost or damaged index objects from the primary vault with `lifeboat scrub --vault dr --repair --fraction 1 --env prod --aws`',
    );
    expect(openVault).not.toHaveBeenCalled();
  });

  it('reports old index objects Object Lock keeps instead of failing', async () => {
    const store = new MemoryVaultStore();
    const vault = await vaultWithBackup(store);
    const locked = await listedKeys(store, INDEX_PREFIX);
    const retained: VaultStore = Object.assign(Object.create(store) as VaultStore, {
      delete: async (key: string) => {
        if (locked.includes(key)) throw new ObjectLockedError(store.location, key, 'retained until 2027-01-01');
        return store.delete(key);
      },
    });
    const summary = await runRepairIndexRunbook({ vault: 'primary', readData: false }, { openVault: async () => new Vault(retained, vault.keys, vault.config), now: fixedClock(0) });
    expect(summary).toMatchObject({ indexesWritten: 1, indexesRemoved: 0, indexesLockedCount: locked.length, leftOut: false, tombstone: null });
    expect(summary.notes).toEqual([expect.stringMatching(/^\d+ old index object\(s\) are kept by Object Lock: every load still reads them beside the new ones .*; they list nothing the repair left out/)]);
  });

  /** Review r4-F1: the tombstone the repair writes where Object Lock keeps what it replaced is in the summary and its note. */
  it('names the tombstone it wrote when Object Lock keeps index objects that list a pack it left out', async () => {
    const store = new MemoryVaultStore();
    const vault = await vaultWithBackup(store);
    const locked = await listedKeys(store, INDEX_PREFIX);
    const [lostPack] = await listedKeys(store, 'data/');
    await store.delete(lostPack as string);
    const retained: VaultStore = Object.assign(Object.create(store) as VaultStore, {
      delete: async (key: string) => {
        if (locked.includes(key)) throw new ObjectLockedError(store.location, key, 'retained until 2027-01-01');
        return store.delete(key);
      },
    });
    const summary = await runRepairIndexRunbook({ vault: 'primary', readData: false }, { openVault: async () => new Vault(retained, vault.keys, vault.config) });
    expect(summary).toMatchObject({ packsLeftOutCount: 1, indexesLockedCount: locked.length, leftOut: true, tombstone: expect.stringMatching(/^prune\/condemned\/[0-9a-f]{64}$/) });
    expect(await listedKeys(store, 'prune/condemned/')).toEqual([summary.tombstone]);
    expect(summary.notes[0]).toMatch(/kept by Object Lock: every load still reads them .*, so the repair wrote the tombstone prune\/condemned\/[0-9a-f]{64}: it keeps the packs left out that they list .* out of every load/);
  });

  /**
   * Review r4-F2: an archived pack that no index object lists any more (the index lost) dropped out of the new
   * index without a word, and the runbook reported success (exit 0).
   */
  it('leaves out, and reports, an archived pack that no index object lists: thaw it and run the repair again', async () => {
    const store = new MemoryVaultStore();
    const vault = await vaultWithBackup(store);
    for (const key of await listedKeys(store, INDEX_PREFIX)) await store.delete(key);
    const [archived] = await listedKeys(store, 'data/');
    const glacier: VaultStore = Object.assign(Object.create(store) as VaultStore, {
      get: async (key: string, range?: { offset: number; length: number }) => {
        if (key === archived) throw new VaultObjectArchivedError(store.location, key, 'GLACIER');
        return store.get(key, range);
      },
    });
    const summary = await runRepairIndexRunbook({ vault: 'primary', readData: false }, { openVault: async () => new Vault(glacier, vault.keys, vault.config) });
    expect(summary.packsLeftOut).toEqual([{ pack: idFromKey('data/', archived as string), reason: 'archived, unlisted', detail: expect.stringContaining('thaw it') }]);
    expect(summary).toMatchObject({ packsNotReadCount: 0, leftOut: true });
    expect(summary.notes).toEqual([expect.stringMatching(/^1 pack\(s\) in an archive storage class were left out: .*thaw them .* and run the repair again/)]);
  });

  /** Review r4-F3: the repair is not safe beside a prune with grace 0, and ran beside any prune. */
  it('refuses, writing nothing, while a prune of the vault holds its lease', async () => {
    const store = new MemoryVaultStore();
    const vault = await vaultWithBackup(store);
    const [lost] = await listedKeys(store, INDEX_PREFIX);
    await store.delete(lost as string);
    const lease = await PruneLease.acquire(store, vault.keys, { holder: 'the prune runbook (request r-1)', renewEveryMs: 0 });
    const run = runRepairIndexRunbook({ vault: 'dr', readData: false }, { openVault: async () => vault });
    await expect(run).rejects.toMatchObject({
      name: 'RepairIndexPruneRunningError',
      message: expect.stringMatching(/^A prune is running on the dr vault \(the prune runbook \(request r-1\), lease prune\/running\/[0-9a-f]+\): nothing was changed\. .*Run the repair when it ends; if it died, its lease ends by itself at /),
    });
    expect(await listedKeys(store, INDEX_PREFIX)).toEqual([]);
    await lease.release();
    expect(await runRepairIndexRunbook({ vault: 'dr', readData: false }, { openVault: async () => vault })).toMatchObject({ indexesWritten: 1, leftOut: false });
  });

  /** Review r14-F1: a lease this version cannot read never ends by itself, yet the refusal said to run the repair when it ends. */
  it('advises the newer Lifeboat, or deleting the lease object, for a prune lease this version cannot read', async () => {
    const store = new MemoryVaultStore();
    const vault = await vaultWithBackup(store);
    const leaseKey = pruneLeaseKey('ab'.repeat(32));
    const { stored } = await seal(vault.keys, objectContext('prune-lease'), Buffer.from(JSON.stringify({ v: 2, holder: 'newer' })), { compressionLevel: null });
    await store.put(leaseKey, stored);
    const refused = runRepairIndexRunbook({ vault: 'primary', readData: false }, { openVault: async () => vault });
    await expect(refused).rejects.toMatchObject({ name: 'RepairIndexPruneRunningError' });
    const message = ((await refused.catch((err: unknown) => err)) as Error).message;
    expect(message).not.toMatch(/when it ends/);
    expect(message).toContain(
      `run the repair with the newer Lifeboat, or, if no prune of the primary vault runs now, have an operator with delete rights on prune/running/* in the primary vault's bucket delete the object ${leaseKey} there, and run the repair again`,
    );
  });
});

describe('repairDeadline', () => {
  /** Review r4-F4: with readData the request in flight at the deadline may be a whole pack's GET with retries. */
  it('keeps 30 s of a 15-minute invocation back when it reads headers, 120 s with readData, and never more than half', () => {
    expect(repairDeadline(1_000, 900_000, false)).toBe(1_000 + 870_000);
    expect(repairDeadline(1_000, 900_000, true)).toBe(1_000 + 780_000);
    expect(repairDeadline(0, 100_000, true)).toBe(50_000);
  });
});

describe('repairIndexSummary', () => {
  it('names at most REPAIR_INDEX_LISTED entries of each list, counts the rest, and marks what was left out', async () => {
    const report = await repairIndex(await vaultWithBackup());
    const many = Array.from({ length: REPAIR_INDEX_LISTED + 7 }, (_, i) => ({ pack: `p${i}`, reason: 'bad header' as const, detail: 'x'.repeat(1_000) }));
    const summary = repairIndexSummary('primary', { ...report, packsLeftOut: many }, { startedAt: 'a', endedAt: 'b' });
    expect(summary.packsLeftOut).toHaveLength(REPAIR_INDEX_LISTED);
    expect(summary.packsLeftOutCount).toBe(REPAIR_INDEX_LISTED + 7);
    expect(summary.notListed).toBe(7);
    expect(summary.leftOut).toBe(true);
    expect(summary.packsLeftOut[0]?.detail.length).toBeLessThanOrEqual(301);
    expect(JSON.stringify(summary).length).toBeLessThan(64 * 1024);
  });

  // Review rD F2: the note on packs left out, and the readData deadline's advice, named a bare `lifeboat scrub --repair`
  // (the local cloud's dev environment, at 1/7) where the other messages name the vault's own scrub.
  it('names the scrub of the repaired vault, its environment and --fraction 1 in the note on what was left out', async () => {
    const report = await repairIndex(await vaultWithBackup());
    const summary = repairIndexSummary('dr', { ...report, packsLeftOut: [{ pack: 'p0', reason: 'bad header', detail: 'x' }] }, { startedAt: 'a', endedAt: 'b' }, { environment: 'prod', aws: true });
    expect(summary.notes).toEqual(expect.arrayContaining([expect.stringContaining('or the scrub copies the packs from the other vault (`lifeboat scrub --vault dr --repair --fraction 1 --env prod --aws`)')]));
    const cut = new RepairIndexOutOfTimeError('dr', true, { packsRead: 1, packsListed: 2, indexesWritten: 0, indexesRemoved: 0 }, { target: { environment: 'prod', aws: true } });
    expect(cut.message).toContain('damaged blobs are then left to `lifeboat scrub --vault dr --repair --fraction 1 --env prod --aws`, which heals the packs');
  });
});
