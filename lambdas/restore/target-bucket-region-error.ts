import { RestoreTargetNotAllowedError } from './restore-errors';

/**
 * An S3 target bucket of another region than the runbook's: the restore functions' clients are their own region's,
 * so every write there would be redirected (bucket-region-redirect.ts). A RestoreTargetNotAllowedError by name, as
 * the workflows and the failover report know it (refused before anything is written); the fields let a caller
 * (the failover's target check) say it in its own words.
 */
export class TargetBucketInOtherRegionError extends RestoreTargetNotAllowedError {
  constructor(
    readonly bucket: string,
    /** Where S3 says the bucket is; undefined when it did not say. */
    readonly bucketRegion: string | undefined,
    /** The region of the runbook (of its restore functions). */
    readonly runbookRegion: string,
    options?: { cause?: unknown },
  ) {
    const where =
      bucketRegion !== undefined
        ? `is in ${bucketRegion}, but this restore runbook runs in ${runbookRegion} and writes only buckets of its own region (S3 redirected its HeadBucket there)`
        : `is in another region than ${runbookRegion} (S3 redirected its HeadBucket without saying which), and this restore runbook writes only buckets of its own region`;
    super(
      `Invalid restore request: target.bucket: bucket ${bucket} ${where}; restore into a bucket of ${runbookRegion}, or start the restore runbook of ${bucketRegion ?? "the bucket's region"} instead: ` +
        "the primary region's is `lifeboat restore` without --from dr (--region primary --from dr to read the DR vault), the DR region's `lifeboat restore --from dr`",
      options,
    );
  }
}
