import { Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { PACK_TIER_TAG, type StorageTiersInput } from '../../config/storage-tiers';
import { VAULT_NONCURRENT_VERSION_DAYS } from '../lifeboat-defaults';
import { createAccessLogsBucket } from './access-logs-bucket';
import { createProtectedKey } from './protected-key';
import { breakGlassPrincipalArn, KEY_USER_TAG } from './security-options';
import { allowVaultUseFrom, denyVaultTampering } from './vault-bucket-protection';
import { InvalidLifeboatPropsError } from './invalid-props-error';

/** S3 Object Lock of a vault: the default retention every object gets when it is written. */
export type LifeboatVaultImmutability = {
  /** COMPLIANCE: no one can delete a retained object, not even the account root; GOVERNANCE: only with s3:BypassGovernanceRetention. */
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  /** Days an object stays retained after it is written (commit extends it for what a new backup references). 1 to 36,500. */
  readonly days: number;
};

export type LifeboatVaultProps = {
  /** Physical bucket name; fixed so runbooks, the CLI and the local cloud can address the vault by name. */
  readonly bucketName: string;
  /**
   * An alias for the vault's KMS key (`alias/...`), created next to the vault as `<id>KeyAlias`: the CLI and
   * the functions of another region name the key by it.
   * @default no alias
   */
  readonly keyAlias?: string;
  /**
   * Where S3 server access logs of the vault go (cdk-nag AwsSolutions-S1).
   * @default a new access-log bucket next to the vault (`<id>AccessLogs`), named by CloudFormation
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * Object Lock on the bucket with this default retention (and on the replica, unless it sets its own).
   * Given to a deployed vault, it turns Object Lock on in place (S3 allows it on a versioned bucket; CloudFormation
   * updates ObjectLockEnabled without replacement), in a deploy as the break-glass role, whom alone the bucket policy
   * lets change it. It can never be turned off again.
   * @default no Object Lock
   */
  readonly immutability?: LifeboatVaultImmutability;
  /**
   * The only principal that may destroy the key or the bucket's versions and settings (security-options.ts); of the
   * replica too, unless it sets its own.
   * @default the account's root user
   */
  readonly breakGlassRoleArn?: string;
  /**
   * The value of the `lifeboat:key-user` tag a role must carry to use the vault's key (protected-key.ts).
   * @default the bucket name; a replica's, its primary's keyUser (a workflow uses both keys, and a role carries one value)
   */
  readonly keyUser?: string;
  /**
   * Per plan, where the packs its backups write move after some days: one lifecycle rule per plan with `storage`, on the
   * packs' prefix `data/` and the tag the pack writer gives them (`lifeboat-tier=<plan name>`); the replica gets the same
   * rules. Validated by the plan schema (config/storage-tiers.ts) before it gets here.
   * @default packs stay in S3 Standard
   */
  readonly packTiers?: readonly PackTiers[];
  /**
   * Another account whose roles tagged `lifeboat:key-user` = `keyUser` may use this vault: the primary account,
   * when this is the DR vault of a DR stack in another account (docs/DEPLOYMENT.md). Its key policy and bucket
   * policy let them read, add and extend retention (never delete); their own IAM narrows each role further.
   * @default the vault's own account only
   */
  readonly userAccount?: string;
  /**
   * A replica vault in another region (its scope is in a stack of that region), which the backup workflow
   * copies every committed backup into. Same settings (key user, Object Lock, pack tiers, break-glass role) unless
   * it sets its own, its own key.
   * @default no replica
   */
  readonly replica?: LifeboatVaultReplicaProps;
};

/** The storage tiers of one plan's packs. */
export type PackTiers = { readonly name: string; readonly storage?: StorageTiersInput | undefined };

/** The key prefix of packs (docs/FORMAT.md §1): the only objects that ever leave S3 Standard. */
const PACKS_PREFIX = 'data/';

const STORAGE_CLASSES: Record<string, s3.StorageClass> = {
  STANDARD_IA: s3.StorageClass.INFREQUENT_ACCESS,
  INTELLIGENT_TIERING: s3.StorageClass.INTELLIGENT_TIERING,
  GLACIER_IR: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
  GLACIER: s3.StorageClass.GLACIER,
  DEEP_ARCHIVE: s3.StorageClass.DEEP_ARCHIVE,
};

/** One lifecycle rule per plan with storage tiers: its packs (prefix and tag) move as the plan says; nothing else does. */
export function packTierRules(plans: readonly PackTiers[]): s3.LifecycleRule[] {
  return plans.flatMap((plan) => {
    const steps = [plan.storage?.transition, plan.storage?.archive].filter((t) => t !== undefined);
    if (steps.length === 0) return [];
    return [
      {
        id: `lifeboat-tier-${plan.name}`,
        prefix: PACKS_PREFIX,
        tagFilters: { [PACK_TIER_TAG]: plan.name },
        transitions: steps.map((t) => ({ storageClass: STORAGE_CLASSES[t.storageClass] ?? s3.StorageClass.GLACIER, transitionAfter: Duration.days(t.afterDays) })),
      },
    ];
  });
}

export type LifeboatVaultReplicaProps = Omit<LifeboatVaultProps, 'replica'> & {
  /**
   * The replica's break-glass principal. A role of another account than the replica's stands for that account's root
   * user there (synth warns): KMS lets no principal of another account change a key's policy.
   * @default the primary vault's breakGlassRoleArn, else the replica account's root user
   */
  readonly breakGlassRoleArn?: string;
  /** Where the replica is created: a construct in a stack of the other region. */
  readonly scope: Construct;
  /** @default 'ReplicaVault' */
  readonly id?: string;
};

/** The key user each scope's roles were admitted to (LifeboatVault.admitRolesOf). */
const admittedKeyUsers = new WeakMap<IConstruct, string>();

/**
 * A vault: an S3 bucket encrypted with its own customer-managed KMS key (rotated yearly), TLS only
 * (a bucket policy denies anything else), public access blocked, versioned so an overwritten or
 * deleted pack can still be recovered, retained when the stack is deleted (a backup vault must
 * outlive its infrastructure); optionally with a replica vault in another region. The key's policy
 * allows its use only to roles tagged `lifeboat:key-user=<keyUser>` through S3 or with the vault's
 * encryption context (protected-key.ts); key destruction, version deletes and changes of the bucket's
 * policy, lifecycle, versioning and Object Lock are denied to all but the break-glass principal
 * (vault-bucket-protection.ts, docs/SECURITY.md).
 */
export class LifeboatVault extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
  readonly keyAlias?: kms.Alias;
  /** The replica vault, when `replica` was given. */
  readonly replica?: LifeboatVault;
  /** The `lifeboat:key-user` tag value a role must carry to use this vault's key (`keyUser`, else the bucket name). */
  readonly keyUser: string;

  constructor(scope: Construct, id: string, props: LifeboatVaultProps) {
    super(scope, id);
    const accessLogs = props.accessLogsBucket ?? createAccessLogsBucket(scope, `${id}AccessLogs`);
    const stack = Stack.of(this);
    const breakGlassArn = breakGlassPrincipalArn(stack, props.breakGlassRoleArn !== undefined ? { breakGlassRoleArn: props.breakGlassRoleArn } : undefined);
    const bucketArn = `arn:${stack.partition}:s3:::${props.bucketName}`;
    this.keyUser = props.keyUser ?? props.bucketName;
    this.key = createProtectedKey(this, 'Key', {
      description: `Lifeboat vault ${props.bucketName}`,
      breakGlassArn,
      keyUser: this.keyUser,
      ...(props.userAccount !== undefined ? { userAccounts: [props.userAccount] } : {}),
      uses: [
        // SSE-KMS of the vault's objects, only through S3 and only for this bucket (its Bucket Key's context is the bucket ARN).
        {
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': bucketArn } },
        },
        // Wrapping and unwrapping the vault's master key (keys/), bound to this vault by the context the functions and the CLI send.
        { actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], conditions: { StringEquals: { 'kms:EncryptionContext:lifeboat:vault': props.bucketName } } },
      ],
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
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: `${props.bucketName}/`,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.immutability
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention:
              props.immutability.mode === 'COMPLIANCE'
                ? s3.ObjectLockRetention.compliance(Duration.days(props.immutability.days))
                : s3.ObjectLockRetention.governance(Duration.days(props.immutability.days)),
          }
        : {}),
      lifecycleRules: [
        // Old versions exist only as a safety net against accidental overwrite/delete; prune keeps the vault's size honest.
        { noncurrentVersionExpiration: Duration.days(VAULT_NONCURRENT_VERSION_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(7) },
        ...packTierRules(props.packTiers ?? []),
      ],
    });
    denyVaultTampering(this.bucket, breakGlassArn);
    if (props.userAccount !== undefined) allowVaultUseFrom(this.bucket, props.userAccount, props.keyUser ?? props.bucketName, props.immutability);
    // Kept with the bucket when the stack is deleted (audit a61A F2): its own tamper guard denies s3:DeleteBucketPolicy to
    // CloudFormation's role, so deleting it left the stack DELETE_FAILED half-way; and a kept vault is safer with its denies.
    this.bucket.policy?.applyRemovalPolicy(RemovalPolicy.RETAIN);
    // A sibling, not a child: the alias keeps the logical id it had before vaults were constructs of their own.
    if (props.keyAlias !== undefined) this.keyAlias = new kms.Alias(scope, `${id}KeyAlias`, { aliasName: props.keyAlias, targetKey: this.key });
    if (props.replica) {
      const { scope: replicaScope, id: replicaId, ...replica } = props.replica;
      this.replica = new LifeboatVault(replicaScope, replicaId ?? 'ReplicaVault', {
        // The same key user as this vault: a workflow uses both keys, and a role carries one lifeboat:key-user value.
        keyUser: this.keyUser,
        ...(props.immutability ? { immutability: props.immutability } : {}),
        ...(props.packTiers ? { packTiers: props.packTiers } : {}),
        // Else the replica's denies exempt its account's root user alone, and the configured role is refused there.
        ...(props.breakGlassRoleArn !== undefined ? { breakGlassRoleArn: props.breakGlassRoleArn } : {}),
        ...replica,
      });
    }
  }

  /**
   * Lets the functions and state machines under `scope` use this vault: its key's policy admits only roles tagged
   * `lifeboat:key-user=<keyUser>` (protected-key.ts), so every IAM role in `scope` gets that tag. LifeboatProtection
   * tags its own roles; an app that assembles the parts itself (a BackupWorkflow of its own beside this vault) calls
   * this on each workflow, or every KMS call of that workflow is refused in AWS. Their IAM grants are unchanged.
   */
  admitRolesOf(scope: IConstruct): void {
    // A role carries one value of the tag: a second vault of another key user would silently take the first one's roles away.
    const admitted = admittedKeyUsers.get(scope);
    if (admitted !== undefined && admitted !== this.keyUser) {
      throw new InvalidLifeboatPropsError(`LifeboatVault ${this.node.path}`, [
        `admitRolesOf: the roles of ${scope.node.path} are admitted to the vaults of key user "${admitted}" already, and a role carries one lifeboat:key-user value; give this vault (and its replica) keyUser "${admitted}" too`,
      ]);
    }
    admittedKeyUsers.set(scope, this.keyUser);
    Tags.of(scope).add(KEY_USER_TAG, this.keyUser, { includeResourceTypes: ['AWS::IAM::Role'] });
  }
}
