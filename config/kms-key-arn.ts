import { z } from 'zod';
import { partitionOf } from './aws-partition';

/**
 * A customer managed KMS key named in the config by its ARN (an S3 source's `kmsKeyArn`). By the key's ARN, never an
 * alias's: KMS authorizes kms:Decrypt against the key itself, so a grant on an alias ARN never matches the request S3
 * makes for an object. Key ids are UUIDs, or `mrk-` and 32 hex digits for a multi-Region key.
 */
const KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

export const KMS_KEY_ARN_EXAMPLE = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

export type KmsKeyArnParts = { readonly partition: string; readonly region: string; readonly account: string; readonly keyId: string };

/** The parts of a KMS key ARN, or undefined when `text` is not one (an alias ARN, a bare key id). */
export function parseKmsKeyArn(text: string): KmsKeyArnParts | undefined {
  const m = KEY_ARN.exec(text);
  if (!m?.[1] || !m[2] || !m[3] || !m[4]) return undefined;
  return { partition: m[1], region: m[2], account: m[3], keyId: m[4] };
}


/** A KMS key ARN as the config accepts it: well formed, and in the partition of its own region. */
export const kmsKeyArnSchema = z.string().superRefine((text, ctx) => {
  const parts = parseKmsKeyArn(text);
  if (!parts) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id>, such as ${KMS_KEY_ARN_EXAMPLE} (the key's ARN, not an alias's: aws kms describe-key --key-id <alias or id> prints it)`,
    });
    return;
  }
  const partition = partitionOf(parts.region);
  if (parts.partition !== partition) ctx.addIssue({ code: 'custom', message: `names partition ${parts.partition}, but keys of ${parts.region} are in partition ${partition}: write arn:${partition}:kms:…` });
});

/**
 * Why a source bucket or table in `sourceRegion` cannot be encrypted with the key `keyArn` (a well-formed key ARN), or
 * undefined. S3 and DynamoDB encrypt only with a key of the resource's own region, so a key of another region is a
 * mistyped ARN, and the grants made for it would leave the real key ungranted (every backup's reads refused).
 */
export function sourceKeyRegionIssue(keyArn: string, sourceRegion: string, kind: 'bucket' | 'table' | 'inventory' = 'bucket'): string | undefined {
  const parts = parseKmsKeyArn(keyArn);
  if (!parts || parts.region === sourceRegion) return undefined;
  switch (kind) {
    case 'bucket':
      return `is a key of ${parts.region}, but the bucket is in the primary region ${sourceRegion} (S3 encrypts a bucket's objects only with a key of the bucket's region): give the key the bucket's default encryption names (aws s3api get-bucket-encryption --bucket <bucket>)`;
    case 'table':
      return `is a key of ${parts.region}, but the table is in the primary region ${sourceRegion} (DynamoDB encrypts a table only with a key of its region): give the key the table names (aws dynamodb describe-table --table-name <table>: SSEDescription.KMSMasterKeyArn)`;
    case 'inventory':
      // S3 Inventory delivers only to a bucket of the source bucket's region, and encrypts there with a key of that region.
      return `is a key of ${parts.region}, but the inventory bucket is in the source bucket's region, the primary region ${sourceRegion} (S3 encrypts inventory reports only with a key of that region): give the key the inventory configuration names (aws s3api get-bucket-inventory-configuration --bucket <source bucket> --id <configId>: Destination.S3BucketDestination.Encryption.SSEKMS.KeyId)`;
  }
}
