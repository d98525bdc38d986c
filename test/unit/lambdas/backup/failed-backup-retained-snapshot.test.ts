import { commitBackup, forgetSnapshotsOfFailedBackup, type KeptSnapshot } from '../../../../lambdas/backup/commit-backup';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type DeleteOptions, type PutOptions } from '../../../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { markVault } from '../../../../vault/prune/vault-mark';
import { initVault, openVault } from '../../../../vault/repository/vault';
import { snapshotKey } from '../../../../vault/repository/vault-layout';
import { ObjectLockedError } from '../../../../vault/vault-errors';
import { listedKeys, SMALL_TUNING } from '../../../support/vault-test-helpers';

/**
 * Review r2 of d247287: with `immutability` every snapshot Commit writes is within the bucket's default retention
 * when Record failure runs, and nothing ever tries its delete again, so a FAILED backup's own snapshot stayed listed
 * for good and prune kept its data for ever. The failure path now deletes its own snapshot over the retention (on S3
 * a delete marker hides it; the retained version expires with the lifecycle rule), while a legal hold, and every
 * other deleter, is still refused.
 */
const COMMITTED = '20261201T100000Z-0a1b2c3d';
const FAILED = '20261201T110000Z-4e5f6a7b';

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
  const provider = new PassphraseKeyProvider('unit', { N: 1024, r: 8, p: 1 });
  const vault = await initVault(store, provider, SMALL_TUNING);
  const status = new Map<string, string>();
  const catalog = {
    getBackup: (id: string) => Promise.resolve(status.has(id) ? { backupId: id, status: status.get(id) } : undefined),
    requireBackup: (id: string) => Promise.resolve({ backupId: id, status: status.get(id) }),
    markCommitted: (id: string) => {
      if (id === FAILED) return Promise.reject(new Error('the execution was stopped here'));
      status.set(id, 'COMMITTED');
      return Promise.resolve();
    },
    indexCommittedBackup: () => Promise.resolve(),
  } as unknown as BackupCatalog;
  const commit = async (id: string, source: string): Promise<string> => {
    const planKey = `plans/${id}.json`;
    const sources = [{ name: source, type: 's3', snapshotSource: { kind: 's3', id: source, bucket: source, prefix: '' }, parent: null }];
    const plan = { backupId: id, plan: 'p', environment: 'test', strategy: 'full', requestedStrategy: 'full', createdAt: '2026-12-01T10:00:00.000Z', sources, shardManifests: [], shardCount: 0 };
    await store.put(planKey, Buffer.from(JSON.stringify(plan)));
    status.set(id, 'RUNNING');
    await commitBackup({ backupId: id, planKey }, { vault, catalog }).catch(() => undefined);
    return (JSON.parse((await store.get(`parts/${id}/committed/${source}.json`)).toString('utf8')) as { snapshotId: string }).snapshotId;
  };
  const victim = await commit(COMMITTED, 'assets');
  const own = await commit(FAILED, 'orders');
  status.set(FAILED, 'FAILED');
  // A forged marker of the failed backup naming the committed backup's snapshot (audit a2 F2).
  await store.put(`parts/${FAILED}/committed/anything.json`, Buffer.from(JSON.stringify({ backupId: FAILED, source: 'anything', snapshotId: victim })));
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
