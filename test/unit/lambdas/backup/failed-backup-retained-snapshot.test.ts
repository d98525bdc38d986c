import { forgetSnapshotsOfFailedBackup, type KeptSnapshot } from '../../../../lambdas/backup/commit-backup';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type DeleteOptions, type PutOptions } from '../../../../vault/backend/vault-store';
import { markVault } from '../../../../vault/prune/vault-mark';
import { openVault } from '../../../../vault/repository/vault';
import { snapshotKey } from '../../../../vault/repository/vault-layout';
import { ObjectLockedError } from '../../../../vault/vault-errors';
import { listedKeys } from '../../../support/vault-test-helpers';
import { COMMITTED, FAILED, forgedMarkerVault } from './forged-marker-vault';

/**
 * Review r2 of d247287: with `immutability` every snapshot Commit writes is within the bucket's default retention
 * when Record failure runs, and nothing ever tries its delete again, so a FAILED backup's own snapshot stayed listed
 * for good and prune kept its data for ever. The failure path now deletes its own snapshot over the retention (on S3
 * a delete marker hides it; the retained version expires with the lifecycle rule), while a legal hold, and every
 * other deleter, is still refused.
 */
/**
 * A memory store with S3VaultStore's Object Lock rules (s3-delete-over-retention.test.ts shows S3's side): every
 * snapshot written is retained (the bucket's default retention), a delete of a retained object is refused unless
 * `overRetention` (which hides it: gone from every listing), a legal hold refuses every delete.
 */
class RetainingMemoryStore extends MemoryVaultStore {
  readonly retained = new Set<string>();
  readonly held = new Set<string>();

  override async put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    await super.put(key, body, options);
    if (key.startsWith('snapshots/')) this.retained.add(key);
  }

  override async delete(key: string, options?: DeleteOptions): Promise<void> {
    if (this.held.has(key)) throw new ObjectLockedError(this.location, key, 'a legal hold is set');
    if (this.retained.has(key) && options?.overRetention !== true) throw new ObjectLockedError(this.location, key, 'GOVERNANCE until 2027-01-01T00:00:00.000Z');
    await super.delete(key);
  }
}

async function setUp() {
  const store = new RetainingMemoryStore('retaining');
  const { provider, catalog, victim, own } = await forgedMarkerVault(store);
  const forget = async (): Promise<{ deleted: string[]; kept: KeptSnapshot[] }> => {
    const kept: KeptSnapshot[] = [];
    const deleted = await forgetSnapshotsOfFailedBackup(FAILED, { store, catalog, openVault: () => openVault(store, provider), onKept: (k) => kept.push(k) });
    return { deleted, kept };
  };
  return { store, provider, victim, own, forget };
}

it("deletes a failed backup's own snapshot within its retention, so no listing or prune sees it, and still keeps another backup's a forged marker names", async () => {
  const { store, provider, victim, own, forget } = await setUp();
  expect(store.retained.has(snapshotKey(own))).toBe(true);
  const victimBytes = await store.get(snapshotKey(victim));
  const { deleted, kept } = await forget();
  expect(deleted).toEqual([own]);
  expect(kept.map((k) => [k.snapshotId, k.reason.split(':')[0]])).toEqual([[victim, `its record names backup ${COMMITTED}, not ${FAILED}`]]);
  expect(await listedKeys(store, 'snapshots/')).toEqual([snapshotKey(victim)]);
  expect((await store.get(snapshotKey(victim))).equals(victimBytes)).toBe(true);
  const mark = await markVault(await openVault(store, provider));
  expect([...(mark.snapshotIds ?? [])]).toEqual([victim]);
  expect(await listedKeys(store, `parts/${FAILED}/committed/`)).toEqual([`parts/${FAILED}/committed/anything.json`]);
  // Every other deleter is still refused by the retention (prune, forget: no overRetention).
  await expect(store.delete(snapshotKey(victim))).rejects.toBeInstanceOf(ObjectLockedError);
});

it("keeps a failed backup's own snapshot under a legal hold, with its marker, and says what to do once the hold is gone", async () => {
  const { store, own, forget } = await setUp();
  store.held.add(snapshotKey(own));
  const { deleted, kept } = await forget();
  expect(deleted).toEqual([]);
  expect(kept.find((k) => k.snapshotId === own)).toEqual({
    snapshotId: own,
    source: 'orders',
    reason: `Object Lock keeps it: memory://retaining: object ${snapshotKey(own)} is locked (a legal hold is set); it can be deleted once its retention has passed and no legal hold is set; nothing tries again on its own: once the lock is gone, delete the vault objects ${snapshotKey(own)} and parts/${FAILED}/committed/orders.json (on S3: aws s3 rm s3://<vault bucket>/<key>, which leaves a delete marker), and the next prune drops its data`,
  });
  expect(await store.has(snapshotKey(own))).toBe(true);
  expect(await store.has(`parts/${FAILED}/committed/orders.json`)).toBe(true);
});
