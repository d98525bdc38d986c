import { parsedInstant } from './parsed-instant';
import { shownItemKeyPart } from './shown-item-key';

/**
 * A legal hold asked for a backup that a forget run has claimed (backup-catalog.ts claimForgetting): the
 * claim is that run's point of no return, so it deletes the backup's snapshots whatever the record says
 * afterwards. Refused rather than recorded, so that no hold promises a backup nothing keeps.
 */
export class HoldOnForgettingBackupError extends Error {
  override readonly name = 'HoldOnForgettingBackupError';
  constructor(
    readonly backupId: string,
    readonly forgettingAt: string,
  ) {
    super(
      `Backup ${shownItemKeyPart(backupId)} cannot be held: it is being forgotten by retention since ${shownForgettingAt(forgettingAt)}, and its snapshots may already be deleted; a hold cannot keep it. ` +
        'Hold another backup that is kept (`lifeboat backups list`); to keep backups from a forget, hold them before it runs.',
    );
  }

  /**
   * The message when this is the primary catalog's refusal and the DR catalog still keeps the backup (the primary
   * vault's retention is shorter than the DR vault's): the DR copy is intact, and `command` (`--only dr`) holds it.
   */
  drCopyKeptMessage(command: string): string {
    return (
      `Backup ${shownItemKeyPart(this.backupId)} cannot be held in the primary catalog: the primary vault's retention is forgetting it since ${shownForgettingAt(this.forgettingAt)}, and its snapshots there may already be deleted. ` +
      `The DR copy is kept (the DR catalog has it, not forgotten): hold it with --only dr: \`${command}\`.`
    );
  }
}

/**
 * The record's forgettingAt is any string (a hand-edited item): shown as the instant it parses to, never as its text,
 * whose terminal escapes could rewrite the refusal into a success line (review r64Q F2).
 */
function shownForgettingAt(forgettingAt: string): string {
  return parsedInstant(forgettingAt) ?? 'a forgettingAt that is not a time';
}
