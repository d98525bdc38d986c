import { forgetSnapshotsOfFailedBackup, type KeptSnapshot } from '../../../../lambdas/backup/commit-backup';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { openVault } from '../../../../vault/repository/vault';
import { snapshotKey } from '../../../../vault/repository/vault-layout';
import { ObjectLockedError } from '../../../../vault/vault-errors';
import { listedKeys } from '../../../support/vault-test-helpers';
import { COMMITTED, FAILED, forgedMarkerVault } from './forged-marker-vault';

/**
 * Audit a2 F2: the snapshot shard may write under parts/, so a commit marker of a failed backup may name another
 * backup's snapshot. The failure path (Record failure, release-failed-backup, a failed commit invocation) deletes a
 * snapshot only when its own record names the failed backup; any other stays, byte for byte, and is reported.
 */
async function setUp() {
  const store = new MemoryVaultStore('forged-marker');
  const { provider, catalog, victim, own } = await forgedMarkerVault(store);
  return { store, provider, catalog, victim, own, victimBytes: await store.get(snapshotKey(victim)) };
}

it('deletes the failed backup\'s own snapshot, and keeps (byte for byte) and reports another backup\'s that a forged marker names', async () => {
  const { store, provider, catalog, victim, own, victimBytes } = await setUp();
  const kept: KeptSnapshot[] = [];
  const deleted = await forgetSnapshotsOfFailedBackup(FAILED, { store, catalog, openVault: () => openVault(store, provider), onKept: (k) => kept.push(k) });
  expect(deleted).toEqual([own]);
  expect(await store.has(snapshotKey(own))).toBe(false);
  expect((await store.get(snapshotKey(victim))).equals(victimBytes)).toBe(true);
  expect(kept).toEqual([
    {
      snapshotId: victim,
      source: 'anything',
      reason: `its record names backup ${COMMITTED}, not ${FAILED}: the commit marker parts/${FAILED}/committed/anything.json that names it was not written by this backup's commit; find its writer (S3 data events, the object's version) before deleting it`,
    },
  ]);
  // The forged marker stays as evidence; the backup's own marker went with its snapshot.
  expect(await listedKeys(store, `parts/${FAILED}/committed/`)).toEqual([`parts/${FAILED}/committed/anything.json`]);
});

it('a caller that cannot open the vault deletes no snapshot that is there, and says why', async () => {
  const { store, catalog, victim, own } = await setUp();
  const kept: KeptSnapshot[] = [];
  expect(await forgetSnapshotsOfFailedBackup(FAILED, { store, catalog, onKept: (k) => kept.push(k) })).toEqual([]);
  expect(kept.map((k) => k.snapshotId).sort()).toEqual([own, victim].sort());
  expect(kept[0]?.reason).toBe('its record could not be read to tell whose it is (Error: this caller cannot open the vault to read it)');
  expect(await store.has(snapshotKey(own))).toBe(true);
  expect(await store.has(snapshotKey(victim))).toBe(true);
});

it('a snapshot Object Lock retains is kept and reported, and the rest still goes', async () => {
  const { store, provider, catalog, victim, own } = await setUp();
  // A second own source whose snapshot the lock refuses: the store throws as S3VaultStore.delete does once the HEAD shows the lock.
  const remove = store.delete.bind(store);
  store.delete = (key) => (key === snapshotKey(own) ? Promise.reject(new ObjectLockedError(store.location, key, 'retained until 2027-01-01T00:00:00.000Z')) : remove(key));
  const kept: KeptSnapshot[] = [];
  expect(await forgetSnapshotsOfFailedBackup(FAILED, { store, catalog, openVault: () => openVault(store, provider), onKept: (k) => kept.push(k) })).toEqual([]);
  expect(kept.map((k) => [k.snapshotId, k.reason.split(':')[0]])).toEqual(
    expect.arrayContaining([
      [own, 'Object Lock keeps it'],
      [victim, `its record names backup ${COMMITTED}, not ${FAILED}`],
    ]),
  );
  expect(kept).toHaveLength(2);
  expect(await store.has(snapshotKey(own))).toBe(true);
});
