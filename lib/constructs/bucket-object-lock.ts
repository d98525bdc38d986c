import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Whether a bucket of this app is created with Object Lock (its CfnBucket's ObjectLockEnabled, which a vault with
 * `immutability` sets): what a construct handed only the bucket can know of the vault's immutability, so that its
 * grants follow the bucket it is given rather than a flag that could disagree with it. An imported bucket (no
 * CfnBucket in this app) answers false: its owner says so explicitly where it matters.
 */
export function bucketHasObjectLock(bucket: s3.IBucket): boolean {
  const cfn = bucket.node.defaultChild;
  return cfn instanceof s3.CfnBucket && cfn.objectLockEnabled === true;
}
