import { Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { type Construct } from 'constructs';
import { type KeyUse, createProtectedKey } from './protected-key';

export type MirrorKeyProps = {
  readonly environmentName: string;
  /** The break-glass principal (security-options.ts, breakGlassPrincipalArn). */
  readonly breakGlassArn: string;
  /** The value of the key-user tag (KEY_USER_TAG) the replication roles carry: the protection's prefix. */
  readonly keyUser: string;
  /** The mirror buckets' names (`<prefix>-mirror-<source>`): S3 uses the key for these buckets and their objects only. */
  readonly bucketNames: readonly string[];
  /**
   * Whether the environment's file system is mirrored: EFS replication then creates its read-only replica in the key's
   * region encrypted with this key.
   * @default false
   */
  readonly fileSystem?: boolean;
  /**
   * Other accounts whose tagged roles replicate into the mirrors (the primary account, when the DR stack is in another one).
   * @default the key's own account only
   */
  readonly userAccounts?: readonly string[];
};

/**
 * The mirrors' key (docs/SECURITY.md, "Keys"; docs/ARCHITECTURE.md, "Mirrors"), in the DR stack: the S3 mirror buckets'
 * default encryption (with an S3 Bucket Key), the `ReplicaKmsKeyID` of their replication rules, and the key of the EFS
 * replica of a mirrored file system. Not the DR vault's key: a mirror is a live copy of the application's data, which the
 * application's own roles read and write after a failover, while the vault's key stays Lifeboat's alone and for the vault alone.
 *
 * One key for every mirror of a protection, S3 and EFS, rather than a key per kind: each use below is confined to its own
 * service by `kms:ViaService` (and S3's to the mirror buckets' context), so a second key would separate nothing more; and an
 * EFS replica's key is fixed when EFS creates it (DestinationToCreate: "you cannot change the KMS key"), so the key must
 * outlive any later change of which S3 sources are mirrored: one key under one logical id, made while any mirror exists,
 * does, and DrKeyArns pins a single ARN for the primary region.
 *
 * A protected key (protected-key.ts: rotated, retained, break-glass only for its destruction), used only this way:
 * - S3 of the DR region, only with the encryption context of a mirror bucket (`aws:s3:arn` = the bucket, or one of its
 *   objects when S3 uses no Bucket Key): `Encrypt`/`GenerateDataKey` by Lifeboat's roles (the key-user tag: the
 *   replication roles, of the primary account too when it is another one), which S3 Replication uses to write the
 *   replicas; `Decrypt`/`GenerateDataKey` by any IAM principal of the DR account whose IAM policies allow it: the
 *   application reading and writing its mirror after a failover (its roles are not Lifeboat's and carry no tag).
 * - EFS of the DR region (`kms:ViaService` = `elasticfilesystem.<DR region>.amazonaws.com`), by Lifeboat's roles only:
 *   the source-replication function, whose CreateReplicationConfiguration makes EFS create the replica with its rights.
 *   The EFS User Guide ("Amazon EFS key policies for AWS KMS", encryption-at-rest) names four permissions an encrypted
 *   file system requires: `kms:Decrypt`, `kms:GenerateDataKeyWithoutPlaintext`, `kms:CreateGrant` and `kms:DescribeKey`
 *   (`Encrypt`, `ReEncrypt` and `ListAliases` optional, not given). The first two are this use; `CreateGrant` for AWS
 *   resources (`kms:GrantIsForAWSResource`) and `DescribeKey` are what every protected key already lets the account's IAM
 *   grant. EFS then reads and writes the file system's data through its grant ("handled transparently"), so NFS clients
 *   mounting the replica (the mirror check, the application after a failover) need no permission on the key; the KMS
 *   Developer Guide lists `elasticfilesystem.AWS_region.amazonaws.com` among the services that support `kms:ViaService`.
 */
export function createMirrorKey(scope: Construct, id: string, props: MirrorKeyProps): kms.Key {
  const stack = Stack.of(scope);
  if (props.bucketNames.length === 0 && props.fileSystem !== true) {
    throw new Error(`${scope.node.path}/${id}: a mirrors' key needs the names of the mirror buckets it encrypts, or a mirrored file system`);
  }
  const uses: KeyUse[] = [];
  if (props.bucketNames.length > 0) {
    const viaS3AndMirrors = {
      StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': props.bucketNames.flatMap((name) => [`arn:${stack.partition}:s3:::${name}`, `arn:${stack.partition}:s3:::${name}/*`]) },
    };
    uses.push({ actions: ['kms:Encrypt', 'kms:GenerateDataKey'], conditions: viaS3AndMirrors }, { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], conditions: viaS3AndMirrors, by: 'account-iam' });
  }
  if (props.fileSystem === true) uses.push({ actions: [...EFS_KEY_USE_ACTIONS], conditions: { StringEquals: { 'kms:ViaService': efsViaService(stack.region) } } });
  return createProtectedKey(scope, id, {
    description: `Lifeboat ${props.environmentName} mirrors`,
    breakGlassArn: props.breakGlassArn,
    keyUser: props.keyUser,
    ...(props.userAccounts !== undefined && props.userAccounts.length > 0 ? { userAccounts: props.userAccounts } : {}),
    uses,
  });
}

/** The data-key operations EFS performs with the creator's rights when it creates an encrypted file system (EFS User Guide, "Amazon EFS key policies for AWS KMS"). */
export const EFS_KEY_USE_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext'] as const;

/** `kms:ViaService` of EFS in a region: only EFS of the key's own region can use it. */
export function efsViaService(region: string): string {
  return `elasticfilesystem.${region}.amazonaws.com`;
}
