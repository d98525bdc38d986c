import { commitBackup } from '../../../../lambdas/backup/commit-backup';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { initVault } from '../../../../vault/repository/vault';
import { SMALL_TUNING } from '../../../support/vault-test-helpers';

/** A backup that committed, and one whose commit was stopped before its catalog write and is recorded FAILED. */
export const COMMITTED = '20261201T100000Z-0a1b2c3d';
export const FAILED = '20261201T110000Z-4e5f6a7b';

/**
 * A vault in `store` where COMMITTED committed source `assets` (its snapshot: `victim`) and FAILED wrote source `orders`
 * (`own`) and failed, with a forged commit marker of FAILED naming the victim: what the snapshot shard role could write
 * (s3:PutObject on parts/*, audit a2 F2). `catalog` answers the commit's and the failure path's calls from a map.
 */
export async function forgedMarkerVault(store: VaultStore): Promise<{ provider: PassphraseKeyProvider; catalog: BackupCatalog; victim: string; own: string }> {
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
  /** Commits one source of backup `id` (its marker names the snapshot); FAILED's commit stops before the catalog write. */
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
  await store.put(`parts/${FAILED}/committed/anything.json`, Buffer.from(JSON.stringify({ backupId: FAILED, source: 'anything', snapshotId: victim })));
  return { provider, catalog, victim, own };
}
