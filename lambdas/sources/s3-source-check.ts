import { type S3Client } from '@aws-sdk/client-s3';
import { type S3BucketSourceConfig } from '../../config/lifeboat-config';
import { httpStatusOf } from '../../vault';
import { bucketRegionRedirectOf } from '../runtime/bucket-region-redirect';
import { s3SourceReadError } from './s3-source-read-error';
import { S3SourceInOtherRegionError } from './s3-source-region-error';
import { listObjectsPage } from './url-encoded-listing';

/**
 * Checks that an S3 source's bucket can be listed under its prefix, as the plan step checks a table (DescribeTable)
 * and a directory: one ListObjectsV2 of at most one key, which the planner's s3:ListBucket on the bucket (conditioned
 * on the source's prefix: lib/constructs/source-access.ts) allows. A source planned from its S3 Inventory report never
 * lists the bucket while planning, so without this a deleted bucket failed only in the shards, once per shard. Fails
 * with S3SourceReadError naming the source and the bucket, or S3SourceInOtherRegionError for a bucket of another region;
 * a transient error is thrown as it is, for the retries.
 */
export async function checkS3Source(s3: S3Client, source: Pick<S3BucketSourceConfig, 'name' | 'bucket' | 'prefix'>): Promise<void> {
  try {
    await listObjectsPage(s3, { Bucket: source.bucket, ...(source.prefix ? { Prefix: source.prefix } : {}), MaxKeys: 1 });
  } catch (err) {
    // A ListObjectsV2 signed for this region may be answered 400 with the bucket's region rather than 301.
    const redirect = bucketRegionRedirectOf(err, httpStatusOf(err) === 400 ? await s3.config.region() : undefined);
    if (redirect) throw new S3SourceInOtherRegionError(source.name, source.bucket, redirect.bucketRegion, await s3.config.region(), { cause: err });
    throw s3SourceReadError(err, { source: source.name, bucket: source.bucket, prefix: source.prefix }, 'list');
  }
}
