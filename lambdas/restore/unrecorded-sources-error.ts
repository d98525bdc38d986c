/**
 * A committed backup's catalog record lacks the snapshot of a source its run backed up (`sourceNames`),
 * or records no source at all: a check of only the snapshots it does record would call the backup good
 * while a source of it cannot be restored. Not retried: the record does not change (a catalog rebuild keeps a record already in the table).
 */
export class UnrecordedSourcesError extends Error {
  override readonly name = 'UnrecordedSourcesError';
  constructor(
    readonly backupId: string,
    /** The sources backed up whose snapshot the record lacks; empty when the record names no source at all. */
    readonly missing: readonly string[],
  ) {
    super(
      missing.length === 0
        ? `Backup ${backupId} records no source and no snapshot, so there is nothing in it to verify or restore. ` +
            'Choose another backup (`lifeboat backups list`).'
        : `Backup ${backupId} records no vault snapshot for ${missing.length === 1 ? 'source' : 'sources'} ${missing.map((n) => `"${n}"`).join(', ')}, ` +
            'which its run backed up: that part of the backup cannot be verified or restored. ' +
            'Choose another backup to rely on (`lifeboat backups list`).',
    );
  }
}
