import { createHash } from 'node:crypto';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { objectContext, seal } from '../../../../vault/crypto/sealed-codec';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { PruneAlreadyRunningError, PruneLeaseLostError, PruneLeaseUnreadableError } from '../../../../vault/prune/prune-errors';
import { PRUNE_LEASE_TTL_MS, PruneLease } from '../../../../vault/prune/prune-lease';
import { CONDEMNATION_CLOCK_MARGIN_MS, loadCondemnedBatches } from '../../../../vault/prune/prune-state';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { DATA_PREFIX, PRUNE_LEASE_PREFIX, snapshotKey } from '../../../../vault/repository/vault-layout';
import { ObjectLockedError, VaultObjectArchivedError } from '../../../../vault/vault-errors';
import { listedKeys, pseudoRandomBytes, requiredMethodsStore } from '../../../support/vault-test-helpers';

const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;
const HOUR = 3_600_000;
/** Past a lease's end for every prune: its TTL and the clocks' margin. */
const LEASE_OVER = PRUNE_LEASE_TTL_MS + CONDEMNATION_CLOCK_MARGIN_MS;

/**
 * A vault with one forgotten backup whose packs a first prune condemned: the next prune after the
 * grace sweeps them (deletes under data/), so a prune that goes on when it must not is seen.
 */
async function vaultWithCondemnedPacks(store: VaultStore = new MemoryVaultStore()) {
  const provider = new PassphraseKeyProvider('lease test', { N: 1024, r: 8, p: 1 });
  const made = await initVault(store, provider, TUNING);
  const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
  const reopen = (s: VaultStore = store): Vault => {
    const v = new Vault(s, made.keys, made.config);
    v.now = () => clock.t;
    return v;
  };
  const forgotten = await backupOf(reopen(), pseudoRandomBytes(40_000, 91));
  await backupOf(reopen(), pseudoRandomBytes(30_000, 92));
  await store.delete(snapshotKey(forgotten));
  const first = await pruneVault(reopen(), { graceMs: HOUR, now: () => clock.t });
  expect(first.report.packsCondemned).toBeGreaterThan(0);
  clock.t += HOUR + LEASE_OVER;
  return { store, keys: made.keys, clock, reopen };
}

async function backupOf(vault: Vault, content: Buffer): Promise<string> {
  const writer = await vault.newSnapshotWriter({ inline: true });
  await writer.add({ path: 'f', kind: 'object', meta: {}, content });
  const part = await writer.finish();
  return (await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [part] })).id;
}

/** Every object's key and content hash: what "nothing was changed" compares. */
async function contents(store: VaultStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of await listedKeys(store, '')) out.set(key, createHash('sha256').update(await store.get(key)).digest('hex'));
  return out;
}

