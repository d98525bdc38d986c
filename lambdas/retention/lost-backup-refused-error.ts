import { shownItemKeyPart } from '../catalog/shown-item-key';

/**
 * Why `lifeboat backups forget --lost` forgets nothing of a backup (forget-lost-backup.ts): it is not committed, a hold
 * or a running restore keeps it, or one of its snapshots or of its trees (manifest roots) reads in a vault (so its data
 * may still restore), or a vault could not be read to tell. The message names the backup, what stands in the way and what to do; nothing was changed.
 * The backup is named as shownItemKeyPart shows it: it is the operator's --lost text, which no form checks (a record the
 * catalog lacks is refused here), and raw an ESC in it reached the terminal (review r64H F1).
 */
export class LostBackupRefusedError extends Error {
  override name = 'LostBackupRefusedError';
  constructor(
    readonly backupId: string,
    why: string,
    options?: ErrorOptions,
  ) {
    super(`backup ${shownItemKeyPart(backupId)} was not forgotten: ${why}`, options);
  }
}
