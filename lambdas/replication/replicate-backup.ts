import { type BackupCatalog } from '../catalog/backup-catalog';
import { backupIdOfTags } from '../catalog/backup-snapshot-tags';
import { type KeyProvider } from '../../vault';
import { type Vault } from '../../vault';
import { type VaultStore } from '../../vault';
import { replicateVault } from './replicate-vault';

export type ReplicateBackupDeps = {
  /** The primary vault, open. */
  source: Vault;
  /** The DR vault's store and key. */
  target: VaultStore;
  targetKeys: KeyProvider;
  catalog: BackupCatalog;
  deadline?: number;
  now?: () => number;
};

/** What the Replicate step returns into the execution state (small: counts, not lists). */
export type ReplicationReport = {
  complete: boolean;
  copiedObjects: number;
  copiedBytes: number;
  remainingObjects: number;
  /** Backups now recorded as copied to the DR vault (this run's and any earlier ones this pass caught up on). */
  backupsCopied: number;
};

/**
 * The backup workflow's Replicate step: copies what the DR vault lacks (replicateVault), and once it
 * holds everything, records copies.dr = COMMITTED for this run's backup and for every earlier
 * backup whose snapshot this pass copied (a run whose replication failed is caught up by the next).
 * The snapshots' `backupId:` tags say which backups they belong to, so this needs the vault alone.
 */
export async function replicateBackup(input: { backupId: string }, deps: ReplicateBackupDeps): Promise<ReplicationReport> {
  const progress = await replicateVault({ source: deps.source, target: deps.target, targetKeys: deps.targetKeys, deadline: deps.deadline, now: deps.now });
  let backupsCopied = 0;
  if (progress.complete) {
    const backupIds = new Set([input.backupId]);
    for (const id of progress.copiedSnapshots) {
      const backupId = backupIdOfTags((await deps.source.loadSnapshot(id)).tags);
      if (backupId) backupIds.add(backupId);
    }
    for (const backupId of backupIds) if (await deps.catalog.markCopied(backupId)) backupsCopied++;
  }
  const { complete, copiedObjects, copiedBytes, remainingObjects } = progress;
  return { complete, copiedObjects, copiedBytes, remainingObjects, backupsCopied };
}
