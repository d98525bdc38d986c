import { Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DEFAULT_DR_STACK_SUFFIX, DEFAULT_MIRROR_CHECK_SCHEDULE, DEFAULT_SCRUB_FRACTION, DEFAULT_SCRUB_SCHEDULE, defaultPrefix } from '../lifeboat-defaults';
import { type LifeboatNames, lifeboatNames, maxPrefixLength, PREFIX_PATTERN } from '../lifeboat-names';
import { createAccessLogsBucket } from './access-logs-bucket';
import { BackupSchedules } from './backup-schedules';
import { BackupWorkflow } from './backup-workflow';
import { CatalogRebuildWorkflow } from './catalog-rebuild-workflow';
import { CatalogTable } from './catalog-table';
import { DrillWorkflow } from './drill-workflow';
import { FailoverWorkflow } from './failover-workflow';
import { FileSystemMount } from './file-system-mount';
import { InvalidLifeboatPropsError } from './invalid-props-error';
import { type LifeboatPlan } from './lifeboat-plan';
import { LifeboatVault } from './lifeboat-vault';
import { MirrorCheckWorkflow } from './mirror-check-workflow';
import { type ReplicaVaultLocation } from './replica-vault-location';
import { RestoreWorkflow } from './restore-workflow';
import { ScrubWorkflow } from './scrub-workflow';
import { SourceMirrors } from './source-mirrors';
import { validatePlans } from './validated-plans';
import { mirrorOf } from '../../config/lifeboat-config';
import { ownedNamePatternOverlap } from '../../config/name-pattern-overlap';

/**
 * The Amazon EFS file system that holds the file-system sources, mounted through one access point into
 * the functions that read or write files (docs/ARCHITECTURE.md, "File systems in AWS (EFS)"). Imported by
 * id: Lifeboat creates no VPC, file system or access point. Same fields as `fileSystem.efs` in lifeboat.config.json.
 */
