import { Annotations, CustomResource, Duration, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { type EfsMountConfig, mirrorOf } from '../../config/lifeboat-config';
import { REPLICATION_TIME_MINUTES, VAULT_NONCURRENT_VERSION_DAYS } from '../lifeboat-defaults';
import { InvalidLifeboatPropsError } from './invalid-props-error';
import { LifeboatFunction } from './lifeboat-function';
import { type LifeboatSource } from './lifeboat-source';
import { acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { ownedBy, sourceBucketAccount } from './bucket-owner-condition';
import { type DrKeyArns } from './dr-key-arns';
import { createMirrorKey, EFS_KEY_USE_ACTIONS, efsViaService } from './mirror-key';
import { KEY_USER_TAG } from './security-options';

/**
 * Why the DR replica a mirrored table gets (a TableV2 of `stack`: SourceMirrors adds it) cannot be made, or undefined:
 * a customer-managed key with no replica key for the DR region. CDK would otherwise fail at synth with a resolution error
 * that names neither the source nor `mirror`.
 */
export function mirroredTableIssue(table: dynamodb.ITable, stack: Stack, drRegion: string): string | undefined {
  if (!(table instanceof dynamodb.TableV2) || Stack.of(table) !== stack) return undefined;
  // TableV2 keeps its encryption private (no public getter). Read defensively: should CDK rename the field, this finds
  // nothing and CDK's own error remains.
  const encryption: unknown = Reflect.get(table, 'encryption');
  if (!(encryption instanceof dynamodb.TableEncryptionV2) || encryption.type !== dynamodb.TableEncryption.CUSTOMER_MANAGED) return undefined;
  if (encryption.replicaKeyArns !== undefined && Object.hasOwn(encryption.replicaKeyArns, drRegion)) return undefined;
  return (
    `table ${table.node.path} is encrypted with a customer-managed key that has no replica key for ${drRegion}, where its mirror (a replica) goes: ` +
    `add one, TableEncryptionV2.customerManagedKey(key, { '${drRegion}': '<ARN of a key in ${drRegion}>' }), or drop mirror`
  );
}

/**
 * How long a mirror bucket keeps a version its source overwrote or deleted (a replicated overwrite or delete marker makes
 * the mirror's copy noncurrent): a month to take back what a bad write replicated, as the vault keeps its own. Without it
 * (audit aS6-1) the mirror grew with the source's whole history, which nothing else removes.
 */
export const MIRROR_NONCURRENT_VERSION_DAYS = VAULT_NONCURRENT_VERSION_DAYS;

/** CloudFormation type of the custom resource that puts a replication configuration on a bucket Lifeboat does not own. */
export const BUCKET_REPLICATION_RESOURCE_TYPE = 'Custom::LifeboatBucketReplication';
/** CloudFormation type of the custom resource that starts EFS replication of the environment's file system. */
export const FILE_SYSTEM_REPLICATION_RESOURCE_TYPE = 'Custom::LifeboatFileSystemReplication';
/**
 * The id of the one rule an earlier Lifeboat put on every mirrored bucket, whatever the environment or source: the
 * custom resource still takes it for its own where its properties name it (an existing deployment's Update replaces it).
 */
export const LEGACY_MIRROR_RULE_ID = 'lifeboat-mirror';

/**
 * The id of the replication rule of one environment's mirror of one source: `lifeboat-mirror.<prefix>.<source>`. It
 * is unique to the environment and the source, so that the custom resource tells its own rule from another
 * environment's on the same bucket (lambdas/mirror/source-replication-resource.ts); dots, which neither a prefix nor
 * a source name may hold, keep the two parts apart. At most 16 + 63 characters (the mirror bucket's name bounds
 * prefix and source together), well within S3's 255.
 */
export function mirrorRuleId(mirrorBucketPrefix: string, sourceName: string): string {
  // lifeboat-names.ts makes the mirror bucket prefix `<prefix>-mirror-`: the rule names the prefix itself.
  return `${LEGACY_MIRROR_RULE_ID}.${mirrorBucketPrefix.replace(/-mirror-$/, '')}.${sourceName}`;
}

export type SourceMirrorsProps = {
  readonly environmentName: string;
  /** The protection's sources; those with `mirror` get one. */
  readonly sources: readonly LifeboatSource[];
  /** Where the mirror buckets go: a construct in the DR stack. */
  readonly drScope: Construct;
  readonly drRegion: string;
  /** `<prefix>-mirror-`: a mirror bucket is this plus the source's name. */
  readonly mirrorBucketPrefix: string;
  /** The lookup that pins the mirrors' key's ARN for the primary region, as it does the DR vault's (no cross-region reference). */
  readonly drKeyArns: DrKeyArns;
  /** The value of the key-user tag (KEY_USER_TAG) of the protection's roles: the replication roles and the source-replication function carry it, the mirrors' key requires it. */
  readonly keyUser: string;
  /** The break-glass principal of the mirrors' key (security-options.ts, breakGlassPrincipalArn of the DR stack). */
  readonly breakGlassArn: string;
  /**
   * The primary account, when the DR stack is in another one: its tagged replication roles may use the mirrors' key.
   * @default the DR stack's account only
   */
  readonly userAccount?: string;
  /** The DR region's access-log bucket (cdk-nag AwsSolutions-S1). */
  readonly drAccessLogs: s3.IBucket;
  /** The environment's EFS file system, replicated when a file-system source is mirrored. */
  readonly fileSystem?: EfsMountConfig;
};

/** One S3 source's mirror: the bucket in the DR region and the role S3 replicates with. */
export type S3Mirror = { readonly source: LifeboatSource; readonly bucketName: string; readonly bucket: s3.Bucket; readonly role: iam.Role; readonly how: 'template' | 'custom-resource' };

/**
 * The native replication of every mirrored source into the DR region (docs/ARCHITECTURE.md, "Mirrors"):
 *
 * - **S3**: a mirror bucket `<prefix>-mirror-<source>` in the DR stack (versioned, encrypted with the
 *   mirrors' own key, TLS only, public access blocked, access-logged, retained; versions its source overwrote or deleted
 *   expire after MIRROR_NONCURRENT_VERSION_DAYS, and so do the delete markers left with no version), a replication role per
 *   source in the protection's stack (tagged `lifeboat:key-user`) that reads only the source's objects
 *   under its prefix and writes only replicas into its mirror, and one rule with Replication Time Control
 *   on the source bucket (`lifeboat-mirror.<prefix>.<source>`), whose replicas are encrypted with the mirrors' key too. The mirrors' key
 *   (mirror-key.ts, one per protection, in the DR stack) is not the DR vault's: a mirror is the
 *   application's data, which the DR account's own roles read and write after a failover (through S3,
 *   for the mirror buckets only), while the vault's key serves the vault alone. A bucket this
 *   stack owns gets the rule (and versioning) through its CfnBucket, so CloudFormation owns the
 *   configuration; any other bucket gets it from the custom resource `Custom::LifeboatBucketReplication`
 *   (PutBucketReplication; it keeps rules of the bucket's owner only under the same role, and refuses
 *   another environment's mirror rule), and its versioning is a
 *   precondition: Lifeboat does not switch on versioning of a bucket it does not own (it cannot be
 *   switched off again).
 * - **DynamoDB**: a `TableV2` of this stack gets a replica in the DR region; for any other table the
 *   replica is a precondition, which the mirror check verifies (and synth warns about).
 * - **EFS**: `Custom::LifeboatFileSystemReplication` creates the replication of the whole file system into
 *   a new read-only file system in the DR region, encrypted with the mirrors' key too (EFS replicates file
 *   systems, not directories). No mirror names the DR vault's key, whose policy allows neither S3 Replication
 *   nor EFS, and which serves the vault alone.
 */
export class SourceMirrors extends Construct {
  readonly s3: S3Mirror[] = [];
  /** The source each imported bucket (by name) is mirrored for: a second mirrored source of it is refused, as for an owned bucket. */
  private readonly importedMirrored = new Map<string, string>();
  /** The mirrors' key (in the DR stack), when an S3 source or the file system is mirrored: the mirror buckets', their replicas' and the EFS replica's encryption. */
  readonly key?: kms.Key;
  /** Its ARN as the primary region names it (DrKeyArns), when there is the key. */
  readonly keyArn?: string;
  /** The custom-resource function, when a source needs it. */
  readonly provider?: LifeboatFunction;

  constructor(scope: Construct, id: string, props: SourceMirrorsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const mirrored = props.sources.filter((s) => mirrorOf(s.config) !== undefined);
    const needsBucketResource = mirrored.some((s) => s.config.type === 's3' && s.bucket && !ownedCfnBucket(s.bucket, stack));
    const needsProvider = needsBucketResource || mirrored.some((s) => s.config.type === 'filesystem');
    const provider = needsProvider ? new LifeboatFunction(this, 'SourceReplication', { handler: 'source-replication', environment: { LIFEBOAT_ENVIRONMENT: props.environmentName } }) : undefined;
    // A bucket's Update that would be refused passes only while this stack rolls back (source-replication-resource.ts):
    // its own stack's status, by its id (a nested stack's own), nothing else.
    if (provider && needsBucketResource) provider.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] }));
    if (provider) this.provider = provider;
    const wildcards: string[] = [];
    const s3Mirrored = mirrored.filter((s) => s.config.type === 's3' && s.bucket);
    const fileSystemMirrored = props.fileSystem !== undefined && mirrored.some((s) => s.config.type === 'filesystem');
    let mirrorKey: { readonly key: kms.IKey; readonly arn: string } | undefined;
    if (s3Mirrored.length > 0 || fileSystemMirrored) {
      const key = createMirrorKey(props.drScope, 'MirrorKey', {
        environmentName: props.environmentName,
        breakGlassArn: props.breakGlassArn,
        keyUser: props.keyUser,
        bucketNames: s3Mirrored.map((s) => mirrorBucketName(props, s)),
        fileSystem: fileSystemMirrored,
        ...(props.userAccount !== undefined ? { userAccounts: [props.userAccount] } : {}),
      });
      const arn = props.drKeyArns.keyArn('MirrorKey', key);
      this.key = key;
      this.keyArn = arn;
      mirrorKey = { key, arn };
    }

    for (const source of mirrored) {
      const { config } = source;
      if (config.type === 's3' && source.bucket && mirrorKey) {
        const mirror = this.mirrorS3(source, source.bucket, props, mirrorKey, provider);
        this.s3.push(mirror);
        wildcards.push(source.bucket.arnForObjects(`${config.prefix}*`), `arn:${stack.partition}:s3:::${mirror.bucketName}/*`);
      } else if (config.type === 'dynamodb' && source.table) {
        this.mirrorTable(source, source.table, props.drRegion);
      } else if (config.type === 'filesystem') {
        if (!props.fileSystem) {
          throw new InvalidLifeboatPropsError(`LifeboatProtection ${scope.node.path}`, [
            `plans: source "${source.name}" has mirror, but the protection has no fileSystem: EFS replication needs the file system's id (give fileSystem, or drop mirror)`,
          ]);
        }
        if (provider && mirrorKey) wildcards.push(...this.mirrorFileSystem(props.fileSystem, props, mirrorKey.arn, provider));
      }
    }
    if (provider) {
      wildcards.push(`${provider.functionArn}:*`);
      if (provider.role) acknowledgeXRayWildcard(provider.role);
    }
    acknowledgeScopedWildcards(this, wildcards);
  }

  private mirrorS3(
    source: LifeboatSource,
    bucket: s3.IBucket,
    props: SourceMirrorsProps,
    mirrorKey: { readonly key: kms.IKey; readonly arn: string },
    provider: LifeboatFunction | undefined,
  ): S3Mirror {
    const stack = Stack.of(this);
    const config = source.config;
    if (config.type !== 's3') throw new Error('not an S3 source');
    const bucketName = mirrorBucketName(props, source);
    if (!Token.isUnresolved(bucketName) && bucketName.length > 63) {
      throw new InvalidLifeboatPropsError(`LifeboatProtection ${this.node.scope?.node.path ?? ''}`, [
        `plans: the mirror bucket of source "${source.name}" would be ${bucketName} (${bucketName.length} characters); S3 allows 63: shorten the prefix or the source name`,
      ]);
    }
    const mirrorBucket = new s3.Bucket(props.drScope, `Mirror-${source.name}`, {
      bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: mirrorKey.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // S3 Replication requires versioning on both sides.
      versioned: true,
      serverAccessLogsBucket: props.drAccessLogs,
      serverAccessLogsPrefix: `${bucketName}/`,
      lifecycleRules: [
        { id: 'noncurrent-versions', noncurrentVersionExpiration: Duration.days(MIRROR_NONCURRENT_VERSION_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(7) },
        // Once the version a replicated delete marker hid has expired, the marker is all that is left of the key: it goes too.
        { id: 'expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
      // The mirror is the copy a failover switches to: it outlives the stack, as the vaults do.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const mirrorArn = `arn:${stack.partition}:s3:::${bucketName}`;
    const role = new iam.Role(this, `ReplicationRole-${source.name}`, {
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
      description: `Lifeboat ${props.environmentName}: S3 replicates source ${source.name} into ${bucketName} with it`,
    });
    // The mirrors' key lets only tagged roles encrypt (mirror-key.ts): S3 Replication writes the replicas with this role. Its IAM names no other Lifeboat key.
    Tags.of(role).add(KEY_USER_TAG, props.keyUser);
    const allow = (statement: iam.PolicyStatementProps): void => {
      role.addToPolicy(new iam.PolicyStatement(statement));
    };
    allow({ actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'], resources: [bucket.bucketArn], conditions: ownedBy(sourceBucketAccount(stack, source)) });
    allow({ actions: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'], resources: [bucket.arnForObjects(`${config.prefix}*`)], conditions: ownedBy(sourceBucketAccount(stack, source)) });
    // The mirror bucket is the DR stack's: pinned to its account, so a bucket of that name in another account (ours deleted
    // out of band while the rule is live) never receives the replicas, whatever its bucket policy allows.
    const drAccount = Stack.of(props.drScope).account;
    allow({ actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], resources: [`${mirrorArn}/*`], conditions: ownedBy(Token.isUnresolved(drAccount) ? stack.account : drAccount) });
    // Each key only as S3 uses it for this replication, as the S3 User Guide's replication role policy for SSE-KMS objects
    // conditions it ("Replicating encrypted objects"): S3 of the key's region, with the encryption context S3 gives the
    // object (its ARN, or its bucket's when S3 uses a Bucket Key). So the role decrypts no more than the source objects it
    // replicates and encrypts only replicas in its mirror, never by calling KMS itself (audit a59B F6 left this grant bare).
    // The mirrors' key by the ARN DrKeyArns pinned at deploy time (another region, another stack).
    // kms:Decrypt too: the mirror uses an S3 Bucket Key, whose integrity S3 checks with a Decrypt as this role before
    // using it (S3 User Guide, "S3 Bucket Keys and replication"); without it replicas fail to replicate (review r60G F4).
    allow({ actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'], resources: [mirrorKey.arn], conditions: throughS3Of(props.drRegion, [mirrorArn, `${mirrorArn}/*`]) });
    if (bucket.encryptionKey) {
      allow({ actions: ['kms:Decrypt'], resources: [bucket.encryptionKey.keyArn], conditions: throughS3Of(stack.region, [bucket.bucketArn, bucket.arnForObjects(`${config.prefix}*`)]) });
    }
    acknowledgeXRayWildcard(role);

    const deleteMarkers = mirrorOf(config)?.deleteMarkers ?? true;
    const rule = {
      Id: mirrorRuleId(props.mirrorBucketPrefix, source.name),
      Status: 'Enabled',
      // The custom resource puts it above the priorities of the owner's rules it keeps (S3 wants them distinct).
      Priority: 0,
      Filter: { Prefix: config.prefix },
      DeleteMarkerReplication: { Status: deleteMarkers ? 'Enabled' : 'Disabled' },
      // Objects the source encrypts with KMS are re-encrypted with the mirrors' key; the mirror's default encryption covers the rest.
      SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
      Destination: {
        Bucket: mirrorArn,
        EncryptionConfiguration: { ReplicaKmsKeyID: mirrorKey.arn },
        ReplicationTime: { Status: 'Enabled', Time: { Minutes: REPLICATION_TIME_MINUTES } },
        Metrics: { Status: 'Enabled', EventThreshold: { Minutes: REPLICATION_TIME_MINUTES } },
      },
    };
    const cfnBucket = ownedCfnBucket(bucket, stack);
    if (cfnBucket) {
      if (cfnBucket.replicationConfiguration !== undefined) {
        const mirroredFor = MIRRORED_BUCKETS.get(cfnBucket);
        if (mirroredFor !== undefined) this.refuseMirroredAgain(source, bucket.node.path, mirroredFor);
        throw new InvalidLifeboatPropsError(`LifeboatProtection ${this.node.scope?.node.path ?? ''}`, [
          `plans: source "${source.name}": bucket ${bucket.node.path} has a replication configuration of its own; S3 allows one per bucket: drop mirror, or add Lifeboat's rule to yours`,
        ]);
      }
      MIRRORED_BUCKETS.set(cfnBucket, source.name);
      cfnBucket.versioningConfiguration = { status: 'Enabled' };
      cfnBucket.replicationConfiguration = {
        role: role.roleArn,
        rules: [
          {
            id: rule.Id,
            status: rule.Status,
            priority: rule.Priority,
            filter: { prefix: config.prefix },
            deleteMarkerReplication: { status: rule.DeleteMarkerReplication.Status },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
            destination: {
              bucket: mirrorArn,
              encryptionConfiguration: { replicaKmsKeyId: mirrorKey.arn },
              replicationTime: { status: 'Enabled', time: { minutes: REPLICATION_TIME_MINUTES } },
              metrics: { status: 'Enabled', eventThreshold: { minutes: REPLICATION_TIME_MINUTES } },
            },
          },
        ],
      };
      return { source, bucketName, bucket: mirrorBucket, role, how: 'template' };
    }
    if (!provider) throw new Error('the source-replication function is missing');
    // Each source's custom resource would put a configuration of its own rule and role, replacing the other's
    // (S3 keeps one configuration, with one role, per bucket): two imports of one name are one bucket.
    const mirroredFor = this.importedMirrored.get(bucket.bucketName);
    if (mirroredFor !== undefined) this.refuseMirroredAgain(source, bucket.bucketName, mirroredFor);
    this.importedMirrored.set(bucket.bucketName, source.name);
    provider.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetReplicationConfiguration', 's3:PutReplicationConfiguration'], resources: [bucket.bucketArn], conditions: ownedBy(sourceBucketAccount(stack, source)) }));
    provider.addToRolePolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [role.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 's3.amazonaws.com' } } }));
    const resource = new CustomResource(this, `Replication-${source.name}`, {
      serviceToken: provider.functionArn,
      resourceType: BUCKET_REPLICATION_RESOURCE_TYPE,
      properties: { Bucket: bucket.bucketName, ReplicationConfiguration: { Role: role.roleArn, Rules: [rule] } },
    });
    // The role's policy must exist before S3 checks it at PutBucketReplication.
    resource.node.addDependency(role);
    return { source, bucketName, bucket: mirrorBucket, role, how: 'custom-resource' };
  }

  private refuseMirroredAgain(source: LifeboatSource, bucket: string, mirroredFor: string): never {
    throw new InvalidLifeboatPropsError(`LifeboatProtection ${this.node.scope?.node.path ?? ''}`, [
      `plans: source "${source.name}": bucket ${bucket} is mirrored already, for source "${mirroredFor}", and S3 allows one replication configuration per bucket: mirror one source of the bucket (a prefix that covers the others), or drop mirror from this one`,
    ]);
  }

  private mirrorTable(source: LifeboatSource, table: dynamodb.ITable, drRegion: string): void {
    if (table instanceof dynamodb.TableV2 && Stack.of(table) === Stack.of(this)) {
      const issue = mirroredTableIssue(table, Stack.of(this), drRegion);
      if (issue) throw new InvalidLifeboatPropsError(`LifeboatProtection ${this.node.scope?.node.path ?? ''}`, [`plans: source "${source.name}" has mirror: ${issue}`]);
      try {
        table.addReplica({ region: drRegion });
      } catch (err) {
        // A replica the user declared already is the mirror.
        if (!/duplicate/i.test((err as Error).message)) throw err;
      }
      return;
    }
    Annotations.of(this).addWarningV2(
      'lifeboat:mirror-precondition',
      `Source "${source.name}": the table is not a TableV2 of this stack, so Lifeboat cannot add its replica; make it a global table with a replica in ${drRegion} (the mirror check fails until it has one).`,
    );
  }

  /** EFS replication of the whole file system into the DR region, its replica under the mirrors' key (`keyArn`); returns the wildcard resources it grants. */
  private mirrorFileSystem(fs: EfsMountConfig, props: SourceMirrorsProps, keyArn: string, provider: LifeboatFunction): string[] {
    const stack = Stack.of(this);
    if (this.node.tryFindChild('FileSystemReplication')) return [];
    const fsArn = `arn:${stack.partition}:elasticfilesystem:${stack.region}:${stack.account}:file-system/${fs.fileSystemId}`;
    const drFileSystems = `arn:${stack.partition}:elasticfilesystem:${props.drRegion}:${stack.account}:file-system/*`;
    provider.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['elasticfilesystem:CreateReplicationConfiguration', 'elasticfilesystem:DescribeReplicationConfigurations', 'elasticfilesystem:DeleteReplicationConfiguration'],
        resources: [fsArn],
      }),
    );
    // EFS creates the read-only destination file system with the caller's rights.
    // DescribeFileSystems: an Update reads the replica's key, to refuse one that asks for another (source-replication-resource.ts).
    provider.addToRolePolicy(new iam.PolicyStatement({ actions: ['elasticfilesystem:CreateFileSystem', 'elasticfilesystem:DescribeFileSystems'], resources: [drFileSystems] }));
    // EFS of the DR region uses the mirrors' key with this role's rights when it creates the replica (mirror-key.ts: the
    // permissions the EFS User Guide requires); only through EFS there, and grants only for the file system.
    const viaEfs = { StringEquals: { 'kms:ViaService': efsViaService(props.drRegion) } };
    provider.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:DescribeKey', ...EFS_KEY_USE_ACTIONS], resources: [keyArn], conditions: viaEfs }));
    provider.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:CreateGrant'], resources: [keyArn], conditions: { ...viaEfs, Bool: { 'kms:GrantIsForAWSResource': 'true' } } }));
    const linkedRole = `arn:${stack.partition}:iam::${stack.account}:role/aws-service-role/elasticfilesystem.amazonaws.com/AWSServiceRoleForAmazonElasticFileSystem`;
    provider.addToRolePolicy(new iam.PolicyStatement({ actions: ['iam:CreateServiceLinkedRole'], resources: [linkedRole], conditions: { StringEquals: { 'iam:AWSServiceName': 'elasticfilesystem.amazonaws.com' } } }));
    new CustomResource(this, 'FileSystemReplication', {
      serviceToken: provider.functionArn,
      resourceType: FILE_SYSTEM_REPLICATION_RESOURCE_TYPE,
      properties: { FileSystemId: fs.fileSystemId, DestinationRegion: props.drRegion, KmsKeyId: keyArn },
    });
    return [drFileSystems];
  }
}

/** A key's use only by S3 of `region` (`kms:ViaService`) for the given buckets or objects (`kms:EncryptionContext:aws:s3:arn`, StringLike). */
function throughS3Of(region: string, s3Arns: readonly string[]): Record<string, Record<string, string | string[]>> {
  return { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': [...s3Arns] } };
}

/** The mirror bucket of an S3 source: `<prefix>-mirror-<source>`. */
function mirrorBucketName(props: SourceMirrorsProps, source: LifeboatSource): string {
  return `${props.mirrorBucketPrefix}${source.name}`;
}

/** The source each bucket got Lifeboat's replication configuration for, so that a second mirrored source of it is told why it cannot have one. */
const MIRRORED_BUCKETS = new WeakMap<s3.CfnBucket, string>();

/** The CfnBucket of a bucket this stack creates (a Bucket, not an imported one), else undefined. */
function ownedCfnBucket(bucket: s3.IBucket, stack: Stack): s3.CfnBucket | undefined {
  const child = bucket.node.defaultChild;
  return child instanceof s3.CfnBucket && Stack.of(bucket) === stack ? child : undefined;
}
