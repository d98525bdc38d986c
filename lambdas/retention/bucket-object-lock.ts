import { GetObjectLockConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Whether a bucket has S3 Object Lock turned on: only then does S3 accept a legal hold. A bucket
 * without it answers ObjectLockConfigurationNotFoundError; any other failure (access, a missing
 * bucket, the region down) is thrown, so the caller can tell "no lock" from "no answer".
 */
export async function bucketHasObjectLock(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    const out = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    return out.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  } catch (err) {
    if (err instanceof Error && err.name === 'ObjectLockConfigurationNotFoundError') return false;
    throw err;
  }
}
