import { type Snapshot, snapshotKey, type Vault, VaultObjectNotFoundError } from '../../vault';
import { ForgottenBackupError } from '../catalog/catalog-errors';
import { type ResolvedRestore } from './resolved-restore';

/**
 * The restore's snapshot, as the thaw, plan, shard and verify steps load it again. Resolve checked that
 * the backup was not forgotten (after any approval, which comes first), but a restore can run long after
 * that (the thaw loop waits up to 48 hours for archived packs, shards run for hours). Resolve pins the backup
 * (restore-pin.ts) so that the daily `<prefix>-prune` workflow's Forget keeps it, but only in the catalog of
 * the vault's own region: a restore that reads the other region's vault is not pinned, and that vault's own
 * forget may delete the snapshot meanwhile. A snapshot gone since the resolve was forgotten by retention
 * during the restore. Said so, as the
 * ForgottenBackupError an operator knows, instead of the vault's bare "object does not exist"
 * (docs/RUNBOOKS.md, "Retention"). Only the snapshot object itself: another missing object is damage,
 * left to the vault's own error.
 */
export async function loadRestoreSnapshot(vault: Pick<Vault, 'loadSnapshot'>, restore: Pick<ResolvedRestore, 'backupId' | 'snapshotId' | 'vault' | 'source'>): Promise<Snapshot> {
  try {
    return await vault.loadSnapshot(restore.snapshotId);
  } catch (err) {
    if (err instanceof VaultObjectNotFoundError && err.key === snapshotKey(restore.snapshotId)) throw new ForgottenDuringRestoreError(restore);
    throw err;
  }
}

/** A ForgottenBackupError (same name, so the workflows treat it alike: never retried) whose message names the race. */
export class ForgottenDuringRestoreError extends ForgottenBackupError {
  constructor(restore: Pick<ResolvedRestore, 'backupId' | 'snapshotId' | 'vault' | 'source'>) {
    super(restore.backupId, 'during this restore', restore.vault);
    this.message =
      `Backup ${restore.backupId} was forgotten by retention during this restore: the snapshot ${restore.snapshotId.slice(0, 12)} of source ${restore.source.name} ` +
      `was in the ${restore.vault} vault when the restore was resolved and is gone now. Start the restore again and choose a kept backup (\`lifeboat backups list\`), ` +
      'or restore it from the other vault if that one still keeps it; to keep a backup you mean to restore later, hold it first (`lifeboat backups hold`). ' +
      'Targets this restore already wrote to hold part of the backup.';
  }
}
