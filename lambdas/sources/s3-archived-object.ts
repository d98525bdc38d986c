/**
 * Source objects S3 keeps archived: GetObject refuses them (403 InvalidObjectState) until a restore
 * request (S3 RestoreObject) has made a temporary copy readable. S3 Glacier Flexible Retrieval
 * (GLACIER) and S3 Glacier Deep Archive (DEEP_ARCHIVE) say so in the listing; S3 Intelligent-Tiering
 * lists its Archive Access and Deep Archive Access tiers as INTELLIGENT_TIERING, so only the refusal
 * tells them. GLACIER_IR (Instant Retrieval) is read like STANDARD and is not archived.
 *
 * A backup leaves such an object out and reports it (docs/ARCHITECTURE.md, "Archived source
 * objects"), as AWS Backup for S3 does not back up objects in archive classes either and as a
 * directory source leaves out a file it cannot read: one archived object among a billion must not
 * fail every full backup of the bucket.
 */
const ARCHIVED_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** Whether a listing's storage class is an archive class GetObject refuses until a copy is restored (absent: STANDARD). */
export function isArchiveStorageClass(storageClass: string | undefined): storageClass is string {
  return storageClass !== undefined && ARCHIVED_CLASSES.has(storageClass);
}

/** Whether a listed object is one GetObject refuses: an archive class (absent: STANDARD) without a restored copy. */
export function isListedAsArchived(object: { storageClass?: string; restored?: boolean }): object is { storageClass: string } {
  return isArchiveStorageClass(object.storageClass) && object.restored !== true;
}

/** What S3's 403 InvalidObjectState says of the object: the SDK parses StorageClass and, for Intelligent-Tiering, AccessTier. */
export type ArchivedRefusal = { storageClass?: string; accessTier?: string };

/** The refusal of an archived object (403 InvalidObjectState), or undefined for any other error. */
export function archivedRefusalOf(err: unknown): ArchivedRefusal | undefined {
  if (!(err instanceof Error) || err.name !== 'InvalidObjectState') return undefined;
  const { StorageClass, AccessTier } = err as Error & { StorageClass?: unknown; AccessTier?: unknown };
  return { ...(typeof StorageClass === 'string' ? { storageClass: StorageClass } : {}), ...(typeof AccessTier === 'string' ? { accessTier: AccessTier } : {}) };
}

function describeClass(refusal: ArchivedRefusal): string {
  const storageClass = refusal.storageClass ?? 'an archive storage class';
  return refusal.accessTier !== undefined ? `${storageClass}, tier ${refusal.accessTier}` : storageClass;
}

/** The `observations.skipped` line of an archived object: which, why, and what makes the next backup take it. */
export function archivedSkipReason(key: string, refusal: ArchivedRefusal): string {
  return `${key}: in storage class ${describeClass(refusal)} (archived); not backed up: restore it (S3 RestoreObject) or move it to a readable class to have it backed up`;
}

/**
 * A byte range of a split object was refused as archived (an Intelligent-Tiering archive tier, which
 * the planning listing cannot tell). A range shard records no observations, so it cannot leave the
 * object out and report it as an unsplit object is; the backup fails naming the object and what to do.
 */
export class S3SourceObjectArchivedError extends Error {
  override readonly name = 'S3SourceObjectArchivedError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly refusal: ArchivedRefusal,
  ) {
    super(
      `Object ${JSON.stringify(key)} in bucket ${bucket} is archived (${describeClass(refusal)}): S3 refuses to read it (403 InvalidObjectState) and it is too large ` +
        'to be left out by its key range. Restore it (S3 RestoreObject) or move it to a readable storage class, then run the backup again.',
    );
  }
}