describe('the prune lease: one prune of a vault at a time', () => {
  it('a prune started while another holds the lease is refused, names the other and changes nothing; after its release the prune runs', async () => {
    const { store, keys, clock, reopen } = await vaultWithCondemnedPacks();
    const other = await PruneLease.acquire(store, keys, { holder: 'ops@laptop (pid 7)', now: () => clock.t, renewEveryMs: 0 });
    const before = await contents(store);
    const refusal = pruneVault(reopen(), { graceMs: HOUR, now: () => clock.t });
    await expect(refusal).rejects.toThrow(PruneAlreadyRunningError);
    await expect(refusal).rejects.toThrow(/another prune of this vault is running \(ops@laptop \(pid 7\), since 2026-01-01T01:06:00\.000Z.*nothing was changed.*ends by itself at 2026-01-01T01:11:00\.000Z/);
    expect(await contents(store)).toEqual(before);

    await other.release();
    expect(await listedKeys(store, PRUNE_LEASE_PREFIX)).toEqual([]);
    const run = await pruneVault(reopen(), { graceMs: HOUR, now: () => clock.t });
    expect(run.report.packsDeleted).toBeGreaterThan(0);
    // Its own lease went with it.
    expect(await listedKeys(store, PRUNE_LEASE_PREFIX)).toEqual([]);
  });

  it('a dry run takes no lease: it runs beside a prune that holds one', async () => {
    const { store, keys, clock, reopen } = await vaultWithCondemnedPacks();
    await PruneLease.acquire(store, keys, { holder: 'ops@laptop', now: () => clock.t, renewEveryMs: 0 });
    const dry = await pruneVault(reopen(), { graceMs: HOUR, now: () => clock.t, dryRun: true });
    expect(dry.report.packsDeleted).toBeGreaterThan(0);
    expect(await listedKeys(store, PRUNE_LEASE_PREFIX)).toHaveLength(1);
  });

  it("a dead prune's lease blocks until its TTL and the clocks' margin have passed, then the next prune deletes it and runs", async () => {
    const { store, keys, clock, reopen } = await vaultWithCondemnedPacks();
    const dead = await PruneLease.acquire(store, keys, { holder: 'killed', now: () => clock.t, renewEveryMs: 0 });
    clock.t += PRUNE_LEASE_TTL_MS + CONDEMNATION_CLOCK_MARGIN_MS - 1000;
    await expect(pruneVault(reopen(), { graceMs: HOUR, now: () => clock.t })).rejects.toThrow(PruneAlreadyRunningError);
    clock.t += 1000;
    const run = await pruneVault(reopen(), { graceMs: HOUR, now: () => clock.t });
    expect(run.report.packsDeleted).toBeGreaterThan(0);
    expect(await listedKeys(store, PRUNE_LEASE_PREFIX)).toEqual([]);
    expect(await store.has(`${PRUNE_LEASE_PREFIX}${dead.id}`)).toBe(false);
  });

  it('where Object Lock keeps lease objects, a released lease is written as released and blocks no later prune', async () => {
    const memory = new MemoryVaultStore();
    const locked = requiredMethodsStore(memory, {
      delete: async (k) => {
        if (k.startsWith(PRUNE_LEASE_PREFIX)) throw new ObjectLockedError(memory.location, k, 'retention until next year');
        return memory.delete(k);
      },
    });
    const { clock, reopen } = await vaultWithCondemnedPacks(memory);
    const first = await pruneVault(reopen(locked), { graceMs: HOUR, now: () => clock.t });
    expect(first.report.packsDeleted).toBeGreaterThan(0);
    const kept = await listedKeys(memory, PRUNE_LEASE_PREFIX);
    expect(kept).toHaveLength(1); // this prune's, released
    // At once, within both leases' TTL: released leases are no prune.
    const second = await pruneVault(reopen(locked), { graceMs: HOUR, now: () => clock.t });
    expect(second.done).toBe(true);
    expect(await listedKeys(memory, PRUNE_LEASE_PREFIX)).toHaveLength(2);
  });

  it('a prune that can no longer be sure of its lease stops before it deletes anything', async () => {
    const memory = new MemoryVaultStore();
    const { clock, reopen } = await vaultWithCondemnedPacks(memory);
    const packsBefore = await listedKeys(memory, DATA_PREFIX);
    // The process stalls (a laptop asleep, a frozen container) while it marks, longer than the lease lasts.
    let stalled = false;
    const stalling = requiredMethodsStore(memory, {
      get: async (k, r) => {
        if (!stalled && k.startsWith('snapshots/')) {
          stalled = true;
          clock.t += PRUNE_LEASE_TTL_MS;
        }
        return memory.get(k, r);
      },
    });
    const run = pruneVault(reopen(stalling), { graceMs: HOUR, now: () => clock.t, lease: { renewEveryMs: 0 } });
    await expect(run).rejects.toThrow(PruneLeaseLostError);
    await expect(run).rejects.toThrow(/it was not renewed for 5 min.*run the prune again/);
    expect(await listedKeys(memory, DATA_PREFIX)).toEqual(packsBefore);
  });

  it('renewing moves the lease on; a renewal that fails leaves it to end, and its holder stops then', async () => {
    const memory = new MemoryVaultStore();
    let failPuts = false;
    const store = requiredMethodsStore(memory, {
      put: async (k, b) => {
        if (failPuts && k.startsWith(PRUNE_LEASE_PREFIX)) throw new Error('network down');
        return memory.put(k, b);
      },
    });
    const { keys, clock } = await vaultWithCondemnedPacks(memory);
    const lease = await PruneLease.acquire(store, keys, { now: () => clock.t, renewEveryMs: 0 });
    clock.t += 3 * 60_000;
    await lease.renew();
    expect(lease.expiresAt).toBe(clock.t + PRUNE_LEASE_TTL_MS);
    clock.t += 4 * 60_000;
    expect(() => lease.assertHeld()).not.toThrow();
    failPuts = true;
    await lease.renew();
    expect(() => lease.assertHeld()).not.toThrow();
    clock.t += 60_000;
    expect(() => lease.assertHeld()).toThrow(/its renewal failed: network down/);
    // Another prune sees it live until its end and the margin.
    await expect(PruneLease.acquire(memory, keys, { now: () => clock.t, renewEveryMs: 0 })).rejects.toThrow(PruneAlreadyRunningError);
    failPuts = false;
    await lease.release();
    expect(() => lease.assertHeld()).toThrow(PruneLeaseLostError);
  });

  it('the lease is renewed in the background while its holder runs', async () => {
    const memory = new MemoryVaultStore();
    const { keys } = await vaultWithCondemnedPacks(memory);
    const puts: string[] = [];
    const store = requiredMethodsStore(memory, {
      put: async (k, b) => {
        puts.push(k);
        return memory.put(k, b);
      },
    });
    const lease = await PruneLease.acquire(store, keys, { renewEveryMs: 10 });
    await new Promise((r) => setTimeout(r, 80));
    await lease.release();
    const leaseKey = `${PRUNE_LEASE_PREFIX}${lease.id}`;
    expect(puts.filter((k) => k === leaseKey).length).toBeGreaterThanOrEqual(3);
    expect(await memory.has(leaseKey)).toBe(false);
  });

  it('of two prunes that write their leases before either lists, neither goes on', async () => {
    const { store, keys, clock } = await vaultWithCondemnedPacks();
    let written = 0;
    let bothWritten: () => void = () => undefined;
    const barrier = new Promise<void>((r) => (bothWritten = r));
    const racing = requiredMethodsStore(store, {
      put: async (k, b) => {
        await store.put(k, b);
        if (k.startsWith(PRUNE_LEASE_PREFIX) && ++written === 2) bothWritten();
      },
      list: (p) =>
        (async function* () {
          if (p === PRUNE_LEASE_PREFIX) await barrier;
          yield* store.list(p);
        })(),
    });
    const results = await Promise.allSettled([PruneLease.acquire(racing, keys, { holder: 'a', now: () => clock.t, renewEveryMs: 0 }), PruneLease.acquire(racing, keys, { holder: 'b', now: () => clock.t, renewEveryMs: 0 })]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PruneAlreadyRunningError);
    expect(await listedKeys(store, PRUNE_LEASE_PREFIX)).toEqual([]);
  });

  it("an object under prune/running/ that the vault's keys do not open is no prune's lease: it blocks nothing and goes", async () => {
    const { store, clock, reopen } = await vaultWithCondemnedPacks();
    const foreign = `${PRUNE_LEASE_PREFIX}${'ab'.repeat(32)}`;
    await store.put(foreign, Buffer.from('not a sealed object'));
    const run = await pruneVault(reopen(), { graceMs: HOUR, now: () => clock.t });
    expect(run.report.packsDeleted).toBeGreaterThan(0);
    expect(await store.has(foreign)).toBe(false);
  });

  it('a lease that opens with the vault keys but that this version cannot read (a newer one) stops the prune, naming it, and changes nothing', async () => {
    const { store, keys, clock, reopen } = await vaultWithCondemnedPacks();
    const newer = `${PRUNE_LEASE_PREFIX}${'cd'.repeat(32)}`;
    const { stored } = await seal(keys, objectContext('prune-lease'), Buffer.from(JSON.stringify({ v: 2, holders: ['x'] })), { compressionLevel: null });
    await store.put(newer, stored);
    const before = await contents(store);
    const run = pruneVault(reopen(), { graceMs: HOUR, now: () => clock.t });
    await expect(run).rejects.toThrow(PruneLeaseUnreadableError);
    await expect(run).rejects.toThrow(new RegExp(`${newer} cannot be read.*nothing was changed.*delete that object`));
    expect(await contents(store)).toEqual(before);
  });

  it('objects under prune/running/ that are archived or larger than any lease are no lease: not read whole, blocking nothing, deleted', async () => {
    const memory = new MemoryVaultStore();
    const archivedKey = `${PRUNE_LEASE_PREFIX}${'ef'.repeat(32)}`;
    const hugeKey = `${PRUNE_LEASE_PREFIX}${'01'.repeat(32)}`;
    const readsOfHuge: number[] = [];
    const store = requiredMethodsStore(memory, {
      get: async (k, r) => {
        if (k === archivedKey) throw new VaultObjectArchivedError(memory.location, k, 'DEEP_ARCHIVE');
        if (k === hugeKey) readsOfHuge.push(1);
        return memory.get(k, r);
      },
      listWithSizes: (p) => memory.listWithSizes(p),
    });
    const { clock, reopen } = await vaultWithCondemnedPacks(memory);
    await memory.put(archivedKey, Buffer.from('archived'));
    await memory.put(hugeKey, Buffer.alloc(200_000));
    const run = await pruneVault(reopen(store), { graceMs: HOUR, now: () => clock.t });
    expect(run.report.packsDeleted).toBeGreaterThan(0);
    expect(readsOfHuge).toEqual([]);
    expect(await listedKeys(memory, PRUNE_LEASE_PREFIX)).toEqual([]);
  });

  it("a failed delete of a dead prune's lease fails no run and leaves no lease of the run behind", async () => {
    const memory = new MemoryVaultStore();
    const { keys, clock, reopen } = await vaultWithCondemnedPacks(memory);
    const dead = await PruneLease.acquire(memory, keys, { holder: 'killed', now: () => clock.t, renewEveryMs: 0 });
    clock.t += LEASE_OVER;
    const deadKey = `${PRUNE_LEASE_PREFIX}${dead.id}`;
    const store = requiredMethodsStore(memory, {
      delete: async (k) => {
        if (k === deadKey) throw new Error('socket hang up');
        return memory.delete(k);
      },
    });
    const run = await pruneVault(reopen(store), { graceMs: HOUR, now: () => clock.t });
    expect(run.report.packsDeleted).toBeGreaterThan(0);
    // Only the dead lease (ended, read as ended by the next prune) is left; the next prune goes on at once.
    expect(await listedKeys(memory, PRUNE_LEASE_PREFIX)).toEqual([deadKey]);
    await expect(pruneVault(reopen(store), { graceMs: HOUR, now: () => clock.t })).resolves.toMatchObject({ done: true });
  });

  it('a release that fails after the run finished does not turn the finished run into a failure', async () => {
    const memory = new MemoryVaultStore();
    const { clock, reopen } = await vaultWithCondemnedPacks(memory);
    let deletesOfLeases = 0;
    const store = requiredMethodsStore(memory, {
      delete: async (k) => {
        if (k.startsWith(PRUNE_LEASE_PREFIX) && ++deletesOfLeases === 1) throw new Error('503 SlowDown');
        return memory.delete(k);
      },
    });
    const run = await pruneVault(reopen(store), { graceMs: HOUR, now: () => clock.t });
    expect(run.report.packsDeleted).toBeGreaterThan(0);
    // Its lease is left to end at its expiry: a prune before then is refused, one after goes on.
    await expect(pruneVault(reopen(memory), { graceMs: HOUR, now: () => clock.t })).rejects.toThrow(PruneAlreadyRunningError);
    clock.t += LEASE_OVER;
    await expect(pruneVault(reopen(memory), { graceMs: HOUR, now: () => clock.t })).resolves.toMatchObject({ done: true });
  });

  it('a sweep that lost its lease after its deletes stops before it ends the batch (no tombstone written, the batch stays for the next run)', async () => {
    const memory = new MemoryVaultStore();
    const { keys, clock, reopen } = await vaultWithCondemnedPacks(memory);
    const pending = await loadCondemnedBatches(memory, keys);
    const batchesBefore = pending.map((b) => b.id);
    // Every object the due batch names is deleted (nothing references them again): the last of those deletes is the sweep's last.
    const objectsToDelete = pending.reduce((n, b) => n + b.packs.length + b.indexes.length + b.manifests.length, 0);
    let deletes = 0;
    const stalling = requiredMethodsStore(memory, {
      delete: async (k) => {
        await memory.delete(k);
        // The process stalls right after its last delete, longer than the lease lasts.
        if (!k.startsWith('prune/') && ++deletes === objectsToDelete) clock.t += PRUNE_LEASE_TTL_MS;
      },
    });
    await expect(pruneVault(reopen(stalling), { graceMs: HOUR, now: () => clock.t, lease: { renewEveryMs: 0 } })).rejects.toThrow(PruneLeaseLostError);
    expect(deletes).toBe(objectsToDelete);
    const after = await loadCondemnedBatches(memory, keys);
    expect(after.filter((b) => b.sweptAt !== undefined)).toEqual([]);
    expect(after.map((b) => b.id)).toEqual(batchesBefore);
    clock.t += LEASE_OVER;
    const next = await pruneVault(reopen(memory), { graceMs: HOUR, now: () => clock.t });
    expect(next.done).toBe(true);
    expect((await loadCondemnedBatches(memory, keys)).filter((b) => b.sweptAt === undefined && batchesBefore.includes(b.id))).toEqual([]);
  });
});
