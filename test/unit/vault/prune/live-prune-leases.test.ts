import { randomBytes } from 'node:crypto';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { objectContext, seal } from '../../../../vault/crypto/sealed-codec';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { PruneLeaseUnreadableError } from '../../../../vault/prune/prune-errors';
import { livePruneLeases, PRUNE_LEASE_TTL_MS, PruneLease } from '../../../../vault/prune/prune-lease';
import { CONDEMNATION_CLOCK_MARGIN_MS } from '../../../../vault/prune/prune-state';
import { initVault } from '../../../../vault/repository/vault';
import { PRUNE_LEASE_PREFIX } from '../../../../vault/repository/vault-layout';
import { listedKeys } from '../../../support/vault-test-helpers';

const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null } as const;

async function emptyVault() {
  const store = new MemoryVaultStore();
  const made = await initVault(store, new PassphraseKeyProvider('live leases', { N: 1024, r: 8, p: 1 }), TUNING);
  return { store, keys: made.keys };
}

describe('livePruneLeases: whether a prune of a vault runs, read-only', () => {
  it('names a live lease until its end plus the clocks\' margin, and none once it is released', async () => {
    const { store, keys } = await emptyVault();
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const lease = await PruneLease.acquire(store, keys, { holder: 'dr prune', now: () => clock.t, renewEveryMs: 0 });

    expect((await livePruneLeases(store, keys, () => clock.t)).map((l) => [l.id, l.lease.holder])).toEqual([[lease.id, 'dr prune']]);
    // The holder's clock may run a minute behind: its lease still counts just past its own end.
    clock.t += PRUNE_LEASE_TTL_MS + CONDEMNATION_CLOCK_MARGIN_MS - 1;
    expect(await livePruneLeases(store, keys, () => clock.t)).toHaveLength(1);
    clock.t += 1;
    expect(await livePruneLeases(store, keys, () => clock.t)).toEqual([]);

    clock.t -= PRUNE_LEASE_TTL_MS;
    await lease.release();
    expect(await livePruneLeases(store, keys, () => clock.t)).toEqual([]);
  });

  it('ignores objects that are no lease and deletes nothing, not even ended leases', async () => {
    const { store, keys } = await emptyVault();
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    // A dead prune's lease: never renewed nor released.
    await PruneLease.acquire(store, keys, { now: () => clock.t, renewEveryMs: 0 });
    clock.t += PRUNE_LEASE_TTL_MS + CONDEMNATION_CLOCK_MARGIN_MS;
    const other = await emptyVault();
    const { stored: foreignLease } = await seal(other.keys, objectContext('prune-lease'), Buffer.from('{}'), { compressionLevel: null });
    await store.put(`${PRUNE_LEASE_PREFIX}${randomBytes(32).toString('hex')}`, foreignLease);
    await store.put(`${PRUNE_LEASE_PREFIX}${randomBytes(32).toString('hex')}`, randomBytes(200));
    const before = await listedKeys(store, PRUNE_LEASE_PREFIX);

    expect(await livePruneLeases(store, keys, () => clock.t)).toEqual([]);
    expect(await listedKeys(store, PRUNE_LEASE_PREFIX)).toEqual(before);
    expect(before).toHaveLength(3);
  });

  it('throws PruneLeaseUnreadableError for a lease this version cannot read, as a prune would refuse', async () => {
    const { store, keys } = await emptyVault();
    const { stored } = await seal(keys, objectContext('prune-lease'), Buffer.from(JSON.stringify({ v: 2, holder: 'newer' })), { compressionLevel: null });
    await store.put(`${PRUNE_LEASE_PREFIX}${'ab'.repeat(32)}`, stored);
    await expect(livePruneLeases(store, keys)).rejects.toThrow(PruneLeaseUnreadableError);
  });
});
