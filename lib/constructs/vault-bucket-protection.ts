import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * What no principal but the break-glass one may do to a vault bucket: delete an object version (the
 * only delete that destroys data in a versioned bucket), and change or remove what keeps versions and
 * locks in place (bucket policy, lifecycle, versioning, Object Lock, governance-mode bypass).
 */
export const VAULT_TAMPERING_ACTIONS = [
  's3:DeleteObjectVersion',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutLifecycleConfiguration',
  's3:PutBucketVersioning',
  's3:PutBucketObjectLockConfiguration',
  's3:BypassGovernanceRetention',
];

/**
 * Denies VAULT_TAMPERING_ACTIONS on the bucket and its objects to every principal whose ARN is not
 * `breakGlassArn` (docs/SECURITY.md, "Vault buckets"). CloudFormation's deployment role is among those
 * denied: the first deploy creates the settings (the policy does not exist yet when they are set), but
 * a later stack update that changes the bucket policy, lifecycle rules, versioning or Object Lock
 * fails with AccessDenied until it is deployed as the break-glass role (`cdk deploy --role-arn`).
 */
export function denyVaultTampering(bucket: s3.IBucket, breakGlassArn: string): void {
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyVaultTamperingButBreakGlass',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: VAULT_TAMPERING_ACTIONS,
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': breakGlassArn } },
    }),
  );
}
