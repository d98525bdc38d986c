import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { catalogPartitionStatement, FORMAT_MARKER_PARTITION, SCRUB_RUNS_PARTITION } from './catalog-partition-grant';
import { LifeboatFunction } from './lifeboat-function';
import { type LifeboatPlan } from './lifeboat-plan';
import { lifeboatTask } from './lifeboat-task';
import { failureReport as failureReportState, loggedStateMachine } from './logged-state-machine';
import { acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { replicaCatalogAccess, type ReplicaCatalogLocation } from './replica-catalog-location';
import { replicaVaultAccess, type ReplicaVaultLocation } from './replica-vault-location';
import { scheduleDelivery } from './schedule-delivery';
import { validatePlans } from './validated-plans';
import { schedulerPrincipal } from './scheduler-principal';
import { canonicalScheduleExpression } from '../../config/schedule-expression';

/** The scrub's EventBridge Scheduler schedule. */
export type ScrubSchedule = {
  /** Physical name of the schedule (lifeboatNames' scrubSchedule). */
  readonly name: string;
  /** A Scheduler expression, e.g. `rate(1 day)`, in UTC. */
  readonly expression: string;
  /**
   * The share of the objects each scheduled run reads; the input is `{}` without it (the handler's default, 1/7).
   * @default the handler's default
   */
  readonly fraction?: number;
  /** Where an event goes that the schedule could not deliver (OperationsAlerts' queue). @default none */
  readonly deadLetterQueue?: sqs.IQueue;
};

export type ScrubWorkflowProps = {
  /** Names the protection (the function's LIFEBOAT_ENVIRONMENT, the `environment` of each recorded run). */
  readonly environmentName: string;
  /** Physical name of the state machine; its log group is `/aws/vendedlogs/states/<name>`. */
  readonly stateMachineName: string;
  /** The plans (LIFEBOAT_PLANS, which every Lifeboat function's runtime reads). */
  readonly plans: readonly LifeboatPlan[];
  /** The primary vault (LifeboatVault's bucket) and its KMS key. */
  readonly vault: s3.IBucket;
  readonly vaultKey: kms.IKey;
  /** The DR vault: scrubbed with `"vault": "dr"` or `"both"`, and the source of the primary's repairs. */
  readonly drVault: ReplicaVaultLocation;
  /** The catalog (CatalogTable's table) and its KMS key: each run is recorded there (SCRUB#RUNS). */
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
  /**
   * The DR region's catalog: what the DR vault's retention forgot (`forgottenAt`), which a repair does
   * not copy back there. @default none: only the primary catalog's forgotten backups are left alone
   */
  readonly drCatalog?: ReplicaCatalogLocation;
  /**
   * Start the state machine on a schedule.
   * @default no schedule
   */
  readonly schedule?: ScrubSchedule;
};

/** What opening a vault and reading every scrubbed object reads (docs/FORMAT.md §1): config, key objects, packs, indexes, manifests, snapshots. */
// prune/running/*: a repair that copied a snapshot in reads the vault's prune leases to wait for a running prune (lambdas/replication/look-after-copy.ts).
// prune/condemned/*: the tombstones that name damaged index objects a repair superseded, which the scrub notes rather than fail on,
// and the packs a sweep deleted or a repair left out, which the check of the slice's index objects does not judge lost (fix f58R).
const VAULT_READ_KEYS = ['config', 'keys/*', 'data/*', 'index/*', 'manifest/*', 'snapshots/*', 'prune/running/*', 'prune/condemned/*'];
/**
 * What a repair writes (lambdas/replication/scrub-repairs.ts, heal → copyVaultObject): an object a vault lacks or
 * holds damaged, copied from the other vault once that copy verifies — exactly the keys the scrub checks
 * (vault/checker/object-check.ts, isScrubbedObjectKey), each for a reason of its own:
 * - `config`: a vault that lost it opens no more (repaired first);
 * - `data/*`: packs, the blobs of every backup;
 * - `index/*`: where blobs are in the packs; a vault's snapshots need the index objects that locate their blobs;
 * - `manifest/*`: the snapshots' manifest roots, nodes and pages;
 * - `snapshots/*`: the snapshots themselves (repaired last, the commit protocol).
 * Never `keys/*` (each vault's key objects are its own), never plans/, parts/, prune/ or restore-plans/.
 *
 * Not create-only: a copy that does not verify is written over (VaultStore.replace), and IAM cannot tell that
 * overwrite from one of a healthy object of the same name. The repair of a missing object is create-only in the code
 * (If-None-Match: S3VaultStore.put for the hashed and random names, putIfAbsent for `config`), so a repair racing a
 * backup or replication never replaces their object; but the grant itself allows an unconditional PutObject on these
 * prefixes (docs/SECURITY.md, "Immutable objects"). In a DR vault of another account that account's bucket policy
 * refuses the overwrite (vault-bucket-protection.ts): there the repair of a damaged DR copy is the DR account's.
 */
const REPAIRED_KEYS = ['config', 'data/*', 'index/*', 'manifest/*', 'snapshots/*'];
/** Packs (~16 MiB) are written in parts (S3VaultStore.put); a failed upload is aborted. */
const MULTIPART_KEYS = ['data/*'];
/** The state machine stops waiting for the function well after the function's own 15 minutes. */
const WORKFLOW_TIMEOUT = Duration.hours(1);
/** The scrub lease's partition (lambdas/catalog/scrub-lease.ts, SCRUB_LEASE_PK; scrub-workflow.test.ts ties them). */
const SCRUB_LEASE_PARTITION = 'SCRUB#LEASE';

/**
 * The scrub runbook (docs/RUNBOOKS.md, "Scrub"): one Lambda task runs what `lifeboat scrub --repair`
 * runs (lambdas/replication/scrub-runbook.ts over scrub-vaults.ts) — the next slice of the vaults'
 * objects read and verified, the two listings compared, each vault healed from the other's verified
 * copy, the run recorded in the catalog with the cursor the next run starts from. Its bounded summary
 * is the execution's output. Retry on TransientError; any other error — `VaultDamageError` when
 * something is left damaged or missing — goes to a failure report and the execution fails with that
 * error's name and message, so an alarm on failed executions sees unrepaired damage.
 *
 * **One invocation per run.** The slice is the unit of work: at the default 1/7 a run reads a
 * seventh of the objects, which is Lambda's 15 minutes for ~100 GiB of packs at ~100 MiB/s per
 * vault; a larger vault takes a smaller fraction (the cycle is then longer), or `lifeboat scrub` from
 * a machine. A timed-out run is not recorded, so the next one reads the same slice.
 *
 * Access: read both vaults' scrubbed objects and key objects, and list them (the listing also makes S3
 * answer a missing key 404 as the vault expects), and read each vault bucket's Object Lock configuration; write only what a repair writes (REPAIRED_KEYS, the
 * prefixes replication writes) in each vault, and read and set (never lift) the legal holds of those; on each vault key Decrypt (unwrap the master key, read
 * SSE-KMS objects) and GenerateDataKey (SSE-KMS of the objects a repair writes) — the DR key by the ARN pinned
 * at deploy time; on the catalog PutItem (the run) and Query (the latest run) of the SCRUB#RUNS partition only, and PutItem, GetItem,
 * UpdateItem and DeleteItem (take, name the holder, confirm before recording, release) of the scrub lease's SCRUB#LEASE only, and UpdateItem and
 * GetItem of the format marker's FORMAT only (raised before each run), with the catalog key as the other writers have it; Query
 * and Scan of both catalogs' byPlan index (the plans' records, of every plan the catalog holds: what each vault's retention forgot). Optionally a Scheduler schedule whose role may start this state machine only.
 */
export class ScrubWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly function: LifeboatFunction;
  readonly schedule?: scheduler.CfnSchedule;

  constructor(scope: Construct, id: string, props: ScrubWorkflowProps) {
    super(scope, id);
    const { plans } = validatePlans(this, 'ScrubWorkflow', { plans: props.plans });
    const stack = Stack.of(this);
    const dr = props.drVault;
    const drAccess = replicaVaultAccess(dr);
    const drCatalog = props.drCatalog ? replicaCatalogAccess(stack, props.drCatalog) : undefined;
    const scrub = new LifeboatFunction(this, 'ScrubVaults', {
      handler: 'scrub-vaults',
      environment: {
        LIFEBOAT_ENVIRONMENT: props.environmentName,
        VAULT_BUCKET: props.vault.bucketName,
        VAULT_KEY_ARN: props.vaultKey.keyArn,
        ...drAccess.environment,
        CATALOG_TABLE: props.catalog.tableName,
        ...(drCatalog ? drCatalog.environment : {}),
        LIFEBOAT_PLANS: stack.toJsonString(plans),
      },
    });
    this.function = scrub;

    const drBucketArn = `arn:${stack.partition}:s3:::${dr.bucketName}`;
    const objects = (keys: readonly string[]) => [...keys.map((k) => props.vault.arnForObjects(k)), ...keys.map((k) => `${drBucketArn}/${k}`)];
    scrub.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects(VAULT_READ_KEYS) }));
    // A repaired pack keeps its storage tier: the healthy copy's tags are read and written with it ("Storage tiers").
    scrub.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObjectTagging', 's3:PutObjectTagging'], resources: objects(['data/*']) }));
    // s3:GetObjectLegalHold: see the legal hold below. In the write's statement: one more statement of 10 ARNs took the role's
    // policy past CDK's split point (10,000 characters, under IAM's inline limit), and CDK moved statements out into an
    // OverflowPolicy managed policy.
    scrub.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObjectLegalHold'], resources: objects(REPAIRED_KEYS) }));
    scrub.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:AbortMultipartUpload'], resources: objects(MULTIPART_KEYS) }));
    // A repair over a damaged copy under a legal hold writes the new version held as well (S3VaultStore.replace; a hold
    // is a version's own, and the newest is what HEAD, a release and a catalog rebuild read): it reads the hold, and a
    // write carrying x-amz-object-lock-legal-hold needs s3:PutObjectLegalHold. Setting a hold only, never lifting one.
    scrub.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObjectLegalHold'], resources: objects(REPAIRED_KEYS), conditions: { StringEquals: { 's3:object-lock-legal-hold': 'ON' } } }),
    );
    // s3:GetBucketObjectLockConfiguration: a repair asks GetObjectLegalHold first; where that ask is refused (a DR vault
    // of another account allows the hold read on snapshots/* only) the store reads the bucket's configuration to learn
    // whether holds exist at all (S3VaultStore.hasObjectLock), and without it the refusal stood (f65I). The buckets alone, in the list's
    // statement: one more statement could push the role's policy into an OverflowPolicy (see above).
    scrub.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket', 's3:GetBucketObjectLockConfiguration'], resources: [props.vault.bucketArn, drBucketArn] }));
    // The DR key by the ARN DrKeyArns pinned at deploy time (another region, another stack). One statement for both keys:
    // two took the role's policy past CDK's split point once the lock configuration read was granted (f65I).
    scrub.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [props.vaultKey.keyArn, dr.keyArn] }));
    // The scrub log (lambdas/catalog/scrub-log.ts): Query of the SCRUB#RUNS partition for the latest run, PutItem of this one.
    // That partition only: on the whole table a scrub's role could replace a backup record (and its legal hold), a plan's
    // lease or read the approvals' task tokens (audit d6-1).
    scrub.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:PutItem', 'dynamodb:Query'], [SCRUB_RUNS_PARTITION], 'exact'));
    // The scrub lease (lambdas/catalog/scrub-lease.ts), held from before the latest run is read until this one is recorded,
    // so that two scrubs at once cannot drop one's damage: taken (a conditional PutItem), its holder read when refused,
    // confirmed right before the run is recorded (an UpdateItem conditional on its holder, review rEE F1), released.
    scrub.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [SCRUB_LEASE_PARTITION], 'exact'));
    // The catalog format marker (lambdas/catalog/catalog-format.ts), raised before each run as the Plan and Forget steps
    // raise it, since every run writes its record here: a conditional UpdateItem, and GetItem for the format that
    // stands when the condition fails (a marker already at or above it, every run after the first). Its own statement,
    // so that the SCRUB# grants stay as narrow as they are (review rZ3 F4).
    scrub.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:UpdateItem', 'dynamodb:GetItem'], [FORMAT_MARKER_PARTITION], 'exact'));
    props.catalogKey.grantEncryptDecrypt(scrub);
    // The plans' records (byPlan) of both catalogs, read only: what each vault's retention forgot (lambdas/retention/forgotten-snapshots.ts),
    // the newest backup recorded in a vault not created yet (absent-vault.ts), the snapshots their backup discarded (discarded-snapshots.ts).
    scrub.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.catalog.tableArn}/index/byPlan`, ...(drCatalog ? [drCatalog.byPlanIndexArn] : [])] }));
    // What each vault's retention forgot is read of every plan the catalog holds backups of, configured or not (review
    // r60F F1: a removed plan's forgotten backup was copied back): a Scan of the byPlan index of each catalog, which holds
    // backup records only. Never of a table, whose Scan would read every item kind of every partition.
    scrub.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [`${props.catalog.tableArn}/index/byPlan`, ...(drCatalog ? [drCatalog.byPlanIndexArn] : [])] }));
    if (props.drCatalog) scrub.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.drCatalog.keyArn] }));

    const scrubTask = lifeboatTask(
      this,
      'Scrub',
      'Validates the input ({"vault": "primary" | "dr" | "both", "fraction": 1e-6 <= f <= 1, "repair": boolean}; defaults both, 1/7, true), reads and verifies the next slice of the vaults\' objects from the cursor in the catalog, compares the two listings, copies each damaged or missing object from the other vault once that copy verifies, and records the run.',
      scrub,
      '$.report',
      // The execution holds the scrub lease, so that its retry (after a throttled record and release) takes it again (review rEE F3).
      { 'request.$': '$', 'execution.$': '$$.Execution.Id' },
    );
    const report = new sfn.Succeed(this, 'Scrub report', {
      comment: 'Nothing is left damaged or missing; the execution\'s output is the run\'s summary: objects read, findings repaired, the next cursor.',
      outputPath: '$.report',
    });
    const failureReport = failureReportState(this, {
      reportComment: 'Collects the error and cause of the failed scrub (VaultDamageError names what is left damaged) with the request and execution name, for the Fail state and the execution history.',
      failName: 'Scrub failed',
      failComment: 'Fails the execution with the scrub\'s own error name and message, so that an alarm on failed executions sees damage left unrepaired.',
    });
    scrubTask.addCatch(failureReport, { errors: ['States.ALL'], resultPath: '$.error' });

    this.stateMachine = loggedStateMachine(this, { stateMachineName: props.stateMachineName, definition: scrubTask.next(report), timeout: WORKFLOW_TIMEOUT });

    if (props.schedule) this.schedule = this.addSchedule(props.environmentName, props.schedule);

    acknowledgeScopedWildcards(this, [...objects(VAULT_READ_KEYS), ...objects(REPAIRED_KEYS), `${scrub.functionArn}:*`]);
    for (const role of [scrub.role, this.stateMachine.role]) if (role) acknowledgeXRayWildcard(role);
  }

  /** As BackupSchedules: a role that may start this one state machine, and the schedule. */
  private addSchedule(environmentName: string, schedule: ScrubSchedule): scheduler.CfnSchedule {
    const role = new iam.Role(this, 'ScheduleRole', {
      assumedBy: schedulerPrincipal(this),
      description: `Lifeboat ${environmentName}: starts scheduled scrubs`,
    });
    this.stateMachine.grantStartExecution(role);
    return new scheduler.CfnSchedule(this, 'Schedule', {
      name: schedule.name,
      description: `Lifeboat scrub of ${environmentName}: the next slice of both vaults read, verified and repaired`,
      scheduleExpression: canonicalScheduleExpression(schedule.expression),
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.stateMachine.stateMachineArn,
        roleArn: role.roleArn,
        input: JSON.stringify(schedule.fraction !== undefined ? { fraction: schedule.fraction } : {}),
        ...scheduleDelivery(role, schedule.deadLetterQueue),
      },
    });
  }
}
