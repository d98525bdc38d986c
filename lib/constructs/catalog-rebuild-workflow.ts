import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
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
  /** The DR vault, read from the primary region: rebuilt from with `"vault": "dr"`, listed for the DR copy status otherwise. Required for the primary side, refused for the DR side. */
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
/** The state machine stops waiting for the function well after the function's own 15 minutes. */
const WORKFLOW_TIMEOUT = Duration.hours(1);

/**
 * The catalog-rebuild runbook (docs/RUNBOOKS.md, "Catalog rebuild"): one Lambda task runs the core
 * that `lifeboat catalog rebuild` runs (lambdas/catalog/catalog-rebuild.ts) against the chosen vault,
 * and its summary is the execution's output. Retry on TransientError; any other error goes to a
 * failure report and the execution fails with that error's name and message.
 *
 * **One invocation, no continuation loop.** The core groups snapshots by backup id across the whole
 * vault (a backup's snapshots are not adjacent in any listing) and writes oldest first (a derived
 * base needs its parent's record), so a loop would re-read every snapshot in each round anyway, and
 * a cursor over backups would have to survive new backups arriving between rounds. A single pass
 * fits Lambda's 15 minutes with room for a large vault: a year of hourly backups of three sources
 * is ~26,000 snapshot objects, read 8 at a time (~100 s at ~30 ms a GET), then ~8,800 backups at
 * about five catalog requests each (~4 min at ~5 ms), and the DR copy status is one listing of the
 * DR vault's `snapshots/` (lambdas/catalog/snapshot-presence.ts), not a request per snapshot. A vault
 * beyond that (the function times out, the execution fails with its Sandbox.Timedout) is rebuilt with
 * `lifeboat catalog rebuild` from a machine, which has no time limit; since a rebuild is idempotent,
 * the records a timed-out run wrote stay and are reported `unchanged`.
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
    rebuild.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [props.catalog.tableArn] }));
    rebuild.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.catalog.tableArn}/index/${PLAN_INDEX}`] }));
    props.catalogKey.grantEncryptDecrypt(rebuild);

    const rebuildTask = lifeboatTask(
      this,
      'Rebuild catalog',
      side === 'primary'
        ? 'Validates the input ({"vault": "primary" | "dr"}, default primary), reads every snapshot of that vault and writes the COMMITTED record and index items of each backup the catalog lacks; never replaces or downgrades a record. Idempotent: safe to run again.'
        : 'Validates the input ({"vault": "dr"} or {}: this region\'s vault only), reads every snapshot of the DR vault and writes the COMMITTED record (copies.dr COMMITTED) and index items of each backup the DR catalog lacks; never replaces or downgrades a record. Idempotent: safe to run again.',
      rebuild,
      '$.report',
    );
    const report = new sfn.Succeed(this, 'Rebuild report', {
      comment: 'The rebuild is done; the execution\'s output is its summary: outcomes counted, and what was skipped, kept or left out, each with the reason.',
      outputPath: '$.report',
    });
    const failureReport = failureReportState(this, {
      reportComment: 'Collects the error and cause of the failed rebuild with the request and execution name, for the Fail state and the execution history.',
      failName: 'Rebuild failed',
      failComment: 'Fails the execution with the rebuild\'s own error name and message.',
    });
    rebuildTask.addCatch(failureReport, { errors: ['States.ALL'], resultPath: '$.error' });

    this.stateMachine = loggedStateMachine(this, { stateMachineName: props.stateMachineName, definition: rebuildTask.next(report), timeout: WORKFLOW_TIMEOUT });

    acknowledgeScopedWildcards(this, [...vaultObjects, `${rebuild.functionArn}:*`]);
    for (const role of [rebuild.role, this.stateMachine.role]) if (role) acknowledgeXRayWildcard(role);
  }
}
