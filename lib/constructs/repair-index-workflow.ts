import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { bucketHasObjectLock } from './bucket-object-lock';
import { LifeboatFunction } from './lifeboat-function';
import { type LifeboatPlan } from './lifeboat-plan';
import { lifeboatTask } from './lifeboat-task';
import { failureReport as failureReportState, loggedStateMachine } from './logged-state-machine';
import { acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { replicaVaultAccess, type ReplicaVaultLocation } from './replica-vault-location';
import { validatePlans } from './validated-plans';
import { createOnlyPutStatements } from './vault-bucket-protection';

export type RepairIndexWorkflowProps = {
  /** Names the protection (the function's LIFEBOAT_ENVIRONMENT). */
  readonly environmentName: string;
  /** Physical name of the state machine; its log group is `/aws/vendedlogs/states/<name>`. */
  readonly stateMachineName: string;
  /** The plans (LIFEBOAT_PLANS, which every Lifeboat function's runtime reads). */
  readonly plans: readonly LifeboatPlan[];
  /** The primary vault (LifeboatVault's bucket) and its KMS key. */
  readonly vault: s3.IBucket;
  readonly vaultKey: kms.IKey;
  /** The DR vault, repaired with `"vault": "dr"`: its bucket by name and region, its key by ARN (another region). */
  readonly drVault: ReplicaVaultLocation;
  /** The catalog: only named (CATALOG_TABLE, which every function's runtime reads); the repair neither reads nor writes it. */
  readonly catalog: dynamodb.ITable;
  /**
   * Whether the vaults have Object Lock: the function may then read the retention and legal hold of the index
   * objects it removes, so that a retained one is kept and reported rather than hidden behind a delete marker.
   * @default the primary vault bucket's own setting, else true
   */
  readonly objectLock?: boolean;
};

/**
 * What the repair reads (vault/repair/repair-index.ts): opening the vault (config, key objects), the index
 * objects it replaces, the packs' headers (ranged GETs; with readData the packs whole), the condemnation
 * batches (prune/condemned/*), and when a condemned pack may hold the only copy of a blob, the snapshots and
 * their manifests (markVault). And the prune leases (prune/running/*), only read: the runbook refuses while a
 * prune runs (RepairIndexPruneRunningError), but takes no lease of its own (repairIndex, "Concurrency").
 */
const VAULT_READ_KEYS = ['config', 'keys/*', 'data/*', 'index/*', 'prune/condemned/*', 'prune/running/*', 'snapshots/*', 'manifest/*'];
/**
 * What it creates, never replaces: the new index objects (named by their hash) and, with readData, the new
 * packs the intact blobs of a damaged pack are copied into (random ids). S3VaultStore.put writes both with
 * `If-None-Match: *`, multipart completions included (createOnlyPutStatements).
 */
const CREATE_KEYS = ['data/*', 'index/*'];
/**
 * What it writes that is not create-only: the tombstone (prune/condemned/<id>, outside S3VaultStore's
 * IMMUTABLE_PREFIXES, so a plain PUT) it writes when Object Lock kept index objects it replaced that list packs it
 * left out (repairIndex, tombstoneKeptIndexes). Only with Object Lock: without it every delete goes through and
 * no tombstone is ever written.
 */
const TOMBSTONE_KEYS = ['prune/condemned/*'];
/** What it deletes: the old index objects it replaced, and nothing else. Packs are never deleted (left-out ones go to prune). */
const DELETE_KEYS = ['index/*'];
/** See prune-workflow.ts: S3 shows a HEAD the lock only with these, on the keys deleted. */
const LOCK_READ_ACTIONS = ['s3:GetObjectRetention', 's3:GetObjectLegalHold'];
/** A copied pack keeps the damaged pack's tags (its storage tier): read from the old pack, written with the new one. */
const TAGGED_KEYS = ['data/*'];
/** The state machine stops waiting for the function well after the function's own 15 minutes. */
const WORKFLOW_TIMEOUT = Duration.hours(1);

/**
 * The repair-index runbook (docs/RUNBOOKS.md, "Repair index"): `<prefix>-repair-index`, in the primary
 * stack. One Lambda task opens the named vault (primary, or DR by name in its region) with the
 * environment's KMS key provider, as the scrub and the prune do, and runs what `lifeboat vault repair
 * index` runs on a standalone vault (vault/repair/repair-index.ts): the index rebuilt from what the packs
 * hold. `lifeboat vault` refuses an environment's vaults (only KMS key objects wrap their master key:
 * docs/SECURITY.md), so this is how an operator repairs one. Its bounded summary is the execution's
 * output. Retry on TransientError; anything else (RepairIndexOutOfTimeError: one invocation is the bound)
 * goes to a failure report and the execution fails with that error's name and message.
 *
 * No approval step: the repair deletes only the index objects it replaced, once the new ones are written;
 * packs, snapshots and manifests are never touched (docs/RUNBOOKS.md says why).
 *
 * Access, on both vaults: read what the repair reads (VAULT_READ_KEYS, the prune leases included) and list the
 * bucket; create index objects and packs (create-only); read and write packs' tags; delete index objects (with
 * Object Lock, read their retention and legal hold first, and write the tombstone under prune/condemned/); on each vault key Decrypt and GenerateDataKey (SSE-KMS writes) —
 * the DR key by its ARN. No catalog access.
 */
export class RepairIndexWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly function: LifeboatFunction;

  constructor(scope: Construct, id: string, props: RepairIndexWorkflowProps) {
    super(scope, id);
    const { plans } = validatePlans(this, 'RepairIndexWorkflow', { plans: props.plans });
    const stack = Stack.of(this);
    const dr = props.drVault;
    const repair = new LifeboatFunction(this, 'RepairIndex', {
      handler: 'repair-index',
      environment: {
        LIFEBOAT_ENVIRONMENT: props.environmentName,
        VAULT_BUCKET: props.vault.bucketName,
        VAULT_KEY_ARN: props.vaultKey.keyArn,
        ...replicaVaultAccess(dr).environment,
        CATALOG_TABLE: props.catalog.tableName,
        LIFEBOAT_PLANS: stack.toJsonString(plans),
      },
    });
    this.function = repair;

    const drBucketArn = `arn:${stack.partition}:s3:::${dr.bucketName}`;
    const objects = (keys: readonly string[]) => [...keys.map((k) => props.vault.arnForObjects(k)), ...keys.map((k) => `${drBucketArn}/${k}`)];
    repair.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects(VAULT_READ_KEYS) }));
    for (const statement of createOnlyPutStatements(objects(CREATE_KEYS), { multipart: true })) repair.addToRolePolicy(statement);
    repair.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:AbortMultipartUpload'], resources: objects(CREATE_KEYS) }));
    repair.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: objects(DELETE_KEYS) }));
    if (props.objectLock ?? bucketHasObjectLock(props.vault) ?? true) {
      repair.addToRolePolicy(new iam.PolicyStatement({ actions: LOCK_READ_ACTIONS, resources: objects(DELETE_KEYS) }));
      repair.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: objects(TOMBSTONE_KEYS) }));
    }
    repair.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObjectTagging', 's3:PutObjectTagging'], resources: objects(TAGGED_KEYS) }));
    // Listing: the repair lists index/, data/ and prune/condemned/, and S3 answers a missing key 404 (not 403) only with it.
    repair.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.vault.bucketArn, drBucketArn] }));
    repair.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [props.vaultKey.keyArn] }));
    // The DR key by the ARN DrKeyArns pinned at deploy time (another region, another stack).
    repair.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [dr.keyArn] }));

    const repairTask = lifeboatTask(
      this,
      'Repair index',
      'Validates the input ({"vault": "primary" | "dr", "readData": boolean; readData defaults to false}), rebuilds that vault\'s index from its packs (each pack\'s header read; with readData every blob decrypted and checked, damaged ones left out), writes the new index objects and then removes the ones they replace.',
      repair,
      '$.report',
    );
    const report = new sfn.Succeed(this, 'Repair report', {
      comment: 'The execution\'s output is the repair\'s summary: packs read and indexed, index objects written, removed and kept by Object Lock, and what was left out of the index.',
      outputPath: '$.report',
    });
    const failureReport = failureReportState(this, {
      reportComment: 'Collects the error and cause of the failed repair (RepairIndexOutOfTimeError says how far it got) with the request and execution name, for the Fail state and the execution history.',
      failName: 'Repair failed',
      failComment: 'Fails the execution with the repair\'s own error name and message.',
    });
    repairTask.addCatch(failureReport, { errors: ['States.ALL'], resultPath: '$.error' });

    this.stateMachine = loggedStateMachine(this, { stateMachineName: props.stateMachineName, definition: repairTask.next(report), timeout: WORKFLOW_TIMEOUT });

    acknowledgeScopedWildcards(this, [...new Set([...objects(VAULT_READ_KEYS), ...objects(CREATE_KEYS)]), `${repair.functionArn}:*`]);
    for (const role of [repair.role, this.stateMachine.role]) if (role) acknowledgeXRayWildcard(role);
  }
}
