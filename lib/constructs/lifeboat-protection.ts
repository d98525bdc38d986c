import { Annotations, Aspects, Aws, CfnRule, Fn, Stack, Stage, Tags, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { carryStackTags, drStackSettingsLike, warnOfBoundaryNotCarried } from './dr-stack-settings';
import { drStackSynthesizerLike, warnOfRegionlessDrBucket, warnOfSynthesizerNotCarried } from './dr-stack-synthesizer';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { DEFAULT_DR_STACK_SUFFIX, DEFAULT_MIRROR_CHECK_SCHEDULE, DEFAULT_PRUNE_SCHEDULE, DEFAULT_SCRUB_FRACTION, DEFAULT_SCRUB_SCHEDULE, defaultPrefix } from '../lifeboat-defaults';
import { type LifeboatNames, lifeboatNames, maxPrefixLength, planAlarmName, PREFIX_PATTERN } from '../lifeboat-names';
import { createAccessLogsBucket } from './access-logs-bucket';
import { BackupSchedules } from './backup-schedules';
import { BackupWorkflow } from './backup-workflow';
import { CatalogRebuildWorkflow } from './catalog-rebuild-workflow';
import { CatalogTable } from './catalog-table';
import { DrillWorkflow } from './drill-workflow';
import { DrKeyArns } from './dr-key-arns';
import { FailoverWorkflow } from './failover-workflow';
import { FileSystemMount } from './file-system-mount';
import { InvalidLifeboatPropsError } from './invalid-props-error';
import { LifeboatMemorySizes } from './lifeboat-memory-sizes';
import { type LifeboatPlan } from './lifeboat-plan';
import { type LifeboatSource } from './lifeboat-source';
import { LifeboatVault, type LifeboatVaultImmutability } from './lifeboat-vault';
import { noAlarmSubscriptionWarning } from './alarm-subscription-warning';
import { LifeboatOperations } from './lifeboat-operations';
import { OperationsAlerts } from './operations-alerts';
import { LifeboatFunction } from './lifeboat-function';
import { createProtectedKey } from './protected-key';
import { breakGlassPrincipalArn, KEY_USER_TAG, type LifeboatSecurityOptions, LOG_RETENTION_DAYS_VALUES, ROLE_ARN_PATTERN } from './security-options';
import { MirrorCheckWorkflow } from './mirror-check-workflow';
import { FileMirrorSampler } from './file-mirror-sampler';
import { type ReplicaVaultLocation } from './replica-vault-location';
import { RestoreWorkflow } from './restore-workflow';
import { PruneWorkflow } from './prune-workflow';
import { RepairIndexWorkflow } from './repair-index-workflow';
import { ScrubWorkflow } from './scrub-workflow';
import { mirroredTableIssue, SourceMirrors } from './source-mirrors';
import { checkPlansShape, validatePlans } from './validated-plans';
import { tokenPaths, tokenPropIssue } from './literal-props';
import { drAccountOf, drInAnotherAccount, type FixedPhysicalName, placeOf, protectionPhysicalNames, sharedPhysicalNames } from './protection-physical-names';
import { setWorkflowLogging } from './workflow-logging';
import { addEnvironmentOutputs } from './environment-output';
import { deployedNameOf, physicalNameGiven, sourceNameElsewhere } from './plans-in-stack';
import { failoverBucketNameIssue, failoverSuffixWarning } from '../../config/failover-target-name';
import { DEFAULT_MOUNT_PATH, mirrorOf, reservedPlanNameIssue } from '../../config/lifeboat-config';
import { longestScheduleGapMs } from '../../config/longest-schedule-gap';
import { parseScheduleExpression } from '../../config/schedule-expression';
import { ownedNamePatternOverlap } from '../../config/name-pattern-overlap';
import { type NamedSource, reservedSourceNameIssues, type ReservedNameOwner } from '../../config/reserved-source-names';
import { isBelowMinScrubFraction, MIN_SCRUB_FRACTION_MESSAGE } from '../../config/scrub-fraction';
import { backupLeaseSeconds } from '../../config/backup-lease';

/**
 * The Amazon EFS file system that holds the file-system sources, mounted through one access point into
 * the functions that read or write files (docs/ARCHITECTURE.md, "File systems in AWS (EFS)"). Imported by
 * id: Lifeboat creates no VPC, file system or access point. Same fields as `fileSystem.efs` in lifeboat.config.json.
 */
export type LifeboatFileSystem = LifeboatFileSystemAccess & {
  /**
   * The file system's EFS replica in the DR region (for mirrored file-system sources), mounted the same way
   * there: its own access point with the same root directory, and a VPC, subnets and mount-target security
   * group of the DR region. The DR mirror check then compares the primary region's samples of the sources'
   * files (size, mtime, SHA-256) with it (docs/ARCHITECTURE.md, "Mirrors").
   * @default file-system mirrors are judged by EFS's replication state and lag only
   */
  readonly replica?: LifeboatFileSystemAccess;
  /**
   * A writable file system of the DR region, mounted the same way there (its own access point, VPC, subnets and
   * mount-target security group of the DR region) into the DR region's functions that touch files: the DR restore
   * runbook, the failover and the DR drill write directory sources into it, under its `mountPath` (a failover's
   * directory target is the source's path moved onto this mount, plus `-<targetSuffix>`). Not `replica`: EFS keeps a
   * replica read-only while its replication exists; after deleting the replication (an EFS failover) the former replica
   * may be named here, and `replica` dropped (docs/ARCHITECTURE.md, "File systems in AWS (EFS)").
   * @default none: in AWS the DR region cannot restore directory sources (synth warns)
   */
  readonly drRestore?: LifeboatFileSystemAccess;
};

/** One EFS file system as functions mount it: the protected one, its replica, or the DR region's restore file system. */
export type LifeboatFileSystemAccess = {
  readonly fileSystemId: string;
  readonly accessPointId: string;
  /** The VPC of the mount targets; the functions that mount the file system run in it. */
  readonly vpcId: string;
  /** Subnets of that VPC for the functions (a mount target in each one's Availability Zone; at most 16). */
  readonly subnetIds: readonly string[];
  /** The security group of the mount targets: NFS (TCP 2049) is allowed into it from the functions' own group. */
  readonly securityGroupId: string;
  /**
   * Where the functions see the access point's root: one directory directly under /mnt/. File-system sources' paths are under it.
   * @default '/mnt/lifeboat'
   */
  readonly mountPath?: string;
};

/** The scheduled scrub of the two vaults (docs/RUNBOOKS.md, "Scrub"). */
export type LifeboatScrubOptions = {
  /**
   * When the scrub runs: an EventBridge Scheduler expression, in UTC.
   * @default 'rate(1 day)' (lifeboat-defaults.ts, DEFAULT_SCRUB_SCHEDULE)
   */
  readonly schedule?: string;
  /**
   * The share of the objects each scheduled run reads, above 0 and at most 1: a cycle (every object read once) takes ⌈1/fraction⌉ runs.
   * @default 1/7 (lifeboat-defaults.ts, DEFAULT_SCRUB_FRACTION): a weekly cycle run daily
   */
  readonly fraction?: number;
};

/** The scheduled prune of each vault (docs/FORMAT.md "Prune"). */
export type LifeboatPruneOptions = {
  /**
   * When each vault's prune runs: an EventBridge Scheduler expression, in UTC.
   * @default 'rate(1 day)' (lifeboat-defaults.ts, DEFAULT_PRUNE_SCHEDULE)
   */
  readonly schedule?: string;
  /**
   * How long condemned objects wait before a later run deletes them; must exceed the longest backup.
   * @default 25 (the backup lease, 24 h 15 min, plus a margin); 74 when a plan has an archive tier (its backups may
   * wait for thaws and hold the lease up to 72 h 15 min)
   */
  readonly graceHours?: number;
  /**
   * Packs with more than this share of garbage (0 to below 1) have their live blobs rewritten.
   * @default 0.2
   */
  readonly repackThreshold?: number;
};

/** Who hears of alarms and failed executions (docs/RUNBOOKS.md, "Alarms"). Same fields as `notifications` in lifeboat.config.json. */
export type LifeboatNotifications = {
  /**
   * E-mail addresses subscribed to the environment's alarm topics `<prefix>-alarms` (one per region); each confirms the mail AWS sends it.
   * @default none: subscribe to the topics yourself
   */
  readonly emails?: readonly string[];
  /**
   * A backup reaching the DR vault later than this after its commit raises the replication-lag alarm.
   * @default 60 (lifeboat-operations.ts, DEFAULT_REPLICATION_LAG_MINUTES)
   */
  readonly replicationLagMinutes?: number;
};

/** The scheduled mirror check (docs/ARCHITECTURE.md, "Mirrors"); only when a source has `mirror`. */
export type LifeboatMirrorCheckOptions = {
  /**
   * When the check runs: an EventBridge Scheduler expression, in UTC.
   * @default 'rate(15 minutes)' (lifeboat-defaults.ts, DEFAULT_MIRROR_CHECK_SCHEDULE)
   */
  readonly schedule?: string;
  /**
   * Entries per mirrored source each run compares (successive runs walk on through the source).
   * @default 1000 (lambdas/mirror/mirror-defaults.ts, DEFAULT_MIRROR_SAMPLES)
   */
  readonly samples?: number;
};

export type LifeboatProtectionProps = {
  /** The region of the DR vault: every committed backup is copied there. Must differ from the stack's region. */
  readonly drRegion: string;
  /**
   * Every physical name starts with it (`<prefix>-vault-<account>-<region>`, `<prefix>-catalog`, `<prefix>-backup`,
   * `alias/<prefix>-vault`, ...): lowercase letters, digits and dashes, starting with a letter, short enough for
   * the access-log bucket `<prefix>-access-logs-<account>-<region>` to fit S3's 63 characters. Give it before the
   * first deploy and never change it: another prefix deploys new, empty vaults and catalogs (docs/DEPLOYMENT.md,
   * "Settings that must not change after the first deploy").
   * @default derived from the construct path, unique in the app (lifeboat-defaults.ts, defaultPrefix); synth warns
   * (`lifeboat:prefix-derived`), since moving or renaming the construct, its stack or a scope above it changes it
   */
  readonly prefix?: string;
  /** What is protected, when, how and for how long. At least one plan; plan and source names are unique. */
  readonly plans: readonly LifeboatPlan[];
  /**
   * The EFS file system of the file-system sources.
   * @default none: file-system sources can then only be backed up by the local cloud (synth warns)
   */
  readonly fileSystem?: LifeboatFileSystem;
  /**
   * The stack (in `drRegion`, and in `drAccount`) that holds the DR vault. The protection's own stack depends on it.
   * @default a stack next to the protection's stack (same Stage or App), in `drAccount` and `drRegion`, shared by the
   * protections of one stack with the same `drAccount` and `drRegion`: `<stackName>-LifeboatDR` for the stack's first
   * protection, and for one with another `drRegion` (or `drAccount`) than the first `<stackName>-LifeboatDR-<drRegion>`
   * (`<stackName>-LifeboatDR-<drAccount>-<drRegion>`). Required for a protection in a NestedStack.
   * Its `env.region` must be `drRegion`. Its `env.account` names the DR side's resources when `drAccount` is absent
   * (see `drAccount`); environment-agnostic as to account, it gets a rule that refuses a deploy into another account than
   * the DR side's when that account is known (and is refused at synth with a `drAccount` of another account).
   * The default stack takes the protection's stack's termination protection, tags, permissions boundary (its prop or
   * its Stage's, not one applied as an Aspect: synth warns then) and synthesizer: the App's `defaultStackSynthesizer`
   * reaches it as it is, and a DefaultStackSynthesizer or CliCredentialsStackSynthesizer the stack was given is copied
   * with all its settings. One that cannot be copied (a subclass, LegacyStackSynthesizer, settings naming the stack's
   * region or account literally) leaves the default one the App's default synthesizer, and synth warns
   * (lifeboat:dr-synthesizer-not-carried): pass `drStack`, built with the synthesizer it needs. A `drStack` whose
   * fileAssetsBucketName has no `${AWS::Region}` and is the App default's it inherits, or the protection's stack's,
   * names the primary region's code bucket: synth warns (lifeboat:dr-synthesizer-regionless-bucket).
   */
  readonly drStack?: Stack;
  /**
   * The account of the DR stack, vault and catalog, when not the protection's own (docs/DEPLOYMENT.md, "The DR
   * vault in another account"): the DR copies then survive a compromised administrator of the primary account.
   * The DR vault's and catalog's policies let the protection's roles of this stack's account read and add
   * (never delete); mirrors are not available then, nor the DR drill's comparison with the live sources.
   * It takes a protection stack with a known account (`env.account`), and a `drStack` (if any) in this account.
   * @default the DR stack's account when `drStack` has a known one, else the protection stack's. The DR names
   * (`<prefix>-vault-<account>-<drRegion>`, …) carry it. So a `drStack` in account 222222222222 beside an
   * environment-agnostic protection stack names its DR vault `<prefix>-vault-222222222222-<drRegion>` in both templates,
   * and the protection stack gets the CloudFormation rule `DrAccountMatches`: deployed into another account, it is refused
   * before any resource (the DR vault lets no other account in without `drAccount`, and `drAccount` needs the protection
   * stack's `env.account`). A `drStack` of another known account than a known protection stack's is refused at synth
   * without `drAccount` (docs/DEPLOYMENT.md, "The DR vault in another account").
   */
  readonly drAccount?: string;
  /**
   * The protection's name in catalog records and logs (the functions' LIFEBOAT_ENVIRONMENT). New buckets
   * and tables a restore may create start with `<prefix>-restore-`.
   * @default the prefix
   */
  readonly environmentName?: string;
  /**
   * The scrub runbook `<prefix>-scrub` and its schedule of the same name, which starts it with `{}` (both vaults, repair on).
   * @default daily, a seventh of the objects per run
   */
  readonly scrub?: LifeboatScrubOptions;
  /**
   * S3 Object Lock on both vaults (docs/ARCHITECTURE.md, "Object Lock"): every object gets this retention
   * when written, and each commit extends it for everything the new backup references, so no backup's
   * objects can be deleted within `days` of the newest backup that needs them. Added to a deployed protection, it turns
   * Object Lock on in the existing vaults (a deploy as the break-glass role); it can never be turned off again
   * (docs/DEPLOYMENT.md, "Immutable vaults (Object Lock)").
   * @default no Object Lock
   */
  readonly immutability?: LifeboatVaultImmutability;
  /**
   * The prune runbook `<prefix>-prune` in each vault's region and its schedule of the same name.
   * @default daily, the handler's grace and repack threshold
   */
  readonly prune?: LifeboatPruneOptions;
  /**
   * Memory sizes (MB) of Lifeboat's functions by handler name (e.g. `{ 'prune-vault': 6144 }`), in the
   * primary and the DR stack, in place of their defaults (FUNCTION_SIZING, docs/SCALE.md "Memory sizes
   * of the functions"). What a `VaultIndexTooLargeError` asks for once the vault has outgrown a
   * function (docs/SCALE.md, "Index per shard"). Lambda gives CPU in proportion to memory and bills GB-seconds.
   * @default each function's default size
   */
  readonly functionMemory?: Readonly<Record<string, number>>;
  /**
   * Break-glass principal and logging (docs/SECURITY.md).
   * @default the account's root user as break-glass principal, logs without execution data kept 90 days
   */
  readonly security?: LifeboatSecurityOptions;
  /**
   * The IAM role that approves overwrite restores and failovers (config `environment.security.approverRoleArn`):
   * the stacks attach it a policy allowing states:SendTaskSuccess/SendTaskFailure on those runbooks (docs/RUNBOOKS.md, "Approvals").
   * @default none: the runbooks still wait for an approval, which only principals with such rights from elsewhere can give
   */
  readonly approverRoleArn?: string;
  /**
   * Alarm topics' e-mail subscriptions and the replication-lag threshold.
   * @default no subscriptions, a 60-minute replication-lag threshold
   */
  readonly notifications?: LifeboatNotifications;
  /**
   * The mirror check `<prefix>-mirror-check` (DR stack) and its schedule of the same name; made when a source has `mirror`.
   * @default every 15 minutes, 1000 entries per source
   */
  readonly mirrorCheck?: LifeboatMirrorCheckOptions;
};

/**
 * The protections whose constructor ran to its end. One refused (InvalidLifeboatPropsError) stays in the construct tree
 * half made when its caller catches the refusal and goes on: the checks between protections skip it (review 43e F2).
 */
const BUILT_PROTECTIONS = new WeakSet<LifeboatProtection>();

/**
 * Lifeboat for one environment: the primary vault, catalog, backup, restore, catalog-rebuild and scrub workflows
 * and the backup and scrub schedules in the stack it is created in, and the DR vault in the DR region's stack. Sources are
 * the caller's buckets and tables (IBucket / ITable) and file-system paths; the functions get exactly
 * the access the workflows need on them. Nothing is added to the caller's App: no Aspects and no
 * cdk-nag (the AwsSolutions acknowledgements are metadata that only an app running cdk-nag reads).
 */
export class LifeboatProtection extends Construct {
  readonly prefix: string;
  readonly environmentName: string;
  /** This protection's sources as the reserved-name check reads them, kept so that a protection built later checks them against its prefix. */
  private readonly reservedNameSubjects: readonly ReservedNameSubject[];
  /** Every fixed physical name this protection gives a resource, kept so that a protection built later checks its own against them. */
  private readonly fixedNames: readonly FixedPhysicalName[];
  readonly names: LifeboatNames;
  /** The primary vault, in this construct's stack. */
  readonly vault: LifeboatVault;
  /** The DR vault, in `drStack`. */
  readonly drVault: LifeboatVault;
  readonly drStack: Stack;
  readonly catalog: CatalogTable;
  readonly catalogKey: kms.Key;
  /** The DR region's catalog (in `drStack`), written by the Replicate step: what the DR region's runbooks read. */
  readonly drCatalog: CatalogTable;
  readonly drCatalogKey: kms.Key;
  /** The DR keys' ARNs, read from `drStack` at deploy time: what the primary region's functions are granted and use. */
  readonly drKeyArns: DrKeyArns;
  /** The DR region's restore runbook (in `drStack`): the DR vault and the DR catalog only. */
  readonly drRestoreWorkflow: RestoreWorkflow;
  /** The failover runbook (in `drStack`): every source of a plan restored from the DR vault into the DR region. */
  readonly failoverWorkflow: FailoverWorkflow;
  /** The drill workflow over the primary vault, in this construct's stack (plans whose drill names `vault: 'primary'` are scheduled here). */
  readonly drillWorkflow: DrillWorkflow;
  /** The drill workflow over the DR vault, in `drStack` (the default drill vault). */
  readonly drDrillWorkflow: DrillWorkflow;
  readonly backupWorkflow: BackupWorkflow;
  readonly restoreWorkflow: RestoreWorkflow;
  /** The catalog-rebuild runbook: the catalog's records rebuilt from a vault's snapshots. */
  readonly catalogRebuildWorkflow: CatalogRebuildWorkflow;
  /** The DR region's catalog-rebuild runbook (in `drStack`): the DR catalog rebuilt from the DR vault alone. */
  readonly drCatalogRebuildWorkflow: CatalogRebuildWorkflow;
  /** The scrub runbook: the vaults read a slice at a time, each healed from the other; scheduled. */
  readonly scrubWorkflow: ScrubWorkflow;
  /** The repair-index runbook: either vault's index rebuilt from its packs, started by hand (`lifeboat repair-index`). */
  readonly repairIndexWorkflow: RepairIndexWorkflow;
  /** The prune of the primary vault (this construct's stack). */
  readonly pruneWorkflow: PruneWorkflow;
  /** The prune of the DR vault (in `drStack`). */
  readonly drPruneWorkflow: PruneWorkflow;
  readonly schedules: BackupSchedules;
  /** The EFS mount of the functions that touch files, when there is one. */
  readonly fileSystemMount?: FileSystemMount;
  /** The mount of the DR region's writable file system (`fileSystem.drRestore`, in `drStack`) into the DR functions that touch files. */
  readonly drFileSystemMount?: FileSystemMount;
  /** Each region's alarm topic, dead-letter queue and execution-status rule. */
  readonly alerts: OperationsAlerts;
  readonly drAlerts: OperationsAlerts;
  /** The lease release of stopped backups, the backup-age watchdog, the alarms and the dashboard. */
  readonly operations: LifeboatOperations;
  /** The native replication of the sources that have `mirror` (their mirror buckets in `drStack`). */
  readonly mirrors?: SourceMirrors;
  /** The mirror check (in `drStack`), when a source has `mirror`. */
  readonly mirrorCheckWorkflow?: MirrorCheckWorkflow;
  /** The primary region's file sampler for the mirror check; made when a file-system source has `mirror` and `fileSystem.replica` is given. */
  readonly fileMirrorSampler?: FileMirrorSampler;

  constructor(scope: Construct, id: string, props: LifeboatProtectionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.prefix = props.prefix ?? defaultPrefix(this);
    // Synth has no memory of the last deploy, so it cannot refuse a derived prefix that changed: it can only say so up front.
    if (props.prefix === undefined) Annotations.of(this).addWarningV2('lifeboat:prefix-derived', derivedPrefixWarning(this.prefix));
    setWorkflowLogging(this, this.prefix, props.security);
    this.environmentName = props.environmentName ?? this.prefix;
    // Tokens first: every later check would refuse one for its form, which is not what is wrong with it.
    const tokens = literalPropIssues(props);
    try {
      checkPlansShape(this, 'LifeboatProtection', { plans: props.plans, drRegion: props.drRegion });
    } catch (err) {
      if (!(err instanceof InvalidLifeboatPropsError)) throw err;
      throw new InvalidLifeboatPropsError(err.construct, [...tokens, ...err.issues]);
    }
    if (tokens.length > 0) throw new InvalidLifeboatPropsError(`LifeboatProtection ${this.node.path}`, tokens);
    // Every issue at once: the construct's own props, then the plans and the settings a config file has too.
    this.reservedNameSubjects = reservedNameSubjectsOf(props);
    this.fixedNames = protectionPhysicalNames(this.prefix, this.environmentName, stack, props);
    const ownIssues = this.ownPropIssues(stack, props);
    let validated: ReturnType<typeof validatePlans>;
    try {
      validated = validatePlans(this, 'LifeboatProtection', {
        plans: props.plans,
        drRegion: props.drRegion,
        ...(props.fileSystem ? { fileSystem: props.fileSystem } : {}),
        // The scrub's and the prune's other fields are checked with the construct's own props (their messages say more).
        settings: { notifications: props.notifications, mirrorCheck: props.mirrorCheck, scrub: props.scrub && { schedule: props.scrub.schedule }, prune: props.prune && { schedule: props.prune.schedule } },
      });
    } catch (err) {
      if (!(err instanceof InvalidLifeboatPropsError)) throw err;
      throw new InvalidLifeboatPropsError(err.construct, [...ownIssues, ...err.issues]);
    }
    if (ownIssues.length > 0) throw new InvalidLifeboatPropsError(`LifeboatProtection ${this.node.path}`, ownIssues);
    const { sources, fileSystem } = validated;
    // A warning, not a refusal: backups started by hand between the scheduled ones may keep the RPO.
    validated.plans.forEach((plan, p) => {
      const warning = rpoBelowScheduleWarning(plan, p, this.prefix);
      if (warning) Annotations.of(this).addWarningV2('lifeboat:rpo-below-schedule', warning);
    });

    if (Token.isUnresolved(stack.region)) {
      // An environment-agnostic stack learns its region at deploy time: CloudFormation refuses the deploy there, before
      // any resource, when it is the DR region (both vaults would then be in one region, with one name).
      new CfnRule(this, 'DrRegionDiffers', {
        assertions: [
          {
            assert: Fn.conditionNot(Fn.conditionEquals(Aws.REGION, props.drRegion)),
            assertDescription: `Lifeboat ${this.node.path}: this stack is deployed into ${props.drRegion}, the protection's drRegion; the DR vault must be in another region: deploy it elsewhere or change drRegion`,
          },
        ],
      });
    }
    this.drStack = props.drStack ?? siblingDrStack(this, stack, props.drRegion, props.drAccount);
    // A drStack of the user's takes no synthesizer from Lifeboat, yet may name the primary region's code bucket (review r60O F3).
    if (props.drStack && props.drStack !== stack) warnOfRegionlessDrBucket(stack, props.drStack, 'user');
    if (this.drStack !== stack) stack.addStackDependency(this.drStack, 'Lifeboat: the primary vault replicates into the DR vault');
    // The DR side's account, by the one rule of names, collision checks and grants (protection-physical-names.ts).
    const drAccountId = drAccountOf(stack, props);
    // The primary account, when the DR stack is in another one: its tagged roles get the DR vault's and catalog's consent.
    const remoteUser = drInAnotherAccount(stack, drAccountId) ? stack.account : undefined;
    const names = lifeboatNames({ prefix: this.prefix, environmentName: this.environmentName, account: stack.account, drAccount: drAccountId, primaryRegion: stack.region, drRegion: props.drRegion });
    this.names = names;

    // The DR side: in the DR stack, under a construct named by this protection's path in its own stack, so that
    // several protections can share one DR stack (and `Default`, our JSON-config app's id, adds nothing to logical ids).
    const drScope = new Construct(this.drStack, drScopeId(this, stack, this.drStack));
    if (props.functionMemory) {
      // This protection's functions only: its own constructs and its part of a DR stack it may share with others.
      const sizes = new LifeboatMemorySizes(props.functionMemory, `LifeboatProtection ${this.node.path} (functionMemory)`);
      Aspects.of(this).add(sizes);
      Aspects.of(drScope).add(sizes);
    }
    setWorkflowLogging(drScope, this.prefix, props.security);
    sameAccountRules(this, stack, drScope, this.drStack, drAccountId);
    const accessLogs = createAccessLogsBucket(this, 'AccessLogs', names.primaryAccessLogs);
    // Keys and vaults name their break-glass principal and their users (roles tagged lifeboat:key-user=<prefix>, below).
    const keyPolicy = { keyUser: this.prefix, ...(props.security?.breakGlassRoleArn !== undefined ? { breakGlassRoleArn: props.security.breakGlassRoleArn } : {}) };
    const drAccessLogs = createAccessLogsBucket(drScope, 'AccessLogs', names.drAccessLogs);
    this.vault = new LifeboatVault(this, 'Vault', {
      bucketName: names.primaryVault,
      keyAlias: names.primaryVaultKeyAlias,
      accessLogsBucket: accessLogs,
      ...(props.immutability ? { immutability: props.immutability } : {}),
      ...keyPolicy,
      // Per plan, where its packs move after some days (lifecycle rules on both vaults: "Storage tiers").
      packTiers: props.plans,
      replica: {
        scope: drScope,
        id: 'ReplicaVault',
        ...keyPolicy,
        bucketName: names.drVault,
        // For people and the CLI; the primary region's functions use the key's ARN (DrKeyArns, below).
        keyAlias: names.drVaultKeyAlias,
        accessLogsBucket: drAccessLogs,
        ...(remoteUser !== undefined ? { userAccount: remoteUser } : {}),
      },
    });
    if (!this.vault.replica) throw new Error('LifeboatVault did not create the replica it was given.');
    this.drVault = this.vault.replica;

    this.catalogKey = catalogKey(this, `Lifeboat ${this.environmentName} catalog`, this.prefix, props.security);
    this.catalog = new CatalogTable(this, 'Catalog', { tableName: names.catalogTable, encryptionKey: this.catalogKey });
    // The DR catalog: same table name (tables are regional), its own key, found from the primary region by alias.
    this.drCatalogKey = catalogKey(drScope, `Lifeboat ${this.environmentName} DR catalog`, this.prefix, props.security, remoteUser);
    new kms.Alias(drScope, 'CatalogKeyAlias', { aliasName: names.drCatalogKeyAlias, targetKey: this.drCatalogKey });
    this.drCatalog = new CatalogTable(drScope, 'Catalog', {
      tableName: names.catalogTable,
      encryptionKey: this.drCatalogKey,
      ...(remoteUser !== undefined ? { userAccount: { account: remoteUser, keyUser: this.prefix } } : {}),
    });
    this.drKeyArns = new DrKeyArns(this, 'DrKeyArns', {
      environmentName: this.environmentName,
      drStack: this.drStack,
      drScope,
      vaultKey: this.drVault.key,
      catalogKey: this.drCatalogKey,
      roleNames: { lookup: names.drKeyLookupRole, reader: names.drKeyReaderRole },
    });
    const drAccount = props.drAccount !== undefined ? { account: props.drAccount } : {};
    const drCatalogLocation = { tableName: names.catalogTable, region: props.drRegion, keyArn: this.drKeyArns.catalogKeyArn, ...drAccount };
    const mountOptions = { ...(fileSystem ? { efs: fileSystem } : {}), fileSystemSources: sources.filter((s) => s.config.type === 'filesystem').map((s) => s.name), environmentName: this.environmentName };
    const mount = FileSystemMount.forSources(this, mountOptions);
    if (mount) this.fileSystemMount = mount;
    // The DR region's own writable file system: the primary's is of another region and VPC, its replica read-only.
    const drMount = FileSystemMount.forDrRestore(drScope, mountOptions);
    if (drMount) this.drFileSystemMount = drMount;

    // Before the workflows: their schedules send what they cannot deliver to the region's dead-letter queue.
    const alerting = (scope: Construct, id: string) =>
      new OperationsAlerts(scope, id, {
        environmentName: this.environmentName,
        breakGlassArn: breakGlassPrincipalArn(Stack.of(scope), props.security),
        keyUser: this.prefix,
        topicName: names.alarmTopic,
        ruleName: names.executionStatusRule,
        deadLetterQueueName: names.deadLetterQueue,
        deadLetterAlarmName: names.deadLetterAlarm,
        emails: props.notifications?.emails ?? [],
      });
    this.alerts = alerting(this, 'Alerts');
    this.drAlerts = alerting(drScope, 'Alerts');
    if ((props.notifications?.emails ?? []).length === 0) {
      Annotations.of(this).addWarningV2('lifeboat:no-alarm-subscription', noAlarmSubscriptionWarning(names.alarmTopic, [Token.isUnresolved(stack.region) ? "the stack's region" : stack.region, props.drRegion]));
    }

    const drVault: ReplicaVaultLocation = { bucketName: names.drVault, region: props.drRegion, keyArn: this.drKeyArns.vaultKeyArn, ...drAccount };
    const vaultsAndCatalog = {
      environmentName: this.environmentName,
      plans: props.plans,
      vault: this.vault.bucket,
      vaultKey: this.vault.key,
      drVault,
      catalog: this.catalog.table,
      catalogKey: this.catalogKey,
    };
    const shared = { ...vaultsAndCatalog, ...(mount ? { fileSystem: mount } : {}) };
    this.backupWorkflow = new BackupWorkflow(this, 'Backup', {
      ...shared,
      stateMachineName: names.backupStateMachine,
      drCatalog: drCatalogLocation,
      ...(props.immutability ? { immutability: props.immutability } : {}),
    });
    const approver = props.approverRoleArn ? { approverRoleArn: props.approverRoleArn } : {};
    // The approver is a role of this account: a DR stack of another account cannot attach it a policy (docs/DEPLOYMENT.md).
    const drApprover = remoteUser === undefined ? approver : {};
    this.restoreWorkflow = new RestoreWorkflow(this, 'Restore', { ...shared, ...approver, stateMachineName: names.restoreStateMachine, restoreTargetPrefix: names.restoreTargetPrefix });
    // The DR region's runbooks: nothing in them names a primary-region resource. What each of them reads and writes:
    // the DR vault and the DR catalog; the restore, the failover and the drill also the DR region's own file system
    // (drRestore), when there is one: without it a directory source fails over under the local cloud only (docs/RUNBOOKS.md).
    const drVaultAndCatalog = { vault: this.drVault.bucket, vaultKey: this.drVault.key, catalog: this.drCatalog.table, catalogKey: this.drCatalogKey };
    const drFiles = drMount ? { fileSystem: drMount } : {};
    this.drRestoreWorkflow = new RestoreWorkflow(drScope, 'Restore', {
      environmentName: this.environmentName,
      plans: props.plans,
      ...drVaultAndCatalog,
      ...drFiles,
      vaultSide: 'dr',
      stateMachineName: names.restoreStateMachine,
      restoreTargetPrefix: names.restoreTargetPrefix,
      ...drApprover,
      // Names the primary's runbook in a refusal of a primary-region target bucket (a string only: no cross-region reference).
      ...(!Token.isUnresolved(stack.region) ? { primaryRegion: stack.region } : {}),
    });
    this.failoverWorkflow = new FailoverWorkflow(drScope, 'Failover', {
      ...drApprover,
      environmentName: this.environmentName,
      plans: props.plans,
      ...drVaultAndCatalog,
      ...drFiles,
      stateMachineName: names.failoverStateMachine,
      restoreTargetPrefix: names.restoreTargetPrefix,
      ...(sources.some((s) => mirrorOf(s.config) !== undefined) ? { mirrorBucketPrefix: names.mirrorBucketPrefix } : {}),
    });
    this.drCatalogRebuildWorkflow = new CatalogRebuildWorkflow(drScope, 'CatalogRebuild', {
      environmentName: this.environmentName,
      plans: props.plans,
      ...drVaultAndCatalog,
      vaultSide: 'dr',
      stateMachineName: names.catalogRebuildStateMachine,
    });
    // No file system (nor VPC): the rebuild reads only the vaults and writes only the catalog.
    this.catalogRebuildWorkflow = new CatalogRebuildWorkflow(this, 'CatalogRebuild', { ...vaultsAndCatalog, stateMachineName: names.catalogRebuildStateMachine });
    const fraction = props.scrub?.fraction ?? DEFAULT_SCRUB_FRACTION;
    this.scrubWorkflow = new ScrubWorkflow(this, 'Scrub', {
      ...vaultsAndCatalog,
      drCatalog: drCatalogLocation,
      stateMachineName: names.scrubStateMachine,
      // The default fraction is the handler's own: the schedule's input stays `{}`.
      schedule: {
        name: names.scrubSchedule,
        expression: props.scrub?.schedule ?? DEFAULT_SCRUB_SCHEDULE,
        ...(fraction !== DEFAULT_SCRUB_FRACTION ? { fraction } : {}),
        deadLetterQueue: this.alerts.deadLetterQueue,
      },
    });
    this.repairIndexWorkflow = new RepairIndexWorkflow(this, 'RepairIndex', { ...vaultsAndCatalog, stateMachineName: names.repairIndexStateMachine });
    // Both stacks deploy into drAccountId when it is a literal (sameAccountRules): a key created in either is of that account.
    const pinnedAccount = { account: drAccountId, stacks: [stack, this.drStack] };
    const drill = { environmentName: this.environmentName, plans: props.plans, stateMachineName: names.drillStateMachine, scratchPrefix: names.drillTargetPrefix, schedulePrefix: names.drillSchedulePrefix, pinnedAccount };
    this.drillWorkflow = new DrillWorkflow(this, 'Drill', {
      ...drill,
      vault: this.vault.bucket,
      vaultKey: this.vault.key,
      vaultSide: 'primary',
      primaryRegion: stack.region,
      catalog: this.catalog.table,
      catalogKey: this.catalogKey,
      ...(mount ? { fileSystem: mount } : {}),
      deadLetterQueue: this.alerts.deadLetterQueue,
    });
    this.drDrillWorkflow = new DrillWorkflow(drScope, 'Drill', {
      ...drill,
      ...drVaultAndCatalog,
      ...drFiles,
      vaultSide: 'dr',
      // A DR account has no access to the primary account's sources: its drill restores and verifies, and says why it compares no live source.
      // Nor does a drill that cannot name the primary region: an environment-agnostic stack's region is {"Ref":"AWS::Region"}, which in the
      // DR stack would name the DR region (ownPropIssues refuses scheduled DR drills that would compare live buckets then; see the warning below).
      ...(remoteUser === undefined && !Token.isUnresolved(stack.region) ? { primaryRegion: stack.region } : {}),
      deadLetterQueue: this.drAlerts.deadLetterQueue,
    });
    if (remoteUser === undefined && Token.isUnresolved(stack.region) && sources.some((s) => s.config.type === 's3')) {
      Annotations.of(this).addWarningV2(
        'lifeboat:dr-drill-without-primary-region',
        `stack ${stack.stackName} has no region (environment-agnostic): a drill of the DR vault started by hand restores and verifies, but compares no live S3 source (its functions cannot name the primary region); give the stack env.region for that comparison`,
      );
    }
    // A source whose failover bucket fits only a suffix shorter than the default: the runbook must name one (ownPropIssues refuses none fitting).
    for (const source of sources) {
      const warning = source.config.type === 's3' ? failoverSuffixWarning(names.restoreTargetPrefix, source.name) : undefined;
      if (warning) Annotations.of(this).addWarningV2(`lifeboat:failover-suffix-${source.name}`, warning);
    }
    const pruneSchedule = {
      name: names.pruneSchedule,
      expression: props.prune?.schedule ?? DEFAULT_PRUNE_SCHEDULE,
      ...(props.prune?.graceHours !== undefined ? { graceHours: props.prune.graceHours } : {}),
      ...(props.prune?.repackThreshold !== undefined ? { repackThreshold: props.prune.repackThreshold } : {}),
    };
    const prune = { environmentName: this.environmentName, plans: props.plans, stateMachineName: names.pruneStateMachine, schedule: pruneSchedule };
    this.pruneWorkflow = new PruneWorkflow(this, 'Prune', { ...prune, schedule: { ...pruneSchedule, deadLetterQueue: this.alerts.deadLetterQueue }, vault: this.vault.bucket, vaultKey: this.vault.key, vaultSide: 'primary', catalog: this.catalog.table, catalogKey: this.catalogKey });
    this.drPruneWorkflow = new PruneWorkflow(drScope, 'Prune', { ...prune, ...drVaultAndCatalog, schedule: { ...pruneSchedule, name: names.drPruneSchedule, deadLetterQueue: this.drAlerts.deadLetterQueue }, vaultSide: 'dr' });
    if (sources.some((s) => mirrorOf(s.config) !== undefined)) {
      this.mirrors = new SourceMirrors(this, 'Mirrors', {
        environmentName: this.environmentName,
        sources,
        drScope,
        drRegion: props.drRegion,
        mirrorBucketPrefix: names.mirrorBucketPrefix,
        // The mirrors (S3 and EFS) get a key of their own in the DR stack (mirror-key.ts), pinned by DrKeyArns as the DR vault's is: never the vault's key.
        drKeyArns: this.drKeyArns,
        keyUser: this.prefix,
        breakGlassArn: breakGlassPrincipalArn(this.drStack, props.security),
        ...(remoteUser !== undefined ? { userAccount: remoteUser } : {}),
        drAccessLogs,
        ...(fileSystem ? { fileSystem } : {}),
      });
      const mirrorCheckSchedule = { expression: props.mirrorCheck?.schedule ?? DEFAULT_MIRROR_CHECK_SCHEDULE, ...(props.mirrorCheck?.samples !== undefined ? { samples: props.mirrorCheck.samples } : {}) };
      this.mirrorCheckWorkflow = new MirrorCheckWorkflow(drScope, 'MirrorCheck', {
        environmentName: this.environmentName,
        stateMachineName: names.mirrorCheckStateMachine,
        plans: props.plans,
        // A region, never {"Ref":"AWS::Region"}, which here would name the DR region: ownPropIssues refuses mirrors of an environment-agnostic stack.
        primaryRegion: stack.region,
        mirrorBucketPrefix: names.mirrorBucketPrefix,
        catalog: this.drCatalog.table,
        catalogKey: this.drCatalogKey,
        deadLetterQueue: this.drAlerts.deadLetterQueue,
        ...(fileSystem ? { fileSystemId: fileSystem.fileSystemId } : {}),
        ...(fileSystem?.replica ? { fileSystemReplica: { mount: fileSystem.replica, sourceMountPath: fileSystem.mountPath } } : {}),
        schedule: mirrorCheckSchedule,
      });
      const mirroredFiles = sources.some((s) => s.config.type === 'filesystem' && mirrorOf(s.config) !== undefined);
      if (mirroredFiles && fileSystem?.replica && this.fileSystemMount) {
        this.fileMirrorSampler = new FileMirrorSampler(this, 'FileMirrorSampler', {
          environmentName: this.environmentName,
          name: names.fileMirrorSample,
          plans: props.plans,
          mount: this.fileSystemMount,
          catalog: this.catalog.table,
          drCatalog: drCatalogLocation,
          schedule: mirrorCheckSchedule,
          deadLetterQueue: this.alerts.deadLetterQueue,
        });
      }
    }
    this.schedules = new BackupSchedules(this, 'Schedules', {
      environmentName: this.environmentName,
      namePrefix: names.schedulePrefix,
      plans: props.plans,
      backupStateMachine: this.backupWorkflow.stateMachine,
      deadLetterQueue: this.alerts.deadLetterQueue,
    });

    // Not the restore-source state machines of the drill and the failover: a child that fails fails its parent, whose event carries the child's error.
    const primaryMachines = [this.backupWorkflow, this.restoreWorkflow, this.catalogRebuildWorkflow, this.scrubWorkflow, this.repairIndexWorkflow, this.drillWorkflow, this.pruneWorkflow].map((w) => w.stateMachine);
    const drMachines = [this.drRestoreWorkflow, this.failoverWorkflow, this.drCatalogRebuildWorkflow, this.drDrillWorkflow, this.drPruneWorkflow, ...(this.mirrorCheckWorkflow ? [this.mirrorCheckWorkflow] : [])].map((w) => w.stateMachine);
    this.drAlerts.watchExecutions(drMachines);
    // The topic's own key too: disabled, it silences every alarm (that alert itself lands in the dead-letter queue).
    this.alerts.watchKeys(names.keyChangeRule, [this.vault.key, this.catalogKey, this.alerts.topicKey]);
    this.drAlerts.watchKeys(names.keyChangeRule, [this.drVault.key, this.drCatalogKey, this.drAlerts.topicKey, ...(this.mirrors?.key ? [this.mirrors.key] : [])]);
    this.operations = new LifeboatOperations(this, 'Operations', {
      environmentName: this.environmentName,
      prefix: this.prefix,
      plans: props.plans,
      catalog: this.catalog.table,
      catalogKey: this.catalogKey,
      vault: this.vault.bucket,
      vaultKey: this.vault.key,
      backupStateMachine: this.backupWorkflow.stateMachine,
      backupStateMachineName: names.backupStateMachine,
      alerts: this.alerts,
      executionStatusRule: this.alerts.watchExecutions(primaryMachines),
      drAlerts: this.drAlerts,
      drCatalog: { table: this.drCatalog.table, key: this.drCatalogKey },
      scrubSchedule: props.scrub?.schedule ?? DEFAULT_SCRUB_SCHEDULE,
      drRegion: props.drRegion,
      ...(props.notifications?.replicationLagMinutes !== undefined ? { replicationLagMinutes: props.notifications.replicationLagMinutes } : {}),
    });
    tagKeyUsers(this.prefix, [...this.node.findAll(), ...drScope.node.findAll()]);
    // What `lifeboat … --stack <this stack> --aws` reads: this environment as lifeboat.config.json would give it, sources by their deployed names.
    addEnvironmentOutputs(this, {
      deployment: { prefix: this.prefix, primaryStack: stack.stackName, drStack: this.drStack.stackName },
      environment: {
        name: this.environmentName,
        account: stack.account,
        primaryRegion: stack.region,
        drRegion: props.drRegion,
        ...(drAccountId !== stack.account ? { drAccount: drAccountId } : {}),
        plans: validated.plans,
        ...(fileSystem ? { fileSystem: { efs: fileSystem } } : {}),
        // No e-mail addresses: anyone allowed DescribeStacks reads outputs, unredacted, and no --stack command needs them.
        ...(props.notifications?.replicationLagMinutes !== undefined ? { notifications: { replicationLagMinutes: props.notifications.replicationLagMinutes } } : {}),
        ...(props.mirrorCheck ? { mirrorCheck: props.mirrorCheck } : {}),
        ...(props.scrub ? { scrub: props.scrub } : {}),
        ...(props.immutability ? { immutability: props.immutability } : {}),
        ...(props.prune ? { prune: props.prune } : {}),
        ...(props.security || props.approverRoleArn ? { security: { ...props.security, ...(props.approverRoleArn ? { approverRoleArn: props.approverRoleArn } : {}) } } : {}),
        ...(props.functionMemory ? { functionMemory: props.functionMemory } : {}),
      },
    });
    BUILT_PROTECTIONS.add(this);
  }

  /** What is wrong with the props the plan schema does not cover: prefix, environment name, regions, the DR stack, approver, prune. */
  private ownPropIssues(stack: Stack, props: LifeboatProtectionProps): string[] {
    const issues: string[] = [];
    const maxLength = maxPrefixLength([stack.region, props.drRegion]);
    if (!PREFIX_PATTERN.test(this.prefix)) {
      issues.push(`prefix: "${this.prefix}" must be lowercase letters, digits and dashes, starting with a letter and ending with a letter or digit (it starts S3 bucket and DynamoDB table names)`);
    } else if (this.prefix.length > maxLength) {
      issues.push(`prefix: "${this.prefix}" has ${this.prefix.length} characters, at most ${maxLength} fit: the access-log bucket <prefix>-access-logs-<account>-<region> must fit S3's 63`);
    }
    const reserved = RESERVED_BUCKET_NAME_STARTS.find((start) => this.prefix.startsWith(start));
    if (reserved !== undefined) issues.push(`prefix: "${this.prefix}" starts with "${reserved}", which S3 reserves at the start of bucket names (the vault is <prefix>-vault-…): choose another prefix`);
    // S3 ARNs carry no account, so protections of one app overlap whatever accounts they deploy to.
    const accounts = new Set([stack.account, drAccountOf(stack, props)]);
    for (const other of this.node.root.node.findAll()) {
      if (!(other instanceof LifeboatProtection) || other === this || !BUILT_PROTECTIONS.has(other)) continue;
      const overlap = ownedNamePatternOverlap(other.prefix, this.prefix) ?? ownedNamePatternOverlap(this.prefix, other.prefix);
      if (overlap) issues.push(`prefix: protection ${other.node.path} and this one: ${overlap}`);
      else if (other.prefix === this.prefix && mayShareAccount(accounts, new Set([Stack.of(other).account, other.drStack.account]))) {
        issues.push(`prefix: protection ${other.node.path} has the prefix "${this.prefix}" too, and may deploy into the same account: every physical name (vaults, catalog, state machines, schedules) would be the same; give one of them another prefix`);
      } else if (other.prefix === this.prefix) {
        // Accounts apart, the names that carry no account still meet: S3 bucket names are global (a source's mirror, <prefix>-mirror-<source>).
        const [shared, ...more] = sharedPhysicalNames(this.fixedNames, other.fixedNames);
        if (shared) {
          issues.push(
            `prefix: protection ${other.node.path} has the prefix "${this.prefix}" too, in another account, and both would name the ${shared.type} ${shared.name}${placeOf(shared)}${more.length > 0 ? ` (and ${more.length} more name${more.length > 1 ? 's' : ''})` : ''}: ` +
              'S3 bucket names are global across accounts, so the second deploy would fail; give one of them another prefix',
          );
        }
      } else {
        // Another prefix may still end in the same names: prefix shop with plan eu-daily and prefix shop-eu with plan daily both schedule shop-eu-daily.
        const [shared, ...more] = sharedPhysicalNames(this.fixedNames, other.fixedNames);
        if (shared) {
          issues.push(
            `prefix: protection ${other.node.path} (prefix "${other.prefix}") and this one (prefix "${this.prefix}") would both name the ${shared.type} ${shared.name}${placeOf(shared)}${more.length > 0 ? ` (and ${more.length} more name${more.length > 1 ? 's' : ''})` : ''}, ` +
              'since plans name schedules and alarms <prefix>-<plan>…: the second deploy would fail or take over the other\'s; give one of them another prefix, or rename the plan',
          );
        }
      }
    }
    if (props.environmentName !== undefined && !PREFIX_PATTERN.test(props.environmentName)) {
      issues.push(`environmentName: "${props.environmentName}" must be lowercase letters, digits and dashes, starting with a letter and ending with a letter or digit`);
    } else if (props.environmentName !== undefined && props.environmentName.length > MAX_ENVIRONMENT_NAME) {
      issues.push(`environmentName: "${props.environmentName}" has ${props.environmentName.length} characters, at most ${MAX_ENVIRONMENT_NAME} (it names the alarm topics, whose display name SNS limits to 100)`);
    }
    // Scheduler names have at most 64 characters; a plan's drill schedule is the longest: <prefix>-drill-<plan>.
    for (const plan of props.plans) {
      const schedule = plan.drill ? `${this.prefix}-drill-${plan.name}` : `${this.prefix}-${plan.name}`;
      if (schedule.length > MAX_SCHEDULE_NAME) {
        issues.push(`plans: plan "${plan.name}"'s ${plan.drill ? 'drill ' : ''}schedule would be named ${schedule} (${schedule.length} characters); EventBridge Scheduler allows ${MAX_SCHEDULE_NAME}: shorten the prefix or the plan's name`);
      }
    }
    const immutability = props.immutability;
    if (immutability !== undefined) {
      if (immutability.mode !== 'GOVERNANCE' && immutability.mode !== 'COMPLIANCE') issues.push(`immutability.mode: "${String(immutability.mode)}" must be GOVERNANCE or COMPLIANCE`);
      if (!Number.isInteger(immutability.days) || immutability.days < 1 || immutability.days > 36500) {
        issues.push(`immutability.days: ${immutability.days} must be a whole number of days from 1 to 36500 (S3 Object Lock's limits)`);
      }
    }
    const security = props.security;
    if (security?.breakGlassRoleArn !== undefined && !ROLE_ARN_PATTERN.test(security.breakGlassRoleArn)) {
      issues.push(`security.breakGlassRoleArn: "${security.breakGlassRoleArn}" must be an IAM role ARN such as arn:aws:iam::123456789012:role/lifeboat-break-glass (the key and bucket policies compare it with aws:PrincipalArn)`);
    }
    if (security?.logRetentionDays !== undefined && !(LOG_RETENTION_DAYS_VALUES as readonly number[]).includes(security.logRetentionDays)) {
      issues.push(`security.logRetentionDays: ${security.logRetentionDays} is not one of CloudWatch Logs' retention values (${LOG_RETENTION_DAYS_VALUES.join(', ')})`);
    }
    const fraction = props.scrub?.fraction;
    if (fraction !== undefined && !(Number.isFinite(fraction) && fraction > 0 && fraction <= 1)) {
      issues.push(`scrub.fraction: ${fraction} must be above 0 and at most 1 (the share of the objects each scrub reads)`);
    } else if (fraction !== undefined && isBelowMinScrubFraction(fraction)) {
      issues.push(`scrub.fraction: ${fraction} ${MIN_SCRUB_FRACTION_MESSAGE}`);
    }
    // Each plan's schedule is `<prefix>-<plan>`: a plan named scrub, prune, file-mirror-sample or drill-x would take another schedule's name.
    for (const plan of props.plans) {
      const reservedName = reservedPlanNameIssue(plan.name);
      if (reservedName) issues.push(`plans: ${reservedName}`);
    }
    const grace = props.prune?.graceHours;
    if (grace !== undefined && !(Number.isFinite(grace) && grace > 0 && grace <= MAX_GRACE_HOURS)) {
      issues.push(`prune.graceHours: ${grace} must be a number of hours above 0 and at most a year (${MAX_GRACE_HOURS})`);
    } else if (grace !== undefined && grace < backupLeaseSeconds(props.plans) / 3600) {
      // Allowed (a backup that outlives the grace refuses to commit, so nothing is lost), but worth a word at synth.
      Annotations.of(this).addWarningV2(
        'lifeboat:prune-grace-below-lease',
        `prune.graceHours ${grace} is below the backup lease (${backupLeaseSeconds(props.plans) / 3600} h): a backup that runs longer than ${grace} h refuses to commit (BackupOutlivedGraceError)`,
      );
    }
    const threshold = props.prune?.repackThreshold;
    if (threshold !== undefined && !(Number.isFinite(threshold) && threshold >= 0 && threshold < 1)) issues.push(`prune.repackThreshold: ${threshold} must be at least 0 and below 1 (the share of garbage above which a pack is repacked)`);
    if (!Token.isUnresolved(stack.region) && stack.region === props.drRegion) {
      issues.push(`drRegion: "${props.drRegion}" is the region of stack ${stack.stackName}; the DR vault must be in another region`);
    }
    // A warning: a region newer than this aws-cdk-lib is not in its list, and refusing it would hold a user back until an upgrade.
    if (!RegionInfo.regions.some((region) => region.name === props.drRegion)) {
      Annotations.of(this).addWarningV2(
        'lifeboat:dr-region-unknown',
        `drRegion: "${props.drRegion}" is not a region aws-cdk-lib knows (RegionInfo.regions): check its spelling, since the DR stack would be deployed there; a region newer than this aws-cdk-lib is fine (acknowledge this warning)`,
      );
    }
    if (props.approverRoleArn !== undefined) {
      const account = props.approverRoleArn.split(':')[4];
      if (!ROLE_ARN_PATTERN.test(props.approverRoleArn)) {
        issues.push(`approverRoleArn: "${props.approverRoleArn}" must be an IAM role ARN such as arn:aws:iam::123456789012:role/lifeboat-approver (the stacks attach the approver's policy to that role)`);
      } else if (!Token.isUnresolved(stack.account) && account !== stack.account) {
        issues.push(`approverRoleArn: the role is account ${account}'s, not ${stack.account}'s: the stacks attach the approver's policy to a role of their own account`);
      }
    }
    if (props.drAccount === undefined && props.drStack && drInAnotherAccount(stack, props.drStack.account)) {
      issues.push(`drStack: stack ${props.drStack.stackName} is in account ${props.drStack.account}, not ${stack.account}: set drAccount: '${props.drStack.account}' too, so that the DR vault and catalog let this account's roles in (docs/DEPLOYMENT.md, "The DR vault in another account")`);
    }
    issues.push(...sourceRegionIssues(stack, props.plans));
    const remote = props.drAccount !== undefined && props.drAccount !== stack.account;
    if (!remote) issues.push(...agnosticRegionIssues(stack, props.plans));
    // Sources named like this protection's drill scratch targets, or another's of the app (S3 names are global). Both
    // ways: this protection's sources against every earlier protection's prefix, and the earlier protections' sources
    // against this prefix, so the outcome does not depend on which was constructed first.
    const self: ReservedNameOwner = { prefix: this.prefix, describedAs: `this protection (prefix "${this.prefix}")` };
    const earlier = this.node.root.node.findAll().flatMap((other) => (other instanceof LifeboatProtection && other !== this && BUILT_PROTECTIONS.has(other) && other.prefix !== this.prefix ? [other] : []));
    const owners: [ReservedNameOwner, string][] = [[self, 'the prefix'], ...earlier.map((other): [ReservedNameOwner, string] => [{ prefix: other.prefix, describedAs: `protection ${other.node.path} (prefix "${other.prefix}")` }, "that protection's prefix"])];
    for (const { at, source, directoryRoot } of this.reservedNameSubjects) {
      for (const [owner, rename] of owners) {
        for (const reserved of reservedSourceNameIssues(source, [owner], directoryRoot, rename)) issues.push(`${at}.${reserved.field.join('.')}: ${reserved.message}`);
      }
    }
    for (const other of earlier) {
      for (const { at, source, directoryRoot } of other.reservedNameSubjects) {
        for (const reserved of reservedSourceNameIssues(source, [self], directoryRoot, "this protection's prefix")) {
          issues.push(`prefix: protection ${other.node.path}'s ${at}.${reserved.field.join('.')}: ${reserved.message}`);
        }
      }
    }
    // Every S3 source, mirrored ones too: a failover restores a mirrored source from the vault when its mirror is stale.
    const { restoreTargetPrefix } = lifeboatNames({ prefix: this.prefix, environmentName: this.environmentName, account: stack.account, primaryRegion: stack.region, drRegion: props.drRegion });
    props.plans.forEach((plan, p) =>
      plan.sources.forEach((source, s) => {
        const failoverIssue = source.config.type === 's3' ? failoverBucketNameIssue(restoreTargetPrefix, source.name, "the prefix or the source's name") : undefined;
        if (failoverIssue) issues.push(`plans[${p}].sources[${s}]: ${failoverIssue}`);
        const tableIssue = source.table && mirrorOf(source.config) !== undefined ? mirroredTableIssue(source.table, stack, props.drRegion) : undefined;
        if (tableIssue) issues.push(`plans[${p}].sources[${s}].mirror: source "${source.name}": ${tableIssue}`);
        // A DR account has no mirrors at all (refused below, with its own reason).
        const nameIssue = props.drAccount === undefined || props.drAccount === stack.account ? mirroredNameIssue(source, props.drRegion) : undefined;
        if (nameIssue) issues.push(`plans[${p}].sources[${s}].mirror: source "${source.name}": ${nameIssue}`);
      }),
    );
    if (!props.drStack) issues.push(...siblingDrStackIssues(stack, props.drRegion, props.drAccount));
    if (props.drAccount !== undefined) {
      if (!/^\d{12}$/.test(props.drAccount)) issues.push(`drAccount: "${props.drAccount}" must be a 12-digit AWS account id`);
      if (Token.isUnresolved(stack.account)) issues.push(`drAccount: stack ${stack.stackName} has no account (environment-agnostic); give it one, so that the DR stack's policies can name the primary account`);
      if (props.drStack && !Token.isUnresolved(props.drStack.account) && props.drStack.account !== props.drAccount) {
        issues.push(`drStack: stack ${props.drStack.stackName} is in account ${props.drStack.account}, but drAccount is ${props.drAccount}`);
      } else if (props.drStack && props.drStack !== stack && Token.isUnresolved(props.drStack.account) && !Token.isUnresolved(stack.account) && props.drAccount !== stack.account) {
        // Agnostic, the CDK CLI deploys it with its credentials, the primary account's (docs/DEPLOYMENT.md), and the primary's
        // DR-key lookup (dr-key-arns.ts) would describe it there, not in drAccount.
        issues.push(
          `drStack: stack ${props.drStack.stackName} has no account (environment-agnostic), so it would be deployed into the account of the CLI's credentials, ` +
            `not drAccount: give it env: { account: '${props.drAccount}', region: '${props.drRegion}' }`,
        );
      }
      if (props.drAccount !== stack.account) {
        props.plans.forEach((plan, p) =>
          plan.sources.forEach((source, s) => {
            if (source.config.mirror !== undefined && source.config.mirror !== false) {
              issues.push(`plans[${p}].sources[${s}].mirror: source "${source.name}" has a mirror, which a DR vault in another account (drAccount) does not offer: S3 replication, DynamoDB global tables and EFS replication would each need the DR account's consent of their own; drop mirror, or keep the DR stack in this account`);
            }
          }),
        );
      }
    }
    if (props.drStack) {
      if (props.drStack === stack) issues.push(`drStack: is the protection's own stack ${stack.stackName}; give a stack in drRegion ${props.drRegion}`);
      else if (Token.isUnresolved(props.drStack.region)) {
        // Refused, where an environment-agnostic protection stack is taken (with the DrRegionDiffers rule): that stack's region is
        // unknown until deploy, the DR stack's is drRegion, a literal. Agnostic, it would deploy into the CLI's region (usually the
        // primary's, whose names it would collide with), and CDK, which compares environments by their strings, would take it and
        // an agnostic protection stack for one environment and reference the protection's resources from it (a dependency cycle).
        issues.push(
          `drStack: stack ${props.drStack.stackName} has no region (environment-agnostic), so it would be deployed into the region of the CLI's credentials, ` +
            `not drRegion: give it env: { region: '${props.drRegion}' }`,
        );
      } else if (props.drStack.region !== props.drRegion) {
        issues.push(`drStack: stack ${props.drStack.stackName} is in ${props.drStack.region}, but drRegion is ${props.drRegion}`);
      }
    }
    return issues;
  }
}

/** S3 refuses bucket names that start with these (S3's bucket naming rules). */
const RESERVED_BUCKET_NAME_STARTS = ['xn--', 'sthree-', 'amzn-s3-demo-'] as const;
/** EventBridge Scheduler's limit on a schedule's name. */
const MAX_SCHEDULE_NAME = 64;
/** `Lifeboat <environmentName>` is the alarm topics' display name, which SNS limits to 100 characters. */
const MAX_ENVIRONMENT_NAME = 64;
/** CloudFormation's limit on a stack's name. */
const MAX_STACK_NAME = 128;
/** The config schema's bound (environment.prune.graceHours). */
const MAX_GRACE_HOURS = 24 * 365;

/** One source of a protection for the reserved-name check: where its props hold it, its names, and its drill scratch root. */
type ReservedNameSubject = { readonly at: string; readonly source: NamedSource; readonly directoryRoot: string };

function reservedNameSubjectsOf(props: LifeboatProtectionProps): ReservedNameSubject[] {
  const directoryRoot = props.fileSystem?.mountPath ?? DEFAULT_MOUNT_PATH;
  return props.plans.flatMap((plan, p) => plan.sources.map((source, s) => ({ at: `plans[${p}].sources[${s}]`, source: namesOf(source), directoryRoot })));
}

/**
 * A source's bucket, table and path as the reserved-name check reads them: a bucket or table name that is a token
 * (an owned resource) is read from its CloudFormation resource when it is a string there, tokens and all (a token
 * never matches a literal prefix, so a name like `<prefix>-drill-x-${Aws.ACCOUNT_ID}` is still judged by its literal
 * start), or its `deployedName` when a source gave one; one CloudFormation generates (or imports by a token) cannot be judged at synth and is left as it is, which
 * no pattern matches.
 */
function namesOf(source: LifeboatSource): NamedSource {
  const config = source.config;
  if (config.type === 's3') {
    const inventory = config.inventory ? { inventory: { bucket: plainName(config.inventory.bucket, source.inventoryBucket) } } : {};
    return { type: 's3', name: config.name, bucket: plainName(config.bucket, source.bucket), ...inventory };
  }
  if (config.type === 'dynamodb') return { type: 'dynamodb', name: config.name, table: plainName(config.table, source.table) };
  return config;
}

function plainName(name: string, resource: IConstruct | undefined): string {
  if (!Token.isUnresolved(name)) return name;
  // An auto-named resource's deployed name, when a source gave it (review r6 R6-3): known at synth, so judged too.
  const deployed = deployedNameOf(name);
  if (deployed !== undefined) return deployed;
  const given = physicalNameGiven(resource)?.given;
  return typeof given === 'string' ? given : name;
}

/**
 * Why a mirrored bucket or table cannot be mirror-checked, or undefined: the DR region's mirror check compares the mirror with
 * the source, by the source's name, and the DR stack knows only a literal one or one built of the account (plans-in-stack.ts;
 * called for a same-account DR stack only). Without it every check fails, and a failover, which uses a mirror only after a
 * passed check, always restores from the vault. The advice depends on who owns the resource: a bucket of this app keeps the
 * mirror's replication rule in its own template only while it stays a Bucket there (`deployedName`), whereas re-imported by
 * its name it would lose the rule from its template while the replication custom resource puts it on, unordered.
 */
function mirroredNameIssue(source: LifeboatSource, drRegion: string): string | undefined {
  const config = source.config;
  if (config.type === 'filesystem' || mirrorOf(config) === undefined) return undefined;
  const elsewhere = sourceNameElsewhere(config.type === 's3' ? config.bucket : config.table, true);
  if ('name' in elsewhere) return undefined;
  const [what, prop, importer, factory] =
    config.type === 's3' ? ['bucket', 'bucketName', 's3.Bucket.fromBucketName', 'LifeboatSource.s3Bucket'] : ['table', 'tableName', 'dynamodb.TableV2.fromTableName', 'LifeboatSource.dynamoDbTable'];
  const resource = source.bucket ?? source.table;
  const cfn = resource?.node.defaultChild;
  const owned = cfn instanceof s3.CfnBucket || cfn instanceof dynamodb.CfnTable || cfn instanceof dynamodb.CfnGlobalTable;
  const fix = owned
    ? `deployed already, give ${factory} the option deployedName: '<its deployed name>' (for the DR stack only; the ${what} stays as it is; ` +
      `giving a deployed ${what} a ${prop} replaces it with an empty one); new, give it a literal ${prop}; or drop mirror`
    : `import it by its literal name (${importer}(scope, id, '<its name>')) or give ${factory} the option deployedName: '<its name>'; or drop mirror`;
  return (
    `the mirror check, in ${drRegion}, compares the mirror with the ${what}${resource !== undefined ? ` ${resource.node.path}` : ''} by its name, ` +
    `which the DR stack cannot know: ${elsewhere.unknown}; every check would fail. ${fix.charAt(0).toUpperCase()}${fix.slice(1)}`
  );
}

/** Whether two protections' accounts (primary and DR) may be the same: a token may be any account. */
function mayShareAccount(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const all = [...a, ...b];
  return all.some((account) => Token.isUnresolved(account)) || [...a].some((account) => b.has(account));
}

/**
 * Sources whose bucket or table a stack of another region owns: the functions run in the protection's region and
 * reach sources there (CDK would otherwise fail later, with a cross-environment reference error naming no source).
 */
function sourceRegionIssues(stack: Stack, plans: readonly LifeboatPlan[]): string[] {
  if (Token.isUnresolved(stack.region)) return [];
  const issues: string[] = [];
  plans.forEach((plan, p) =>
    plan.sources.forEach((source, s) => {
      const resource = source.bucket ?? source.table;
      const region = resource?.env.region;
      if (resource === undefined || region === undefined || Token.isUnresolved(region) || region === stack.region) return;
      issues.push(`plans[${p}].sources[${s}]: source "${source.name}": ${source.bucket ? 'bucket' : 'table'} ${resource.node.path} is in ${region}, but the protection is in ${stack.region}: protect it from a stack in ${region}`);
    }),
  );
  return issues;
}

/**
 * What in the DR stack would need the primary region, which an environment-agnostic stack does not name: its region is
 * {"Ref":"AWS::Region"}, which in the DR stack resolves to the DR region. The mirror check would compare a table's replica with
 * itself and read the source buckets through the DR region; a DR drill would sample the live buckets there. (A DR drill started
 * by hand then compares no live source: the constructor warns.)
 */
function agnosticRegionIssues(stack: Stack, plans: readonly LifeboatPlan[]): string[] {
  if (!Token.isUnresolved(stack.region)) return [];
  const issues: string[] = [];
  const why = `stack ${stack.node.path} has no region (environment-agnostic), and the DR stack cannot learn it`;
  plans.forEach((plan, p) => {
    plan.sources.forEach((source, s) => {
      if (mirrorOf(source.config) === undefined) return;
      issues.push(`plans[${p}].sources[${s}].mirror: source "${source.name}": the mirror check, in the DR region, compares the mirror with the source in the primary region, but ${why}: give the stack env.region, or drop mirror`);
    });
    if (plan.drill !== undefined && (plan.drill.vault ?? 'dr') === 'dr' && plan.sources.some((source) => source.config.type === 's3')) {
      issues.push(`plans[${p}].drill: plan "${plan.name}"'s drill of the DR vault compares its restores with the live buckets in the primary region, but ${why}: give the stack env.region, or drill the primary vault (drill.vault: 'primary')`);
    }
  });
  return issues;
}

/**
 * The names and grants of a protection assume one account for both sides unless drAccount says otherwise: the primary's
 * policies name the DR vault `<prefix>-vault-<account>-<drRegion>` (drAccountOf), whose policies let in no other account.
 * A stack of the protection that is environment-agnostic learns its account only at deploy, so when the DR side's account
 * is known it gets a rule CloudFormation checks before any resource: deployed into another account, it would name a
 * bucket that is not there (or someone else's) and grant nothing the DR side accepts.
 */
function sameAccountRules(protection: Construct, stack: Stack, drScope: Construct, drStack: Stack, drAccount: string): void {
  if (Token.isUnresolved(drAccount)) return;
  const where = 'docs/DEPLOYMENT.md, "The DR vault in another account"';
  if (Token.isUnresolved(stack.account)) {
    new CfnRule(protection, 'DrAccountMatches', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.ACCOUNT_ID, drAccount),
          assertDescription:
            `Lifeboat ${protection.node.path}: this stack is deployed into another account than ${drAccount}, its DR stack ${drStack.stackName}'s, whose DR vault lets no other account in: ` +
            `deploy it into ${drAccount}, or, for a DR vault in another account, give this stack env.account and the protection drAccount: '${drAccount}' (${where})`,
        },
      ],
    });
  }
  // Only a drStack of the user's (the default DR stack takes drAccount or the stack's account), and then drAccount is this
  // stack's account: another one with an agnostic drStack is refused at synth (ownPropIssues).
  if (drStack !== stack && Token.isUnresolved(drStack.account)) {
    new CfnRule(drScope, 'AccountMatches', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.ACCOUNT_ID, drAccount),
          assertDescription:
            `Lifeboat ${protection.node.path}: stack ${drStack.stackName} holds its DR vault, named for account ${drAccount}, the protection's stack's: ` +
            `deploy it into ${drAccount}, or give it env: { account: '${drAccount}' } (${where})`,
        },
      ],
    });
  }
}

