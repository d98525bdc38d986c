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
      `Backup ${backupId} cannot be held: it is being forgotten by retention since ${forgettingAt}, and its snapshots may already be deleted; a hold cannot keep it. ` +
        'Hold another backup that is kept (`lifeboat backups list`); to keep backups from a forget, hold them before it runs.',
    );
  }
}
