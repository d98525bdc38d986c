import { Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { type Construct } from 'constructs';
import { createProtectedKey } from './protected-key';

export type MirrorKeyProps = {
  readonly environmentName: string;
  /** The break-glass principal (security-options.ts, breakGlassPrincipalArn). */
  readonly breakGlassArn: string;
  /** The value of the key-user tag (KEY_USER_TAG) the replication roles carry: the protection's prefix. */
  readonly keyUser: string;
  /** The mirror buckets' names (`<prefix>-mirror-<source>`): the key is used for these buckets and their objects only. */
  readonly bucketNames: readonly string[];
  /**
   * Other accounts whose tagged roles replicate into the mirrors (the primary account, when the DR stack is in another one).
   * @default the key's own account only
   */
  readonly userAccounts?: readonly string[];
};

/**
 * The key of the S3 mirror buckets (docs/SECURITY.md, "Keys"; docs/ARCHITECTURE.md, "Mirrors"), in the DR stack:
 * their default encryption (with an S3 Bucket Key) and the `ReplicaKmsKeyID` of the replication rules. Not the DR
 * vault's key: a mirror is a live copy of the application's data, which the application's own roles read and write
 * after a failover, while the vault's key stays Lifeboat's alone and for the vault alone.
 *
 * A protected key (protected-key.ts: rotated, retained, break-glass only for its destruction), used only through S3
 * of the DR region and only with the encryption context of a mirror bucket (`aws:s3:arn` = the bucket, or one of its
 * objects when S3 uses no Bucket Key):
 * - `Encrypt`/`GenerateDataKey` by Lifeboat's roles (the key-user tag: the replication roles, of the primary account
 *   too when it is another one), which S3 Replication uses to write the replicas;
 * - `Decrypt`/`GenerateDataKey` by any IAM principal of the DR account whose IAM policies allow it: the application
 *   reading and writing its mirror after a failover (its roles are not Lifeboat's and carry no tag).
 */
export function createMirrorKey(scope: Construct, id: string, props: MirrorKeyProps): kms.Key {
  const stack = Stack.of(scope);
  if (props.bucketNames.length === 0) throw new Error(`${scope.node.path}/${id}: a mirrors' key needs the names of the mirror buckets it encrypts`);
  const viaS3AndMirrors = {
    StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
    StringLike: { 'kms:EncryptionContext:aws:s3:arn': props.bucketNames.flatMap((name) => [`arn:${stack.partition}:s3:::${name}`, `arn:${stack.partition}:s3:::${name}/*`]) },
  };
  return createProtectedKey(scope, id, {
    description: `Lifeboat ${props.environmentName} mirrors`,
    breakGlassArn: props.breakGlassArn,
    keyUser: props.keyUser,
    ...(props.userAccounts !== undefined && props.userAccounts.length > 0 ? { userAccounts: props.userAccounts } : {}),
    uses: [
      { actions: ['kms:Encrypt', 'kms:GenerateDataKey'], conditions: viaS3AndMirrors },
      { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], conditions: viaS3AndMirrors, by: 'account-iam' },
    ],
  });
}