/** A catalog key: used through DynamoDB only, by the protection's tagged roles (protected-key.ts). */
function catalogKey(scope: Construct, description: string, keyUser: string, security: LifeboatSecurityOptions | undefined, userAccount?: string): kms.Key {
  return createProtectedKey(scope, 'CatalogKey', {
    description,
    breakGlassArn: breakGlassPrincipalArn(Stack.of(scope), security),
    keyUser,
    ...(userAccount !== undefined ? { userAccounts: [userAccount] } : {}),
    uses: [{ actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'], conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(scope).region}.amazonaws.com` } } }],
  });
}

/** Where the default DR stack of a protection in `stack` goes: an existing sibling to share, or the id and name of a new one. */
type SiblingDrStack = { readonly existing: Stack } | { readonly parent: Construct; readonly id: string; readonly stackName: string; readonly account?: string };

/**
 * One default DR stack per DR account and region, next to `stack` (same parent): protections of `stack` with the same
 * drAccount and drRegion share it. The first keeps `<stackName>-LifeboatDR`, the name DR stacks have always had; a
 * protection with another drRegion or drAccount gets `<stackName>-LifeboatDR-<region>` (`-<account>-<region>` for an
 * account other than the stack's), so that its DR vault is never created in another protection's DR region or account.
 */
function siblingDrStackPlacement(stack: Stack, drRegion: string, drAccount: string | undefined): SiblingDrStack {
  const parent = stack.node.scope;
  if (!parent) throw new Error(`Stack ${stack.stackName} has no parent to create the Lifeboat DR stack in; pass drStack.`);
  // drAccount, else the same account; an environment-agnostic account stays agnostic (the CLI's credentials decide at deploy).
  const account = drAccount ?? (Token.isUnresolved(stack.account) ? undefined : stack.account);
  const suffixes = [DEFAULT_DR_STACK_SUFFIX, `${DEFAULT_DR_STACK_SUFFIX}-${account !== undefined && account !== stack.account ? `${account}-` : ''}${drRegion}`];
  for (const suffix of suffixes) {
    const existing = parent.node.tryFindChild(`${stack.node.id}${suffix}`);
    if (existing === undefined) return { parent, id: `${stack.node.id}${suffix}`, stackName: `${stack.stackName}${suffix}`, ...(account !== undefined ? { account } : {}) };
    if (existing instanceof Stack && existing.region === drRegion && (Token.isUnresolved(existing.account) ? account === undefined : existing.account === account)) return { existing };
  }
  throw new InvalidLifeboatPropsError(`Lifeboat DR stack of ${stack.node.path}`, [
    `drStack: ${parent.node.path || 'the app'} already holds a construct ${stack.node.id}${suffixes[1]} that is no DR stack in ${drRegion}${account !== undefined ? ` and account ${account}` : ''}; pass drStack`,
  ]);
}

/** What keeps the default DR stack from being made: a nested stack (its name is a token, its parent a stack), or a name over CloudFormation's 128 characters. */
function siblingDrStackIssues(stack: Stack, drRegion: string, drAccount: string | undefined): string[] {
  if (stack.nested) {
    return [`drStack: the protection is in the nested stack ${stack.node.path}, next to which no DR stack can be made (a DR stack is a top-level stack of its own, in ${drRegion}); pass drStack: a Stack in ${drRegion}`];
  }
  const placement = siblingDrStackPlacement(stack, drRegion, drAccount);
  if ('existing' in placement) return [];
  if (placement.stackName.length > MAX_STACK_NAME) {
    return [`drStack: the DR stack would be named ${placement.stackName} (${placement.stackName.length} characters), over CloudFormation's ${MAX_STACK_NAME}: give stack ${stack.node.path} a shorter stackName, or pass drStack`];
  }
  const clash = stackNamedLike(stack.node.root, { stackName: placement.stackName, account: placement.account, region: drRegion, stage: Stage.of(stack) });
  return clash ? [drStackNameClashIssue(stack, placement.stackName, placement.account, drRegion, clash)] : [];
}

/** Where a stack is deployed, as CloudFormation knows it: its name in an account (undefined: any, an environment-agnostic stack) and region. */
type StackPlace = { readonly stackName: string; readonly account: string | undefined; readonly region: string };

/**
 * A top-level stack of the app, other than `except`, that may be deployed under the same name into the same account and region:
 * CloudFormation knows a stack by that name alone, so the second one deployed would update the first. CDK allows one stackName
 * in several environments (a stack per region is a common pattern), which gives their default DR stacks, named after it and
 * in the one drRegion, a single name.
 */
function stackNamedLike(root: IConstruct, place: StackPlace & { readonly stage: Stage | undefined }, except?: Stack): Stack | undefined {
  // Within one Stage (deployed together, with one set of credentials) an unknown account may be the same one; a stack of
  // another Stage (deployed on its own, often into another account) clashes only where both places are known and equal
  // (review 43e F1: Beta and Prod stages of environment-agnostic stacks were refused).
  const known = (a: string | undefined): a is string => a !== undefined && !Token.isUnresolved(a);
  const mayBe = (a: string | undefined, b: string) => !known(a) || !known(b) || a === b;
  const surely = (a: string | undefined, b: string) => known(a) && known(b) && a === b;
  return root.node.findAll().find((c): c is Stack => {
    if (!(c instanceof Stack) || c === except || c.nested || c.stackName !== place.stackName) return false;
    const same = Stage.of(c) === place.stage ? mayBe : surely;
    return same(place.account, c.account) && same(place.region, c.region);
  });
}

/** The refusal of a default DR stack whose name, account and region another stack of the app has: whose DR stack that is, and what to do. */
function drStackNameClashIssue(stack: Stack, stackName: string, account: string | undefined, region: string, clash: Stack): string {
  const where = `${account ?? '(any account)'}/${region}`;
  const owner = clash.node.root.node.findAll().find((c) => c instanceof LifeboatProtection && c.drStack === clash && Stack.of(c) !== stack);
  const ownerStack = owner ? Stack.of(owner) : undefined;
  const shared = ownerStack?.stackName === stack.stackName ? ` (stacks ${stack.node.path} and ${ownerStack.node.path} share the stackName ${stack.stackName})` : '';
  const why = ownerStack ? `the DR stack of ${ownerStack.node.path}${shared}` : 'another stack of the app';
  return (
    `drStack: the DR stack would be named ${stackName} in ${where}, which stack ${clash.node.path}, ${why}, already has there: CloudFormation knows a stack by its name ` +
    `in an account and region, so deploying one would update the other and take its DR vault, catalog and runbooks over; give the stacks different stackNames, or pass drStack`
  );
}

/** The default DR stack (siblingDrStackPlacement): the one to share, or a new one. */
function siblingDrStack(protection: Construct, stack: Stack, drRegion: string, drAccount: string | undefined): Stack {
  const placement = siblingDrStackPlacement(stack, drRegion, drAccount);
  if ('existing' in placement) return placement.existing;
  const synthesizer = drStackSynthesizerLike(stack, placement.account);
  const drStack = new Stack(placement.parent, placement.id, {
    stackName: placement.stackName,
    env: { region: drRegion, ...(placement.account !== undefined ? { account: placement.account } : {}) },
    description: `Lifeboat: DR vault of ${stack.stackName} (${drRegion})`,
    ...drStackSettingsLike(stack, placement.account, synthesizer),
  });
  warnOfSynthesizerNotCarried(stack, drStack, synthesizer);
  carryStackTags(stack, drStack);
  warnOfBoundaryNotCarried(protection, drStack);
  // A stack of that name made after this one (ownPropIssues refuses those made before): said at synth, the tree then being complete.
  drStack.node.addValidation({
    validate: () => {
      const clash = stackNamedLike(drStack.node.root, { stackName: placement.stackName, account: placement.account, region: drRegion, stage: Stage.of(drStack) }, drStack);
      return clash ? [`Lifeboat DR stack of ${stack.node.path}: ${drStackNameClashIssue(stack, placement.stackName, placement.account, drRegion, clash)}`] : [];
    },
  });
  // Which protection gets the plain name follows the order they are built in: removing or reordering the first would rename
  // this stack, and a deploy of the renamed one fails on the vault names the old one still holds.
  if (placement.stackName !== `${stack.stackName}${DEFAULT_DR_STACK_SUFFIX}`) {
    Annotations.of(stack).addWarningV2(
      `lifeboat:dr-stack-name-by-order-${drRegion}`,
      `the default DR stack ${placement.stackName} is named after the order of the protections in ${stack.node.path} (the first one built has ${stack.stackName}${DEFAULT_DR_STACK_SUFFIX}): removing or reordering protections would rename it and fail the next deploy; pass drStack to fix its name`,
    );
  }
  return drStack;
}

/** The props of the protection itself that must be literals and are tokens (the plans' and drRegion: checkPlansShape). */
function literalPropIssues(props: LifeboatProtectionProps): string[] {
  const { prefix, environmentName, drAccount, approverRoleArn, security, notifications, scrub, prune, mirrorCheck, immutability, functionMemory, fileSystem } = props;
  return tokenPaths({ prefix, environmentName, drAccount, approverRoleArn, security, notifications, scrub, prune, mirrorCheck, immutability, functionMemory, fileSystem }, '').map(tokenPropIssue);
}

/**
 * Why a plan's RPO cannot be kept by its schedule alone: the backup-age alarm (`<prefix>-<plan>-backup-age`) fires once the
 * last committed backup is older than the RPO, so an RPO below the longest interval between scheduled backups puts it in ALARM
 * for part of every such interval, and `lifeboat status` and `lifeboat doctor` report the plan missing its objective. An RPO
 * equal to the interval too (audit R40 F2): ages run from a backup's start, so the last backup's age passes the RPO the moment
 * the next run starts and stays past it until that run commits — every run longer than the alarm's 15 minutes alarms. Undefined
 * when the schedule keeps it, or fires once (`at(...)`).
 */
function rpoBelowScheduleWarning(plan: { readonly name: string; readonly schedule: string; readonly objectives: { readonly rpoMinutes: number } }, index: number, prefix: string): string | undefined {
  const gapMs = longestScheduleGapMs(parseScheduleExpression(plan.schedule));
  if (gapMs === undefined || plan.objectives.rpoMinutes * 60_000 > gapMs) return undefined;
  const gapMinutes = gapMs / 60_000;
  const readable = gapMinutes % 1440 === 0 ? ` (${gapMinutes / 1440} day${gapMinutes === 1440 ? '' : 's'})` : gapMinutes % 60 === 0 ? ` (${gapMinutes / 60} hour${gapMinutes === 60 ? '' : 's'})` : '';
  const equal = plan.objectives.rpoMinutes * 60_000 === gapMs;
  return (
    `plans[${index}].objectives.rpoMinutes: ${plan.objectives.rpoMinutes} is ${equal ? 'equal to' : 'shorter than'} the longest interval between the backups of plan "${plan.name}"'s schedule ${plan.schedule}, ` +
    `${gapMinutes} min${readable}: the alarm ${planAlarmName(prefix, plan.name, 'backup-age')} fires once the last backup is older than the RPO` +
    (equal
      ? ` (ages run from a backup's start, so the last backup's age passes the RPO as the next run starts and until it commits), so it would be in ALARM during every run that takes more than 15 minutes, `
      : `, so it would be in ALARM for part of every such interval, `) +
    `and lifeboat status would show the plan missing its objective. Raise rpoMinutes above ${gapMinutes} by the longest a backup run takes plus 15 minutes (the alarm's three 5-minute periods), ` +
    `for example ${gapMinutes + 60}, or schedule backups more often; acknowledge this warning if backups started by hand in between keep the RPO`
  );
}

/** What a protection without `prefix` says at synth: the prefix it derived, how to pin it, and what changing it would do. */
function derivedPrefixWarning(prefix: string): string {
  return (
    `prefix is not given, so it is derived from this construct's path: "${prefix}". Pin it with prefix: '${prefix}' before the first deploy ` +
    '(or now, with this value, if this protection is deployed already): moving or renaming the construct, its stack or a scope above it ' +
    'changes a derived prefix, which deploys new, empty vaults and catalogs (the old ones are retained but no longer used); ' +
    'docs/DEPLOYMENT.md, "Settings that must not change after the first deploy"'
  );
}

/** The id of a protection's construct in the DR stack: its path below its own stack, which is unique there. */
function drScopeId(protection: Construct, stack: Stack, drStack: Stack): string {
  const scopes = protection.node.scopes;
  const id = scopes
    .slice(scopes.indexOf(stack) + 1)
    .map((c) => c.node.id)
    .join('-');
  if (drStack.node.tryFindChild(id)) {
    throw new InvalidLifeboatPropsError(`LifeboatProtection ${protection.node.path}`, [
      `drStack: stack ${drStack.stackName} already holds "${id}" (another protection with the same id in another stack?); give this protection another id or its own drStack`,
    ]);
  }
  return id;
}

/**
 * The key policies let only roles tagged `lifeboat:key-user` = the prefix use the keys (protected-key.ts):
 * every function of the protection, and every state machine, on either side. A state machine's own
 * role reads its Distributed Map's items from the vault and writes the Map's results there
 * (vault-distributed-map.ts), both SSE-KMS with the vault key: untagged, KMS refused them and every
 * backup, restore, drill and failover failed at its first Map in AWS (the local cloud has no key policies).
 */
function tagKeyUsers(prefix: string, constructs: readonly IConstruct[]): void {
  for (const node of constructs) {
    if (node instanceof LifeboatFunction) Tags.of(node.role ?? node).add(KEY_USER_TAG, prefix);
    else if (node instanceof sfn.StateMachine) Tags.of(node.role).add(KEY_USER_TAG, prefix);
  }
}
