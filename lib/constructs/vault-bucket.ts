import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export type VaultBucketProps = {
  /** Physical bucket name; fixed so runbooks and the local cloud can address the vault by name. */
  readonly bucketName: string;
  /** Where S3 server access logs go (cdk-nag AwsSolutions-S1). */
  readonly accessLogsBucket: s3.IBucket;
};

/**
 * A vault: an S3 bucket encrypted with its own customer-managed KMS key (rotated yearly), TLS only,
 * public access blocked, versioned so an overwritten or deleted pack can still be recovered,
 * retained when the stack is deleted (a backup vault must outlive its infrastructure).
 */
export class VaultBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: VaultBucketProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: `Lifeboat vault ${props.bucketName}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: `${props.bucketName}/`,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        // Old versions exist only as a safety net against accidental overwrite/delete; prune keeps the vault's size honest.
        { noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
  }
}

/** The bucket that receives S3 server access logs of a stack's buckets. */
export function createAccessLogsBucket(scope: Construct, id: string, bucketName: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    bucketName,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: Duration.days(365) }],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This is the access-log destination itself; logging it into itself would loop.',
  });
  return bucket;
}
