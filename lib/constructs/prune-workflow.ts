import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { LifeboatFunction } from './lifeboat-function';
import { type LifeboatPlan } from './lifeboat-plan';
import { lifeboatTask } from './lifeboat-task';
import { failureReport as failureReportState, loggedStateMachine } from './logged-state-machine';
import { bucketHasObjectLock } from './bucket-object-lock';
import { BACKUP_RECORD_PARTITIONS, catalogPartitionStatement, FORMAT_MARKER_PARTITION, INDEX_SWEEP_PARTITIONS, SOURCE_INDEX_PARTITIONS } from './catalog-partition-grant';
import { acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { plansInStack } from './plans-in-stack';
import { homeVaultEnvironment } from './restore-functions';
import { scheduleDelivery } from './schedule-delivery';
import { schedulerPrincipal } from './scheduler-principal';
import { validatePlans } from './validated-plans';
import { createOnlyPutStatements } from './vault-bucket-protection';
import { backupLeaseSeconds, BACKUP_LEASE_SECONDS } from '../../config/backup-lease';
import { canonicalScheduleExpression } from '../../config/schedule-expression';
import { PRUNE_WORKFLOW_TIMEOUT_SECONDS } from '../../config/prune-workflow-timeout';

/** The prune's EventBridge Scheduler schedule and the request it starts the state machine with. */
export type PruneSchedule = {
  /** Physical name of the schedule (lifeboatNames' pruneSchedule). */
  readonly name: string;
  /** A Scheduler expression, e.g. `rate(1 day)`, in UTC. */
  readonly expression: string;
  /**
   * @default the handler's default (25 h: the backup lease, 24 h 15 min, plus a margin); when a plan has an archive tier,
   * whose backups hold the lease up to 72 h 15 min, the schedule sends 74 (leaseCoveringGraceHours)
   */
  readonly graceHours?: number;
  /** @default the handler's default (0.2) */
  readonly repackThreshold?: number;
  /** Where Scheduler puts a start it could not deliver after its retries. @default none */
  readonly deadLetterQueue?: sqs.IQueue;
};

export type PruneWorkflowProps = {
  readonly environmentName: string;
  /** Physical name of the state machine (`<prefix>-prune`, the same in both regions). */
  readonly stateMachineName: string;
  readonly plans: readonly LifeboatPlan[];
  /** The vault this workflow prunes, in the workflow's stack, and which one it is. */
  readonly vault: s3.IBucket;
  readonly vaultKey: kms.IKey;
  readonly vaultSide: 'primary' | 'dr';
  /** The catalog of the workflow's region: the Forget step reads the plans' backups and marks the forgotten ones. */
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
  /** @default no schedule */
  readonly schedule?: PruneSchedule;
  /**
   * Whether the vault's bucket has Object Lock (environment.immutability): its deleters then read each object's
   * retention and legal hold before they delete it (S3VaultStore.delete), which S3 shows only to a role with
   * s3:GetObjectRetention and s3:GetObjectLegalHold.
   * @default whether `vault` is a bucket of this app created with Object Lock (bucketHasObjectLock); for an imported
   * bucket, true: the two read grants are harmless without a lock, and without them a locked vault's deletes would put
   * delete markers over retained objects
   */
  readonly objectLock?: boolean;
};

/** What the prune reads (docs/FORMAT.md §1 and §11): the whole vault but nothing outside it. */
const VAULT_READ_KEYS = ['config', 'keys/*', 'snapshots/*', 'manifest/*', 'index/*', 'data/*', 'prune/*'];
/**
 * What it creates and never replaces: repacked packs (random ids) and index objects (named by their hash), which
 * S3VaultStore.put writes with `If-None-Match: *` (its IMMUTABLE_PREFIXES), multipart completions included, so the
 * role may write them create-only (createOnlyPutStatements): a prune role cannot replace a pack or an index object.
 */
const VAULT_CREATE_KEYS = ['data/*', 'index/*'];
/**
 * What it writes unconditionally: its own state, `prune/policy` (rewritten at the start of every run) and the
 * condemnation batches `prune/condemned/<id>`. A batch is written once (named by its hash) but outside the store's
 * create-only prefixes, so its put carries no If-None-Match, and a create-only grant would refuse it.
 */
const VAULT_REWRITE_KEYS = ['prune/*'];
/** Every key it writes: multipart uploads it may have to abort. */
const VAULT_WRITE_KEYS = [...VAULT_CREATE_KEYS, ...VAULT_REWRITE_KEYS];
/**
 * What it may delete: swept packs, index and manifest objects, swept batches, and prune leases (its own when
 * it ends, a dead prune's: vault/prune/prune-lease.ts). Never snapshots, keys or config.
 */
const VAULT_DELETE_KEYS = ['data/*', 'index/*', 'manifest/*', 'prune/condemned/*', 'prune/running/*'];
/**
 * What the Forget step deletes: the snapshot objects of forgotten backups. With Object Lock also where it reads
 * their retention and legal hold.
 */
const FORGET_DELETE_KEYS = ['snapshots/*'];
/**
 * What S3VaultStore.delete HEADs before deleting, on a vault with Object Lock: S3 puts the retention and legal hold
 * headers in a HEAD only for a role allowed s3:GetObjectRetention and s3:GetObjectLegalHold. Without them the HEAD
 * looks unlocked and the delete adds a delete marker over a retained object (docs/ARCHITECTURE.md, "Object Lock").
 */
const LOCK_READ_ACTIONS = ['s3:GetObjectRetention', 's3:GetObjectLegalHold'];
/** Whose tags it reads and writes: packs (their storage tier tag), nothing else. */
const VAULT_TAGGED_KEYS = ['data/*'];
/**
 * The grace a schedule sends when it is given none: none while the handler's default (25 h) covers the backup lease
 * (24 h 15 min), else the lease rounded up to whole hours, plus one as a margin (74 h). An archive tier's backup holds its lease up
 * to 72 h 15 min (it may wait for thaws), and one that outlives the grace refuses to commit (BackupOutlivedGraceError):
 * the handler's 25 h would turn every such backup into a failure, silently.
 */
function leaseCoveringGraceHours(plans: Parameters<typeof backupLeaseSeconds>[0]): number | undefined {
  const leaseSeconds = backupLeaseSeconds(plans);
  return leaseSeconds <= BACKUP_LEASE_SECONDS ? undefined : Math.ceil(leaseSeconds / 3600) + 1;
}

const WORKFLOW_TIMEOUT = Duration.seconds(PRUNE_WORKFLOW_TIMEOUT_SECONDS);

/**
 * The prune of one vault (docs/FORMAT.md §11, "Prune"): `<prefix>-prune`, in each vault's region.
 * The first state, "Prune request", keeps the execution's input as `$.request` (graceHours,
 * repackThreshold, dryRun); the Prune task then sweeps due condemnation batches, condemns and
 * repacks, and runs again with its cursor while it answers `done: false`. The execution's output
 * is the prune report. Steps that must come first (the retention's Forget) go in front of the Prune task.
 *
 * Access: read every vault object kind and list the bucket; create packs and index objects (never
 * replace one: `If-None-Match: *` required) and write prune/ objects; read and write the tags of
 * packs (the repack keeps each pack's storage tier); delete packs, index and manifest objects and
 * condemnation batches — never snapshots, key objects or config — and, with Object Lock, read the
 * retention and legal hold of exactly those (the Forget step: of snapshots); the vault key for Decrypt (read)
 * and GenerateDataKey (SSE-KMS writes); put the run's `PRUNE#<vault>` item into the region's
 * catalog, Query its byPlan index (is a vault that does not exist one that never held a backup?) and Scan it (the
 * plans the catalog holds backups of, for the check of the vault's snapshots), with its key, the catalog's encryption.
 */
export class PruneWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly function: LifeboatFunction;
  /** The Forget step's function (retention, lambdas/retention/forget-backups.ts). */
  readonly forgetFunction: LifeboatFunction;
  /** The state that receives the execution's input; Prune follows it. */
  readonly firstState: sfn.Pass;
  /** The Prune task: a step placed in front of it ends with `.next(pruneTask)`. */
  readonly pruneTask: sfn.TaskStateBase;
  readonly schedule?: scheduler.CfnSchedule;

  constructor(scope: Construct, id: string, props: PruneWorkflowProps) {
    super(scope, id);
    const { plans } = validatePlans(this, 'PruneWorkflow', { plans: props.plans });
    const stack = Stack.of(this);
    const home = { side: props.vaultSide, bucket: props.vault, key: props.vaultKey };
    const prune = new LifeboatFunction(this, 'PruneVault', {
      handler: 'prune-vault',
      environment: {
        LIFEBOAT_ENVIRONMENT: props.environmentName,
        ...homeVaultEnvironment(stack, home),
        CATALOG_TABLE: props.catalog.tableName,
        LIFEBOAT_PLANS: stack.toJsonString(plansInStack(this, plans)),
      },
    });
    this.function = prune;
    // Forget: retention of the home vault (the DR stack: drRetention); deletes snapshots/ objects only, marks the catalog.
    const forget = new LifeboatFunction(this, 'ForgetBackups', {
      handler: 'forget-backups',
      environment: {
        LIFEBOAT_ENVIRONMENT: props.environmentName,
        ...homeVaultEnvironment(stack, home),
        CATALOG_TABLE: props.catalog.tableName,
        LIFEBOAT_PLANS: stack.toJsonString(plansInStack(this, plans)),
      },
    });
    this.forgetFunction = forget;
    const objects = (keys: readonly string[]) => keys.map((k) => props.vault.arnForObjects(k));
    forget.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:DeleteObject'], resources: objects(FORGET_DELETE_KEYS) }));
    forget.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.vault.arnForObjects('config'), props.vault.arnForObjects('keys/*')] }));
    forget.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.vault.bucketArn] }));
    forget.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.vaultKey.keyArn] }));
    // GetItem and UpdateItem of the partitions the Forget step names, and no other (review r58J F2: an UpdateItem creates
    // the item it names): the backups' records (getBackup, claimForgetting, releaseForgetting, markForgotten), the
    // sweep's progress (removeForgottenIndexItems, INDEXSWEEP#<plan>) and the format marker (markDeployedFormat).
    forget.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [BACKUP_RECORD_PARTITIONS, INDEX_SWEEP_PARTITIONS, FORMAT_MARKER_PARTITION]));
    // markForgotten and the one-time sweep (removeForgottenIndexItems) delete the per-source index items of forgotten
    // backups, and only those: no record, lock or claim of the catalog can be deleted with this grant.
    forget.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:DeleteItem'], [SOURCE_INDEX_PARTITIONS]));
    // ForgetCatalog (lambdas/retention/forget-backups.ts): the plan's backups by the byPlan index, records by GetItem.
    forget.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.catalog.tableArn}/index/byPlan`] }));
    props.catalogKey.grantEncryptDecrypt(forget);
    prune.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects(VAULT_READ_KEYS) }));
    for (const statement of createOnlyPutStatements(objects(VAULT_CREATE_KEYS), { multipart: true })) prune.addToRolePolicy(statement);
    prune.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: objects(VAULT_REWRITE_KEYS) }));
    prune.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:AbortMultipartUpload'], resources: objects(VAULT_WRITE_KEYS) }));
    prune.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: objects(VAULT_DELETE_KEYS) }));
    // Object Lock: each delete is preceded by a HEAD that must show the object's lock (LOCK_READ_ACTIONS), on exactly
    // the keys each function deletes; a retained object is then kept (ObjectLockedError: the prune's report.locked,
    // the lease's "released" record), not hidden behind a delete marker.
    if (props.objectLock ?? bucketHasObjectLock(props.vault) ?? true) {
      prune.addToRolePolicy(new iam.PolicyStatement({ actions: LOCK_READ_ACTIONS, resources: objects(VAULT_DELETE_KEYS) }));
      forget.addToRolePolicy(new iam.PolicyStatement({ actions: LOCK_READ_ACTIONS, resources: objects(FORGET_DELETE_KEYS) }));
    }
    // Tiers: the repack reads the tags of the packs it rewrites and writes the new packs with them
    // (PutObject with Tagging needs s3:PutObjectTagging too): packs only, docs/ARCHITECTURE.md "Storage tiers".
    prune.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObjectTagging', 's3:PutObjectTagging'], resources: objects(VAULT_TAGGED_KEYS) }));
    // Listing: the prune lists every prefix, and S3 answers a missing key 404 (not 403) only with it.
    prune.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.vault.bucketArn] }));
    prune.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [props.vaultKey.keyArn] }));
    // The run's record (lambdas/catalog/prune-record.ts): PRUNE#<vault> items of this region's catalog, nothing else.
    prune.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:PutItem'], ['PRUNE#*']));
    // The check's second look at a backup whose snapshot the vault lacks (lambdas/retention/recorded-snapshots.ts): a
    // consistent GetItem of its record, since the byPlan index may still show live one the Forget step just forgot (review
    // r59H F2). Read only, BACKUP# records only.
    prune.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem'], [BACKUP_RECORD_PARTITIONS]));
    // A home vault that does not exist is "nothing to prune yet" only while the catalog records no backup stored in it
    // (lambdas/replication/absent-vault.ts): each plan's newest backups by the byPlan index, read only; so does the
    // check of the vault's snapshots/ listing against the catalog (recorded-snapshots.ts).
    prune.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.catalog.tableArn}/index/byPlan`] }));
    // The check reads every plan the catalog holds backups of, not the configured ones alone (review r59M F3: a plan
    // removed from the config keeps its committed backups): a Scan of the byPlan index, which holds backup records only.
    // Never of the table, whose Scan would read every item kind of every partition.
    prune.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [`${props.catalog.tableArn}/index/byPlan`] }));
    props.catalogKey.grantEncryptDecrypt(prune);

    this.firstState = new sfn.Pass(this, 'Prune request', {
      comment: 'Keeps the execution\'s input ({"graceHours"?, "repackThreshold"?, "dryRun"?}) as $.request for every Prune invocation.',
      parameters: { 'request.$': '$' },
    });
    const pruneTask = lifeboatTask(
      this,
      'Prune',
      'Prunes the vault (docs/FORMAT.md "Prune"): deletes what condemnation batches older than the grace name and no snapshot references again, condemns what no snapshot references now, repacks packs with more garbage than the threshold. Answers done: false with a cursor when its time runs out.',
      prune,
      '$.prune',
    );
    this.pruneTask = pruneTask;
    const forgetTask = lifeboatTask(
      this,
      'Forget',
      'Applies each plan\'s retention to the backups in this vault (docs/RUNBOOKS.md "Retention"): deletes the snapshot objects of the backups it forgets and marks them forgotten in this region\'s catalog; a dry run ({"dryRun": true}) decides only.',
      forget,
      '$.forget',
    );
    const finished = new sfn.Choice(this, 'Prune finished?', { comment: 'Runs Prune again from its cursor until it answers done: true.' });
    const report = new sfn.Succeed(this, 'Prune report', { comment: 'The execution\'s output is the prune report: deleted, condemned, repacked, bytes freed, locked.', outputPath: '$.prune' });
    const failureReport = failureReportState(this, {
      reportComment: 'Collects the error and cause of the failed prune with the request and execution name, for the Fail state and the execution history.',
      failName: 'Prune failed',
      failComment: 'Fails the execution with the prune\'s own error name and message.',
    });
    // Another prune holds the vault's lease (a CLI prune, or a prune that died: its lease ends within
    // PRUNE_LEASE_TTL_MS and a minute): waited for about a quarter of an hour before the run fails.
    pruneTask.addRetry({ errors: ['PruneAlreadyRunningError'], interval: Duration.minutes(2), backoffRate: 1.5, maxAttempts: 4 });
    pruneTask.addCatch(failureReport, { errors: ['States.ALL'], resultPath: '$.error' });
    forgetTask.addCatch(failureReport, { errors: ['States.ALL'], resultPath: '$.error' });
    finished.when(sfn.Condition.booleanEquals('$.prune.done', true), report).otherwise(pruneTask);

    this.stateMachine = loggedStateMachine(this, { stateMachineName: props.stateMachineName, definition: this.firstState.next(forgetTask).next(pruneTask).next(finished), timeout: WORKFLOW_TIMEOUT });
    if (props.schedule) this.schedule = this.addSchedule(props.environmentName, props.vaultSide, props.schedule, plans);

    acknowledgeScopedWildcards(this, [...new Set([...objects(VAULT_READ_KEYS), ...objects(VAULT_WRITE_KEYS), ...objects(VAULT_DELETE_KEYS)]), `${prune.functionArn}:*`, `${forget.functionArn}:*`, props.vault.arnForObjects('snapshots/*'), props.vault.arnForObjects('keys/*')]);
    for (const role of [prune.role, forget.role, this.stateMachine.role]) if (role) acknowledgeXRayWildcard(role);
  }

  /** As ScrubWorkflow: a role that may start this one state machine, and the schedule. */
  private addSchedule(environmentName: string, side: 'primary' | 'dr', schedule: PruneSchedule, plans: Parameters<typeof backupLeaseSeconds>[0]): scheduler.CfnSchedule {
    const role = new iam.Role(this, 'ScheduleRole', {
      assumedBy: schedulerPrincipal(this),
      description: `Lifeboat ${environmentName}: starts scheduled prunes of the ${side} vault`,
    });
    this.stateMachine.grantStartExecution(role);
    const graceHours = schedule.graceHours ?? leaseCoveringGraceHours(plans);
    const input = {
      ...(graceHours !== undefined ? { graceHours } : {}),
      ...(schedule.repackThreshold !== undefined ? { repackThreshold: schedule.repackThreshold } : {}),
    };
    return new scheduler.CfnSchedule(this, 'Schedule', {
      name: schedule.name,
      description: `Lifeboat prune of ${environmentName}'s ${side} vault: unreferenced objects condemned, those condemned a grace period ago deleted, packs repacked`,
      scheduleExpression: canonicalScheduleExpression(schedule.expression),
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.stateMachine.stateMachineArn,
        roleArn: role.roleArn,
        input: JSON.stringify(input),
        ...scheduleDelivery(role, schedule.deadLetterQueue),
      },
    });
  }
}
