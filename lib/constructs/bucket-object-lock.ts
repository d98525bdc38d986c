import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Whether a bucket of this app is created with Object Lock (its CfnBucket's ObjectLockEnabled, which a vault with
 * `immutability` sets): what a construct handed only the bucket can know of the vault's immutability, so that its
 * grants follow the bucket it is given rather than a flag that could disagree with it. Undefined for an imported bucket
 * (no CfnBucket in this app): nothing here can tell.
 */
export function bucketHasObjectLock(bucket: s3.IBucket): boolean | undefined {
  const cfn = bucket.node.defaultChild;
  if (!(cfn instanceof s3.CfnBucket)) return undefined;
  return cfn.objectLockEnabled === true;
}
