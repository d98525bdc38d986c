import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { KEY_USER_TAG } from './security-options';

/**
 * What no principal but the break-glass one may do to a vault bucket: delete an object version (the
 * only delete that destroys data in a versioned bucket), and change or remove what keeps versions and
 * locks in place (bucket policy, lifecycle, versioning, Object Lock, governance-mode bypass), or sends
 * new objects elsewhere: the default encryption (the vault's writes name no key, so a default key of an
 * attacker's would wrap every later pack, and its deletion would take them) and a replication
 * configuration (a copy of every object in a bucket of the attacker's).
 */
export const VAULT_TAMPERING_ACTIONS = [
  's3:DeleteObjectVersion',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutLifecycleConfiguration',
  's3:PutBucketVersioning',
  's3:PutBucketObjectLockConfiguration',
  's3:BypassGovernanceRetention',
  's3:PutEncryptionConfiguration',
  's3:PutReplicationConfiguration',
];

/**
 * What the primary account's roles do in a DR vault of another account (replicate, the scrub's repair,
 * restores and the catalog rebuild from the DR vault): read, list, add objects, abort their multipart
 * uploads and extend Object Lock retention. Never a delete: in a DR vault of another account, deleting
 * is the DR account's (its prune), so a compromised primary account cannot remove a copy. Storage tiers
 * (docs/ARCHITECTURE.md): replication writes packs with their plan's tier tag (PutObject with Tagging needs
 * s3:PutObjectTagging), the scrub's repair reads a healthy pack's tags to write them with the repaired copy
 * (s3:GetObjectTagging), and a restore from the DR vault thaws archived packs (s3:RestoreObject: a temporary copy).
 */
export const REMOTE_VAULT_USE_ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:PutObjectTagging',
  's3:GetObjectTagging',
  's3:RestoreObject',
  's3:AbortMultipartUpload',
  's3:ListBucket',
  's3:GetObjectRetention',
  's3:PutObjectRetention',
  's3:GetBucketObjectLockConfiguration',
];

/**
 * Lets the roles of `account` that carry `lifeboat:key-user` = `keyUser` (the protection's prefix) use
 * the vault as REMOTE_VAULT_USE_ACTIONS says: cross-account access needs the bucket's consent besides the
 * roles' own policies, which keep each role to its prefixes. By account and tag, not by role ARN: the
 * primary stack's role names are CloudFormation's, unknown to this stack, and a bucket policy naming a role
 * that does not exist yet is refused.
 */
export function allowVaultUseFrom(bucket: s3.IBucket, account: string, keyUser: string): void {
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'VaultUseByTheProtectionsRolesOfThePrimaryAccount',
      principals: [new iam.AccountPrincipal(account)],
      actions: REMOTE_VAULT_USE_ACTIONS,
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      conditions: { StringEquals: { [`aws:PrincipalTag/${KEY_USER_TAG}`]: keyUser } },
    }),
  );
}

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
