import { type Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ARCHIVE_RESTORE_TIMEOUT, WORKFLOW_TIMEOUT } from '../lifeboat-defaults';
import { approvalStep, grantApprover } from './approval-step';
import { type FileSystemMount } from './file-system-mount';
import { type LifeboatFunction } from './lifeboat-function';
import { InvalidLifeboatPropsError } from './invalid-props-error';
import { type LifeboatPlan } from './lifeboat-plan';
import { failureReport as failureReportState, loggedStateMachine } from './logged-state-machine';
import { type ReplicaVaultLocation } from './replica-vault-location';
import { restoreFunctions } from './restore-functions';
import { RESTORE_MAP_RUNS_PREFIX, restoreSourceChain } from './restore-source-chain';
import { acknowledgeDistributedMapWildcards, acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { validatePlans } from './validated-plans';

export type RestoreWorkflowProps = {
  /** Names the protection (the functions' LIFEBOAT_ENVIRONMENT); the restore functions derive the restore-target rule from it. */
  readonly environmentName: string;
  /** Physical name of the state machine; its log group is `/aws/vendedlogs/states/<name>`. */
  readonly stateMachineName: string;
  /** The plans whose sources can be restored (the functions receive them as LIFEBOAT_PLANS). */
  readonly plans: readonly LifeboatPlan[];
  /**
   * New buckets and tables a restore may create or write start with this: `<prefix>-restore-`. The
   * restore functions get it as LIFEBOAT_RESTORE_TARGET_PREFIX and check the same rule (lambdas/restore/restore-target-policy.ts).
   */
  readonly restoreTargetPrefix: string;
  /** The vault of the workflow's region (LifeboatVault's bucket) and its KMS key: the primary vault, or the DR vault for the DR region's runbook (`vaultSide: 'dr'`). */
  readonly vault: s3.IBucket;
  readonly vaultKey: kms.IKey;
  /**
   * Which vault `vault` is. 'dr': the DR region's restore runbook, which reads only that vault and the catalog
   * of its region (it works with the primary region down) and writes only new targets, never the sources.
   * @default 'primary'
   */
  readonly vaultSide?: 'primary' | 'dr';
  /** The DR vault a primary-region restore may read from instead (`"vault": "dr"`). @default none (required when vaultSide is 'primary') */
  readonly drVault?: ReplicaVaultLocation;
  /**
   * The environment's primary region, for the DR region's runbook (vaultSide 'dr'): a target bucket of that region is
   * refused naming the primary's restore runbook, one of a third region naming none. @default unknown: named on that condition
   */
  readonly primaryRegion?: string;
  /** The catalog (CatalogTable's table) and its KMS key. */
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
  /**
   * The EFS mount directory targets are written through: the file-system sources' own (primary region), or the DR
   * region's writable file system (`vaultSide: 'dr'`, FileSystemMount.forDrRestore). Targets outside its mount path are refused.
   * @default no file system: no function mounts one or runs in a VPC
   */
  readonly fileSystem?: FileSystemMount;
  /**
   * The role that may approve overwrite restores (config `environment.security.approverRoleArn`): it gets
   * states:SendTaskSuccess/SendTaskFailure on this runbook and the approvals of the catalog (grantApprover).
   * @default no role is granted: only principals with such rights from elsewhere (administrators) can approve
   */
  readonly approverRoleArn?: string;
  /** How long an overwrite restore waits for its approval. @default APPROVAL_TIMEOUT (12 hours, half the workflow timeout) */
  readonly approvalTimeout?: Duration;
};

/**
 * The restore runbook: validate and resolve → plan shards (the plan and its shard manifest are stored
 * in the home vault under restore-plans/, only keys travel) → (when some plan has an archive tier: the thaw
 * loop, restore-source-chain.ts, and a 72-hour timeout) → Distributed Map of restore shards over
 * that manifest → verify against the manifest →
 * report. Every task retries TransientError with backoff; any other error goes to a failure
 * report and the execution fails with the error's own name and message. A request with
 * `"overwrite": true` first waits for an approval (approval-step.ts): rejected or timed out, it
 * fails before anything is read or written.
 *
 * Where a restore may write (the IAM below, checked again at input validation):
 * - S3 buckets and DynamoDB tables whose names start with `restoreTargetPrefix` (new targets);
 * - the protected sources themselves (restore onto the original, which the runbook allows only
 *   with `overwrite: true`);
 * - directories of the environment's EFS file system, mounted into the functions (IAM: ClientWrite
 *   through its access point; see FileSystemMount).
 * It reads the primary vault and the DR vault (in the DR region, its key found by alias). The DR
 * region's runbook (`vaultSide: 'dr'`) reads the DR vault and the DR catalog only, and writes only
 * new targets in the DR region: buckets and tables by the prefix, and directories of the DR region's
 * own file system (`fileSystem.drRestore`, FileSystemMount.forDrRestore) when it is given.
 */
export class RestoreWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<'resolve' | 'plan' | 'shard' | 'verify', LifeboatFunction>;

  constructor(scope: Construct, id: string, props: RestoreWorkflowProps) {
    super(scope, id);
    const { plans, sources } = validatePlans(this, 'RestoreWorkflow', { plans: props.plans });
    const side = props.vaultSide ?? 'primary';
    if (side === 'primary' && !props.drVault) throw new InvalidLifeboatPropsError(`RestoreWorkflow ${this.node.path}`, ['drVault: is required for the primary region\'s restore runbook (a request may read the DR vault)']);
    if (side === 'dr' && props.drVault) throw new InvalidLifeboatPropsError(`RestoreWorkflow ${this.node.path}`, ['drVault: the DR region\'s restore runbook reads only its own vault; remove drVault']);
    const fns = restoreFunctions(this, {
      environmentName: props.environmentName,
      plans,
      sources,
      restoreTargetPrefix: props.restoreTargetPrefix,
      homeVault: { side, bucket: props.vault, key: props.vaultKey },
      ...(props.drVault ? { drVault: props.drVault } : {}),
      catalog: props.catalog,
      catalogKey: props.catalogKey,
      ...(props.fileSystem ? { fileSystem: props.fileSystem } : {}),
      sourcesWritable: side === 'primary',
      ...(side === 'dr' && props.primaryRegion !== undefined ? { environment: { LIFEBOAT_PRIMARY_REGION: props.primaryRegion } } : {}),
    });
    this.functions = { resolve: fns.resolve, plan: fns.plan, shard: fns.shard, verify: fns.verify };

    // The state machine.
    const restore = restoreSourceChain(this, fns, {
      // The execution's input, not `$`: after an approval `$` also holds its result.
      // execution, startedAt: its claim is this execution's, which only it takes over and releases: another execution may
      // be named after it, or a restore-source child started with its name as restore id (lambdas/restore/target-claim.ts).
      resolvePayload: { 'request.$': '$$.Execution.Input', 'restoreId.$': '$$.Execution.Name', 'execution.$': '$$.Execution.Id', 'startedAt.$': '$$.Execution.StartTime' },
      // At the top of the state machine: a Distributed Map over the shard manifest in the home vault (restore-source-chain.ts).
      shards: { mode: 'distributed', vault: props.vault, vaultKey: props.vaultKey },
    });
    const report = new sfn.Succeed(this, 'Restore report', { comment: 'The restore is complete and verified; the execution\'s output is the verification report.', outputPath: '$.report' });

    const failureReport = failureReportState(this, {
      reportComment: 'Collects the failed step\'s error and cause with the request and execution name, for the Fail state and the execution history.',
      failName: 'Restore failed',
      failComment: 'Fails the execution with the failed step\'s own error name and message.',
    });
    const failed = restore.failurePath(failureReport);
    for (const step of restore.steps) step.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });

    const approval = approvalStep(this, 'Approval', {
      kind: 'restore',
      catalog: props.catalog,
      catalogKey: props.catalogKey,
      environment: fns.environment,
      ...(props.approvalTimeout ? { timeout: props.approvalTimeout } : {}),
    });
    approval.task.addCatch(failureReport, { errors: ['States.ALL'], resultPath: '$.error' });
    restore.chain.next(report);
    // Only the literal `true` overwrites (resolve refuses anything else that is not a boolean). Two choices, not an And:
    // the comparison must never meet a missing path (a runtime error), and IsPresent is the one test both Step Functions
    // and the local executor evaluate alike (aws-local-stepfunctions 3 gets IsPresent: false wrong).
    const overwriteIsTrue = new sfn.Choice(this, 'Overwrite true?', { comment: 'Only "overwrite": true needs the approval; false, or a value validation refuses, goes on to validation.' })
      .when(sfn.Condition.booleanEquals('$.overwrite', true), approval.task.next(restore.chain))
      .otherwise(restore.chain);
    const overwrite = new sfn.Choice(this, 'Overwrite requested?', { comment: 'A restore with "overwrite": true replaces live data and waits for an approval first; any other request goes straight to validation.' })
      .when(sfn.Condition.isPresent('$.overwrite'), overwriteIsTrue)
      .otherwise(restore.chain);
    this.stateMachine = loggedStateMachine(this, { stateMachineName: props.stateMachineName, definition: overwrite, timeout: fns.thaw ? ARCHIVE_RESTORE_TIMEOUT : WORKFLOW_TIMEOUT });
    // The state machine reads the shard manifests and writes the map runs' results, in the home vault, and nothing else of it.
    restore.distributedMap?.grantVaultAccess(this.stateMachine, props.vaultKey);
    if (props.approverRoleArn) grantApprover(this, 'Approver', props.approverRoleArn, props.catalog, props.catalogKey, this.stateMachine);

    acknowledgeScopedWildcards(this, [...fns.wildcardResources, `${approval.fn.functionArn}:*`, props.vault.arnForObjects(`${RESTORE_MAP_RUNS_PREFIX}/*`)]);
    acknowledgeDistributedMapWildcards(this.stateMachine);
    for (const role of [...fns.all.map((fn) => fn.role), approval.fn.role, this.stateMachine.role]) if (role) acknowledgeXRayWildcard(role);
  }
}
