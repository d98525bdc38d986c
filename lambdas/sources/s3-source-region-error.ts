/**
 * An S3 source whose bucket is in another region than the backup functions' (the environment's primary region): their
 * S3 clients follow no redirect (aws-clients.ts), so S3 answers the plan step's check with a redirect. Until review r59D
 * F6 that was BucketInOtherRegionError, which named neither the source nor the bucket and advised "a restore target".
 * Lifeboat reads a source only in the primary region (docs/DOCTOR.md, group 4, fails such a source the same way).
 * Permanent: the bucket does not move between attempts.
 */
export class S3SourceInOtherRegionError extends Error {
  override readonly name = 'S3SourceInOtherRegionError';
  constructor(
    readonly source: string,
    readonly bucket: string,
    /** Where S3 says the bucket is; undefined when it did not say. */
    readonly bucketRegion: string | undefined,
    /** The region of the functions that read the source: the environment's primary region. */
    readonly region: string,
    options?: { cause?: unknown },
  ) {
    const where = bucketRegion ?? `another region than ${region} (S3 did not say which)`;
    super(
      `source ${source}: bucket ${bucket} is in ${where}, not in the primary region ${region}, where the backup functions read every source (S3 redirected their request); ` +
        `back up a bucket of ${region} instead (replicate or copy ${bucket} there) and name it in the source's bucket in the plan (lifeboat.config.json), or move the environment's primaryRegion`,
      options,
    );
  }
}
