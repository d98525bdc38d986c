import { GetBucketEncryptionCommand, GetPublicAccessBlockCommand, type PublicAccessBlockConfiguration, type S3Client } from '@aws-sdk/client-s3';
import { RestoreTargetUnprotectedError } from './restore-errors';

/** The four settings of S3 Block Public Access, each of which a restore target must have on. */
const BLOCK_PUBLIC_ACCESS_FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const satisfies readonly (keyof PublicAccessBlockConfiguration)[];

/**
 * What a bucket lacks to receive restored data (issue 13, item 7): default encryption
 * (GetBucketEncryption; since January 2023 every bucket has SSE-S3 by default, so in practice only
 * ServerSideEncryptionConfigurationNotFoundError, from an endpoint without that default, says it has
 * none) and Block Public Access at the bucket level with all four settings on (GetPublicAccessBlock;
 * NoSuchPublicAccessBlockConfiguration means none is on). The account-level block is not read: the
 * bucket's own settings are what stay with the bucket. Empty when the bucket is protected. The
 * client's ExpectedBucketOwner middleware (expected-bucket-owner.ts) sends the owner on both calls.
 */
export async function missingBucketProtection(s3: S3Client, bucket: string): Promise<string[]> {
  const missing: string[] = [];
  try {
    const { ServerSideEncryptionConfiguration: config } = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    if (!config?.Rules?.some((r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm)) missing.push('default encryption (its configuration has no default rule)');
  } catch (err) {
    if ((err as Error).name !== 'ServerSideEncryptionConfigurationNotFoundError') throw err;
    missing.push('default encryption (GetBucketEncryption: ServerSideEncryptionConfigurationNotFoundError)');
  }
  try {
    const { PublicAccessBlockConfiguration: block } = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    const off = BLOCK_PUBLIC_ACCESS_FLAGS.filter((flag) => block?.[flag] !== true);
    if (off.length > 0) missing.push(`Block Public Access (${off.join(', ')} not on)`);
  } catch (err) {
    if ((err as Error).name !== 'NoSuchPublicAccessBlockConfiguration') throw err;
    missing.push('Block Public Access (the bucket has no public access block configuration)');
  }
  return missing;
}

/** Refuses a target bucket without default encryption or with public access not blocked, naming the bucket and what it lacks. */
export async function checkTargetBucketProtected(s3: S3Client, bucket: string): Promise<void> {
  const missing = await missingBucketProtection(s3, bucket);
  if (missing.length === 0) return;
  throw new RestoreTargetUnprotectedError(
    bucket,
    missing,
    `Invalid restore request: target.bucket: bucket ${bucket} lacks ${missing.join(' and ')}, so restored data could be stored unencrypted or made public; ` +
      `turn it on (aws s3api put-bucket-encryption / put-public-access-block --bucket ${bucket}) and start the restore again, or set "allowUnprotectedTarget": true to restore into it as it is`,
  );
}
