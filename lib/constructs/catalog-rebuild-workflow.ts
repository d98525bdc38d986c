import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CATALOG_REBUILD_ROUNDS } from '../../config/catalog-rebuild-rounds';
import { BACKUP_RECORD_PARTITIONS, catalogPartitionStatement, REBUILD_MARKER_PARTITION, SOURCE_INDEX_PARTITIONS } from './catalog-partition-grant';
import { InvalidLifeboatPropsError } from './invalid-props-error';
import { LifeboatFunction } from './lifeboat-function';
import { type LifeboatPlan } from './lifeboat-plan';
import { plansInStack } from './plans-in-stack';
import { lifeboatTask } from './lifeboat-task';
import { failureReport as failureReportState, loggedStateMachine } from './logged-state-machine';
import { acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { homeVaultEnvironment } from './restore-functions';
import { replicaVaultAccess, type ReplicaVaultLocation } from './replica-vault-location';
import { validatePlans } from './validated-plans';

export type CatalogRebuildWorkflowProps = {
  /** Names the protection (the function's LIFEBOAT_ENVIRONMENT): the `environment` of records rebuilt from snapshots older than its tag. */
  readonly environmentName: string;
  /** Physical name of the state machine; its log group is `/aws/vendedlogs/states/<name>`. */
  readonly stateMachineName: string;
  /** The plans whose catalog records are checked against the vault (LIFEBOAT_PLANS). */
  readonly plans: readonly LifeboatPlan[];
  /** The vault of the workflow's region (LifeboatVault's bucket) and its KMS key: the primary vault, or the DR vault for the DR region's runbook (`vaultSide: 'dr'`). */
  readonly vault: s3.IBucket;
  readonly vaultKey: kms.IKey;
  /**
   * Which vault `vault` is. 'dr': the DR region's runbook, which rebuilds the DR catalog from the DR vault
   * alone (its functions have LIFEBOAT_HOME_VAULT=dr and nothing of the primary region).
   * @default 'primary'
   */
  readonly vaultSide?: 'primary' | 'dr';
  /**
   * The DR vault, read from the primary region: rebuilt from with `"vault": "dr"`, listed for the DR copy status otherwise. Required for the primary side, refused for the DR side.
   * @default none: required unless `vaultSide` is 'dr'
   */
  readonly drVault?: ReplicaVaultLocation;
  /** The catalog of the workflow's region (CatalogTable's table, with its byPlan index) and its KMS key. */
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
};

/** What opening a vault and reading its snapshots reads (docs/FORMAT.md §1): config, key objects, snapshot objects. */
const SNAPSHOT_KEYS = 'snapshots/*';
const VAULT_READ_KEYS = ['config', 'keys/*', SNAPSHOT_KEYS];

/** The catalog's plan index (lib/constructs/catalog-table.ts): the rebuild checks each plan's records against the vault. */
const PLAN_INDEX = 'byPlan';
/** Every round's 15 minutes, and an hour for retried invocations (TransientError) and the waits between them. */
const WORKFLOW_TIMEOUT = Duration.minutes(CATALOG_REBUILD_ROUNDS * 15 + 60);

/**
 * The catalog-rebuild runbook (docs/RUNBOOKS.md, "Catalog rebuild"): a Lambda task runs the core
 * that `lifeboat catalog rebuild` runs (lambdas/catalog/catalog-rebuild.ts) against the chosen vault, in
 * rounds, and the last round's summary is the execution's output. Retry on TransientError; any other
 * error goes to a failure report and the execution fails with that error's name and message.
 *
 * **Rounds, newest first.** A round reads the whole vault (the core groups snapshots by backup id, and
 * a backup's snapshots are not adjacent in any listing), then writes the backups newest first until its
 * time is nearly out, and answers `done: false` with where it stopped; the Choice invokes it again, and
 * the next round lists the plans' records once and skips what the earlier ones wrote with no request per
 * backup. Until 2026-12-06 it was one invocation writing oldest first: past the 15 minutes Lambda killed
 * it (Sandbox.Timedout) with the oldest part of the history COMMITTED, so a DR restore by point in time
 * chose a backup months old (audit aV1-1), and a re-run started over and never finished (aV1-2).
 *
 * What a round costs: the scan reads every snapshot object 48 at a time (~26,000 objects, a year of
 * hourly backups of three sources, ~20 s at ~35 ms a GET), after refusing a vault with more snapshots than the
 * function's memory holds (CatalogRebuildTooManySnapshotsError, docs/SCALE.md "Limits"); then per backup created, on a vault with
 * Object Lock one GetObjectLegalHold round (its sources' reads in parallel, ~35 ms), and on the catalog a
 * conditional PutItem and one index PutItem per source (~5 ms each): for three sources ~18 backups a second
 * with Object Lock, ~50 without, so a round writes some 13,000 to 36,000 backups (audit aV1 measured the old
 * single run's limit at ~70,000 snapshots, ~37,000 with Object Lock). A record already in the catalog costs its index
 * writes again (the same items) unless an earlier round of the run wrote it. The DR copy status is one
 * listing of the DR vault's `snapshots/` (lambdas/catalog/snapshot-presence.ts). After
 * CATALOG_REBUILD_ROUNDS rounds, or a round that wrote nothing (its scan took its time), the execution
 * fails with CatalogRebuildIncompleteError: the catalog holds the newest backups, and the error names
 * `lifeboat catalog rebuild` from a machine, which has no time limit, to finish.
 *
 * Access: read-only on both vaults (config, key objects, snapshot objects and their S3 legal hold status; the listing, which also
 * makes S3 answer a missing key 404 as the vault expects), Decrypt on both vault keys (the DR key by
 * its alias); on the catalog GetItem, PutItem (conditional: absent records only, and index items),
 * UpdateItem (copies.dr) and Query on the plan index, with the catalog key as the other writers have it.
 * The DR region's runbook (`vaultSide: 'dr'`) has the same access to its own vault and the DR catalog
 * only, so a lost DR catalog is rebuilt with the primary region down.
 */
export class CatalogRebuildWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly function: LifeboatFunction;

  constructor(scope: Construct, id: string, props: CatalogRebuildWorkflowProps) {
    super(scope, id);
    const { plans } = validatePlans(this, 'CatalogRebuildWorkflow', { plans: props.plans });
    const stack = Stack.of(this);
    const side = props.vaultSide ?? 'primary';
    if (side === 'primary' && !props.drVault) throw new InvalidLifeboatPropsError(`CatalogRebuildWorkflow ${this.node.path}`, ['drVault: is required for the primary region\'s catalog-rebuild runbook (it rebuilds from the DR vault with "vault": "dr" and lists it for the DR copy status)']);
    if (side === 'dr' && props.drVault) throw new InvalidLifeboatPropsError(`CatalogRebuildWorkflow ${this.node.path}`, ['drVault: the DR region\'s catalog-rebuild runbook reads only its own vault; remove drVault']);
    const dr = props.drVault;
    const drAccess = dr ? replicaVaultAccess(dr) : undefined;
    // The DR region's function sees its own vault as the DR vault, and no primary vault at all (PrimaryVaultUnavailableError).
    const vaultEnvironment = { ...homeVaultEnvironment(stack, { side, bucket: props.vault, key: props.vaultKey }), ...(drAccess ? drAccess.environment : {}) };
    const rebuild = new LifeboatFunction(this, 'RebuildCatalog', {
      handler: 'rebuild-catalog',
      environment: {
        LIFEBOAT_ENVIRONMENT: props.environmentName,
        ...vaultEnvironment,
        CATALOG_TABLE: props.catalog.tableName,
        // In the DR stack a source named by a primary-region token cannot be referenced (the rebuild uses plan names only).
        LIFEBOAT_PLANS: stack.toJsonString(plansInStack(this, plans)),
      },
    });
    this.function = rebuild;

    const drBucketArn = dr ? `arn:${stack.partition}:s3:::${dr.bucketName}` : undefined;
    const vaultObjects = [...VAULT_READ_KEYS.map((k) => props.vault.arnForObjects(k)), ...(drBucketArn ? VAULT_READ_KEYS.map((k) => `${drBucketArn}/${k}`) : [])];
    rebuild.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: vaultObjects }));
    // A created record is held again when its snapshot objects' S3 legal hold is ON (catalog-rebuild.ts, objectLockHolds).
    // Granted on a vault without Object Lock too: S3 checks the permission before it answers "no Object Lock", which
    // is how the rebuild learns it with one request, and it reads nothing but the hold status of snapshot objects.
    const snapshotObjects = [props.vault.arnForObjects(SNAPSHOT_KEYS), ...(drBucketArn ? [`${drBucketArn}/${SNAPSHOT_KEYS}`] : [])];
    rebuild.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObjectLegalHold'], resources: snapshotObjects }));
    rebuild.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.vault.bucketArn, ...(drBucketArn ? [drBucketArn] : [])] }));
    rebuild.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.vaultKey.keyArn] }));
    // The DR key by the ARN DrKeyArns pinned at deploy time (another region, another stack).
    if (dr) rebuild.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [dr.keyArn] }));
    // The records it creates (putRebuiltBackup, a conditional PutItem of BACKUP#; getBackup when one is there) with their
    // index items (indexCommittedBackup, PutItem of SOURCE#), and its marker (lambdas/catalog/catalog-rebuild-marker.ts:
    // GetItem, PutItem). Those partitions only (review r58J F2): a PutItem anywhere could replace an approval, a drill's
    // record or a failover grant. No UpdateItem: it writes whole items.
    rebuild.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem', 'dynamodb:PutItem'], [BACKUP_RECORD_PARTITIONS, REBUILD_MARKER_PARTITION]));
    rebuild.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:PutItem'], [SOURCE_INDEX_PARTITIONS]));
    rebuild.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.catalog.tableArn}/index/${PLAN_INDEX}`] }));
    // A complete rebuild deletes its marker: that item only, never a backup record or anything else of the catalog.
    rebuild.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:DeleteItem'], [REBUILD_MARKER_PARTITION], 'exact'));
    props.catalogKey.grantEncryptDecrypt(rebuild);

    const request = new sfn.Pass(this, 'Rebuild request', {
      comment: 'Keeps the execution\'s input ({"vault"?, "markerOptions"?}) as $.request for every round of the rebuild.',
      parameters: { 'request.$': '$' },
    });
    const rebuildTask = lifeboatTask(
      this,
      'Rebuild catalog',
      (side === 'primary'
        ? 'Validates the input ({"vault": "primary" | "dr"}, default primary), reads every snapshot of that vault and writes the COMMITTED record and index items of each backup the catalog lacks, newest first; never replaces or downgrades a record.'
        : 'Validates the input ({"vault": "dr"} or {}: this region\'s vault only), reads every snapshot of the DR vault and writes the COMMITTED record (copies.dr COMMITTED) and index items of each backup the DR catalog lacks, newest first; never replaces or downgrades a record.') +
        ` Answers done: false where its time ran out, and the next round goes on below; fails with CatalogRebuildIncompleteError after ${CATALOG_REBUILD_ROUNDS} rounds. Idempotent: safe to run again.`,
      rebuild,
      '$.rebuild',
    );
    const finished = new sfn.Choice(this, 'Rebuild finished?', { comment: 'Runs the rebuild again, below where it stopped, until it answers done: true.' });
    const report = new sfn.Succeed(this, 'Rebuild report', {
      comment: 'The rebuild is done; the execution\'s output is its summary: outcomes counted over every round, and what was skipped, kept or left out, each with the reason.',
      outputPath: '$.rebuild.report',
    });
    const failureReport = failureReportState(this, {
      reportComment: 'Collects the error and cause of the failed rebuild with the request and execution name, for the Fail state and the execution history.',
      failName: 'Rebuild failed',
      failComment: 'Fails the execution with the rebuild\'s own error name and message.',
    });
    rebuildTask.addCatch(failureReport, { errors: ['States.ALL'], resultPath: '$.error' });
    finished.when(sfn.Condition.booleanEquals('$.rebuild.done', true), report).otherwise(rebuildTask);

    this.stateMachine = loggedStateMachine(this, { stateMachineName: props.stateMachineName, definition: request.next(rebuildTask).next(finished), timeout: WORKFLOW_TIMEOUT });

    acknowledgeScopedWildcards(this, [...vaultObjects, `${rebuild.functionArn}:*`]);
    for (const role of [rebuild.role, this.stateMachine.role]) if (role) acknowledgeXRayWildcard(role);
  }
}