export type LifeboatFileSystem = {
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
   * the access-log bucket `<prefix>-access-logs-<account>-<region>` to fit S3's 63 characters.
   * @default derived from the construct path, unique in the app (lifeboat-defaults.ts, defaultPrefix)
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
   * The stack (in `drRegion`, same account) that holds the DR vault. The protection's own stack depends on it.
   * @default a stack next to the protection's stack (same Stage or App), named `<stackName>-LifeboatDR`, in the
   * stack's account and `drRegion`; protections of one stack share it
   */
  readonly drStack?: Stack;
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
   * The mirror check `<prefix>-mirror-check` (DR stack) and its schedule of the same name; made when a source has `mirror`.
   * @default every 15 minutes, 1000 entries per source
   */
  readonly mirrorCheck?: LifeboatMirrorCheckOptions;
};

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
  readonly schedules: BackupSchedules;
  /** The EFS mount of the functions that touch files, when there is one. */
  readonly fileSystemMount?: FileSystemMount;
  /** The native replication of the sources that have `mirror` (their mirror buckets in `drStack`). */
  readonly mirrors?: SourceMirrors;
  /** The mirror check (in `drStack`), when a source has `mirror`. */
  readonly mirrorCheckWorkflow?: MirrorCheckWorkflow;

  constructor(scope: Construct, id: string, props: LifeboatProtectionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.prefix = props.prefix ?? defaultPrefix(this);
    this.environmentName = props.environmentName ?? this.prefix;
    this.checkOwnProps(stack, props);
    const { sources, fileSystem } = validatePlans(this, 'LifeboatProtection', { plans: props.plans, drRegion: props.drRegion, ...(props.fileSystem ? { fileSystem: props.fileSystem } : {}) });

    this.drStack = props.drStack ?? siblingDrStack(stack, props.drRegion);
    if (this.drStack !== stack) stack.addStackDependency(this.drStack, 'Lifeboat: the primary vault replicates into the DR vault');
    const names = lifeboatNames({ prefix: this.prefix, environmentName: this.environmentName, account: stack.account, primaryRegion: stack.region, drRegion: props.drRegion });
    this.names = names;

    // The DR side: in the DR stack, under a construct named by this protection's path in its own stack, so that
    // several protections can share one DR stack (and `Default`, our JSON-config app's id, adds nothing to logical ids).
    const drScope = new Construct(this.drStack, drScopeId(this, stack, this.drStack));
    const accessLogs = createAccessLogsBucket(this, 'AccessLogs', names.primaryAccessLogs);
    const drAccessLogs = createAccessLogsBucket(drScope, 'AccessLogs', names.drAccessLogs);
    this.vault = new LifeboatVault(this, 'Vault', {
      bucketName: names.primaryVault,
      keyAlias: names.primaryVaultKeyAlias,
      accessLogsBucket: accessLogs,
      replica: {
        scope: drScope,
        id: 'ReplicaVault',
        bucketName: names.drVault,
        // The restore workflow (primary region) opens the DR vault by this alias: no cross-region reference needed.
        keyAlias: names.drVaultKeyAlias,
        accessLogsBucket: drAccessLogs,
      },
    });
    if (!this.vault.replica) throw new Error('LifeboatVault did not create the replica it was given.');
    this.drVault = this.vault.replica;

    this.catalogKey = new kms.Key(this, 'CatalogKey', { description: `Lifeboat ${this.environmentName} catalog`, enableKeyRotation: true });
    this.catalog = new CatalogTable(this, 'Catalog', { tableName: names.catalogTable, encryptionKey: this.catalogKey });
    // The DR catalog: same table name (tables are regional), its own key, found from the primary region by alias.
    this.drCatalogKey = new kms.Key(drScope, 'CatalogKey', { description: `Lifeboat ${this.environmentName} DR catalog`, enableKeyRotation: true });
    new kms.Alias(drScope, 'CatalogKeyAlias', { aliasName: names.drCatalogKeyAlias, targetKey: this.drCatalogKey });
    this.drCatalog = new CatalogTable(drScope, 'Catalog', { tableName: names.catalogTable, encryptionKey: this.drCatalogKey });
    const mount = FileSystemMount.forSources(this, {
      ...(fileSystem ? { efs: fileSystem } : {}),
      fileSystemSources: sources.filter((s) => s.config.type === 'filesystem').map((s) => s.name),
      environmentName: this.environmentName,
    });
    if (mount) this.fileSystemMount = mount;

    const drVault: ReplicaVaultLocation = { bucketName: names.drVault, region: props.drRegion, keyAlias: names.drVaultKeyAlias };
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
      drCatalog: { tableName: names.catalogTable, region: props.drRegion, keyAlias: names.drCatalogKeyAlias },
    });
    this.restoreWorkflow = new RestoreWorkflow(this, 'Restore', { ...shared, stateMachineName: names.restoreStateMachine, restoreTargetPrefix: names.restoreTargetPrefix });
    // The DR region's runbooks: nothing in them names a primary-region resource (no file system either: the EFS
    // mount is the primary region's; a directory source fails over under the local cloud only, docs/RUNBOOKS.md).
    this.drRestoreWorkflow = new RestoreWorkflow(drScope, 'Restore', {
      environmentName: this.environmentName,
      plans: props.plans,
      vault: this.drVault.bucket,
      vaultKey: this.drVault.key,
      vaultSide: 'dr',
      catalog: this.drCatalog.table,
      catalogKey: this.drCatalogKey,
      stateMachineName: names.restoreStateMachine,
      restoreTargetPrefix: names.restoreTargetPrefix,
    });
    this.failoverWorkflow = new FailoverWorkflow(drScope, 'Failover', {
      environmentName: this.environmentName,
      plans: props.plans,
      vault: this.drVault.bucket,
      vaultKey: this.drVault.key,
      catalog: this.drCatalog.table,
      catalogKey: this.drCatalogKey,
      stateMachineName: names.failoverStateMachine,
      restoreTargetPrefix: names.restoreTargetPrefix,
      ...(sources.some((s) => mirrorOf(s.config) !== undefined) ? { mirrorBucketPrefix: names.mirrorBucketPrefix } : {}),
    });
    this.drCatalogRebuildWorkflow = new CatalogRebuildWorkflow(drScope, 'CatalogRebuild', {
      environmentName: this.environmentName,
      plans: props.plans,
      vault: this.drVault.bucket,
      vaultKey: this.drVault.key,
      vaultSide: 'dr',
      catalog: this.drCatalog.table,
      catalogKey: this.drCatalogKey,
      stateMachineName: names.catalogRebuildStateMachine,
    });
    // No file system (nor VPC): the rebuild reads only the vaults and writes only the catalog.
    this.catalogRebuildWorkflow = new CatalogRebuildWorkflow(this, 'CatalogRebuild', { ...vaultsAndCatalog, stateMachineName: names.catalogRebuildStateMachine });
    const fraction = props.scrub?.fraction ?? DEFAULT_SCRUB_FRACTION;
    this.scrubWorkflow = new ScrubWorkflow(this, 'Scrub', {
      ...vaultsAndCatalog,
      stateMachineName: names.scrubStateMachine,
      // The default fraction is the handler's own: the schedule's input stays `{}`.
      schedule: { name: names.scrubSchedule, expression: props.scrub?.schedule ?? DEFAULT_SCRUB_SCHEDULE, ...(fraction !== DEFAULT_SCRUB_FRACTION ? { fraction } : {}) },
    });
    const drill = { environmentName: this.environmentName, plans: props.plans, stateMachineName: names.drillStateMachine, scratchPrefix: names.drillTargetPrefix, primaryRegion: stack.region, schedulePrefix: names.drillSchedulePrefix };
    this.drillWorkflow = new DrillWorkflow(this, 'Drill', {
      ...drill,
      vault: this.vault.bucket,
      vaultKey: this.vault.key,
      vaultSide: 'primary',
      catalog: this.catalog.table,
      catalogKey: this.catalogKey,
      ...(mount ? { fileSystem: mount } : {}),
    });
    this.drDrillWorkflow = new DrillWorkflow(drScope, 'Drill', {
      ...drill,
      vault: this.drVault.bucket,
      vaultKey: this.drVault.key,
      vaultSide: 'dr',
      catalog: this.drCatalog.table,
      catalogKey: this.drCatalogKey,
    });
    if (sources.some((s) => mirrorOf(s.config) !== undefined)) {
      this.mirrors = new SourceMirrors(this, 'Mirrors', {
        environmentName: this.environmentName,
        sources,
        drScope,
        drRegion: props.drRegion,
        mirrorBucketPrefix: names.mirrorBucketPrefix,
        drKey: this.drVault.key,
        drKeyAlias: names.drVaultKeyAlias,
        drAccessLogs,
        ...(fileSystem ? { fileSystem } : {}),
      });
      this.mirrorCheckWorkflow = new MirrorCheckWorkflow(drScope, 'MirrorCheck', {
        environmentName: this.environmentName,
        stateMachineName: names.mirrorCheckStateMachine,
        plans: props.plans,
        primaryRegion: stack.region,
        mirrorBucketPrefix: names.mirrorBucketPrefix,
        catalog: this.drCatalog.table,
        catalogKey: this.drCatalogKey,
        schedule: { expression: props.mirrorCheck?.schedule ?? DEFAULT_MIRROR_CHECK_SCHEDULE, ...(props.mirrorCheck?.samples !== undefined ? { samples: props.mirrorCheck.samples } : {}) },
      });
    }
    this.schedules = new BackupSchedules(this, 'Schedules', {
      environmentName: this.environmentName,
      namePrefix: names.schedulePrefix,
      plans: props.plans,
      backupStateMachine: this.backupWorkflow.stateMachine,
    });
  }

  /** The props the plan schema does not cover: prefix, environment name, regions and the DR stack. */
  private checkOwnProps(stack: Stack, props: LifeboatProtectionProps): void {
    const issues: string[] = [];
    const maxLength = maxPrefixLength([stack.region, props.drRegion]);
    if (!PREFIX_PATTERN.test(this.prefix)) {
      issues.push(`prefix: "${this.prefix}" must be lowercase letters, digits and dashes, starting with a letter and ending with a letter or digit (it starts S3 bucket and DynamoDB table names)`);
    } else if (this.prefix.length > maxLength) {
      issues.push(`prefix: "${this.prefix}" has ${this.prefix.length} characters, at most ${maxLength} fit: the access-log bucket <prefix>-access-logs-<account>-<region> must fit S3's 63`);
    }
    // S3 ARNs carry no account, so protections of one app overlap whatever accounts they deploy to.
    for (const other of this.node.root.node.findAll()) {
      if (!(other instanceof LifeboatProtection) || other === this) continue;
      const overlap = ownedNamePatternOverlap(other.prefix, this.prefix) ?? ownedNamePatternOverlap(this.prefix, other.prefix);
      if (overlap) issues.push(`prefix: protection ${other.node.path} and this one: ${overlap}`);
    }
    if (props.environmentName !== undefined && !PREFIX_PATTERN.test(props.environmentName)) {
      issues.push(`environmentName: "${props.environmentName}" must be lowercase letters, digits and dashes, starting with a letter and ending with a letter or digit`);
    }
    const fraction = props.scrub?.fraction;
    if (fraction !== undefined && !(Number.isFinite(fraction) && fraction > 0 && fraction <= 1)) {
      issues.push(`scrub.fraction: ${fraction} must be above 0 and at most 1 (the share of the objects each scrub reads)`);
    }
    // The plans' schedules are `<prefix>-<plan>`: a plan named scrub would take the scrub schedule's name.
    // Drill schedules are `<prefix>-drill-<plan>`: a plan named drill-x would take the name of plan x's drill schedule.
    for (const p of props.plans.filter((plan) => plan.name.startsWith('drill-'))) issues.push(`plans: plan "${p.name}" starts with "drill-"; its schedule would be named like a plan's drill schedule (<prefix>-drill-<plan>): rename the plan`);
    if (props.plans.some((p) => p.name === 'scrub')) issues.push('plans: a plan is named "scrub"; its schedule would be named like the scrub\'s (<prefix>-scrub): rename the plan');
    if (!Token.isUnresolved(stack.region) && stack.region === props.drRegion) {
      issues.push(`drRegion: "${props.drRegion}" is the region of stack ${stack.stackName}; the DR vault must be in another region`);
    }
    if (props.drStack) {
      if (props.drStack === stack) issues.push(`drStack: is the protection's own stack ${stack.stackName}; give a stack in drRegion ${props.drRegion}`);
      else if (!Token.isUnresolved(props.drStack.region) && props.drStack.region !== props.drRegion) {
        issues.push(`drStack: stack ${props.drStack.stackName} is in ${props.drStack.region}, but drRegion is ${props.drRegion}`);
      }
    }
    if (issues.length > 0) throw new InvalidLifeboatPropsError(`LifeboatProtection ${this.node.path}`, issues);
  }
}

/** The default DR stack: next to `stack` (same parent), `<stackName>-LifeboatDR` in `drRegion`; shared by the protections of `stack`. */
function siblingDrStack(stack: Stack, drRegion: string): Stack {
  const parent = stack.node.scope;
  if (!parent) throw new Error(`Stack ${stack.stackName} has no parent to create the Lifeboat DR stack in; pass drStack.`);
  const id = `${stack.node.id}${DEFAULT_DR_STACK_SUFFIX}`;
  const existing = parent.node.tryFindChild(id);
  if (existing instanceof Stack) return existing;
  return new Stack(parent, id, {
    stackName: `${stack.stackName}${DEFAULT_DR_STACK_SUFFIX}`,
    // Same account; an environment-agnostic account stays agnostic (the CLI's credentials decide at deploy).
    env: { region: drRegion, ...(Token.isUnresolved(stack.account) ? {} : { account: stack.account }) },
    description: `Lifeboat: DR vault of ${stack.stackName} (${drRegion})`,
  });
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
