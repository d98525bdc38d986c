/**
 * The lifecycle rule of the buckets Lifeboat creates for restored data (private-bucket.ts): S3 aborts an incomplete
 * multipart upload ABORT_INCOMPLETE_UPLOADS_DAYS after it began. A failed restore aborts its own uploads (Abandon
 * restore); a restore whose execution timed out or was stopped runs no Catch, and without the rule its upload stayed,
 * billed, in the target (audit aT1-2). Longer than a restore may legitimately keep one open (a restore-source
 * execution runs at most 72 hours, with thaws: ARCHIVE_RESTORE_TIMEOUT), and the days the vaults and mirrors use.
 */
export const ABORT_INCOMPLETE_UPLOADS_DAYS = 7;

/** The rule's id, as GetBucketLifecycleConfiguration shows it. */
export const ABORT_INCOMPLETE_UPLOADS_RULE = 'lifeboat-abort-incomplete-uploads';
