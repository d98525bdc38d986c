import { type BucketLocationConstraint, type CreateBucketConfiguration } from '@aws-sdk/client-s3';

/**
 * The CreateBucket fields that put a new bucket in `region`: S3 takes a LocationConstraint for every
 * region but us-east-1, where it refuses one (InvalidLocationConstraint) and the bucket lands by default.
 */
export function bucketLocation(region: string): { CreateBucketConfiguration?: CreateBucketConfiguration } {
  return region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
}
