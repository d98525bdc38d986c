/** Another run holds the lease on this plan: its backup is still running (or died less than a lease ago). */
export class BackupInProgressError extends Error {
  override readonly name = 'BackupInProgressError';
  constructor(
    readonly plan: string,
    readonly holder: string,
    readonly expiresAt: string,
  ) {
    super(
      `Plan "${plan}" is locked by backup ${holder}, which is still running (its lease lasts until ${expiresAt}). ` +
        'Wait for it to finish; if it is known to be dead, run `lifeboat unlock` for the plan.',
    );
  }
}

/** A backup id that the catalog does not know. */
export class UnknownBackupError extends Error {
  override readonly name = 'UnknownBackupError';
  constructor(readonly backupId: string) {
    super(`No backup with id ${backupId} exists in the catalog. List them with \`lifeboat backups list\`.`);
  }
}

/** No committed backup of a source at or before the requested time. */
export class NoBackupAtTimeError extends Error {
  override readonly name = 'NoBackupAtTimeError';
  constructor(
    readonly source: string,
    readonly at: string,
  ) {
    super(`Source "${source}" has no committed backup at or before ${at}.`);
  }
}
