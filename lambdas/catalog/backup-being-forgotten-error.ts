import { ForgottenBackupError } from './catalog-errors';
import { parsedInstant } from './parsed-instant';
import { shownItemKeyPart } from './shown-item-key';

/**
 * A restore could not pin its backup because a forget run claimed it first (backup-catalog.ts
 * claimForgetting): its snapshot objects are being deleted, or are gone already. A ForgottenBackupError
 * (same name, so the workflows treat it alike: never retried) whose message says so.
 */
export class BackupBeingForgottenError extends ForgottenBackupError {
  constructor(backupId: string, forgettingAt: string, vault: 'primary' | 'dr') {
    super(backupId, forgettingAt, vault);
    this.message =
      `Backup ${shownItemKeyPart(backupId)} is being forgotten by retention since ${parsedInstant(forgettingAt) ?? 'a forgettingAt that is not a time'}: its snapshots are being deleted from the ${vault} vault, so it cannot be restored from there. ` +
      'Choose a kept backup (`lifeboat backups list`), or restore it from the other vault if that one still keeps it; to keep a backup you mean to restore later, hold it first (`lifeboat backups hold`).';
  }
}
