import { GetBucketLifecycleConfigurationCommand, type LifecycleRule, type S3Client } from '@aws-sdk/client-s3';

/**
 * A bucket's lifecycle rules, none when it has no configuration (S3 answers 404 NoSuchLifecycleConfiguration, not an
 * empty list). Any other failure is thrown as S3 gave it: each caller says which of its steps was refused.
 */
export async function bucketLifecycleRules(s3: S3Client, bucket: string): Promise<LifecycleRule[]> {
  try {
    return (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
  } catch (err) {
    if ((err as Error).name === 'NoSuchLifecycleConfiguration') return [];
    throw err;
  }
}
