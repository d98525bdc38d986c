/**
 * Errors of the restore workflow. Input problems are InvalidInputError (lambdas/runtime/errors.ts:
 * never retried, the message names the field); these name what the operator must change.
 */

/** The target is outside what the restore workflow is allowed (and authorised by IAM) to write. */
export class RestoreTargetNotAllowedError extends Error {
  override readonly name = 'RestoreTargetNotAllowedError';
}

/** A new target that already holds data: restoring into it would mix two data sets. */
export class RestoreTargetNotEmptyError extends Error {
  override readonly name = 'RestoreTargetNotEmptyError';
}

/** The target a restore needs to exist (an S3 bucket) does not. */
export class RestoreTargetMissingError extends Error {
  override readonly name = 'RestoreTargetMissingError';
}

/** What was restored differs from the backup's manifest. Lists the first mismatches. */
export class RestoreVerificationError extends Error {
  override readonly name = 'RestoreVerificationError';
  constructor(
    readonly mismatches: readonly string[],
    readonly checked: number,
  ) {
    super(
      `Restore verification failed: ${mismatches.length} of ${checked} entries differ from the backup's manifest: ${mismatches.slice(0, 10).join('; ')}${mismatches.length > 10 ? '; …' : ''}`,
    );
  }
}

/** A large entry restored in pieces whose pieces did not all arrive (split-object-upload.ts, split-file-pieces.ts). */
export class SplitEntryIncompleteError extends Error {
  override readonly name = 'SplitEntryIncompleteError';
}

/** The vault's snapshot for the source is not what the catalog says (wrong kind, missing schema). */
export class SnapshotMismatchError extends Error {
  override readonly name = 'SnapshotMismatchError';
}

/** A restore from the DR vault of a backup that is not (yet) in it. */
export class BackupNotReplicatedError extends Error {
  override readonly name = 'BackupNotReplicatedError';
}

/** An S3 target without default encryption or with public access not blocked, refused unless the request sets `allowUnprotectedTarget`. */
export class RestoreTargetUnprotectedError extends Error {
  override readonly name = 'RestoreTargetUnprotectedError';
  constructor(
    readonly bucket: string,
    /** What it lacks, one phrase each (default encryption, Block Public Access with the settings that are off). */
    readonly missing: readonly string[],
    message: string,
  ) {
    super(message);
  }
}
