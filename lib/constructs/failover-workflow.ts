import { Arn, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { failoverStateBytes, failoverStateSource } from '../../config/parent-state-size';
import { APPROVAL_TIMEOUT, ARCHIVE_RESTORE_TIMEOUT, WORKFLOW_TIMEOUT } from '../lifeboat-defaults';
import { approvalStep, grantApprover } from './approval-step';
import { ownedBy } from './bucket-owner-condition';
import { BACKUP_RECORD_PARTITIONS, catalogPartitionStatement, FAILOVER_GRANTS_PARTITION, MIRROR_RECORD_PARTITIONS, REBUILD_MARKER_PARTITION } from './catalog-partition-grant';
import { type FileSystemMount } from './file-system-mount';
import { LifeboatFunction } from './lifeboat-function';
import { checkParentStateSize } from './parent-state-check';
import { INLINE_MAP_CONCURRENCY, inlineMapWaves, timeoutCoveringWaves } from './inline-map-waves';
import { lambdaStepsBudget } from './lambda-step-budget';
import { type LifeboatPlan } from './lifeboat-plan';
import { lifeboatTask } from './lifeboat-task';
import { failureReport as failureReportState, loggedStateMachine } from './logged-state-machine';
import { acknowledgeChildExecutionWildcards, acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { plansInStack } from './plans-in-stack';
import { homeVaultEnvironment, restoreFunctions } from './restore-functions';
import { RestoreSourceStateMachine } from './restore-source-state-machine';
import { validatePlans } from './validated-plans';

/** The variables of the failover's grants to its children (lambdas/failover/failover-grant.ts). */
const FAILOVER_GRANTS_FROM_ENV = 'LIFEBOAT_FAILOVER_GRANTS_FROM';
const FAILOVER_GRANT_SECONDS_ENV = 'LIFEBOAT_FAILOVER_GRANT_SECONDS';

/** `actions` on the failover grants of `catalog` only, conditioned on the item's partition key as the approvals' are. */
export function failoverGrantStatement(catalog: dynamodb.ITable, actions: string[]): iam.PolicyStatement {
  return catalogPartitionStatement(catalog, actions, [FAILOVER_GRANTS_PARTITION], 'exact');
}

export type FailoverWorkflowProps = {
  readonly environmentName: string;
  /** Physical name of the state machine (`<prefix>-failover`). */
  readonly stateMachineName: string;
  readonly plans: readonly LifeboatPlan[];
  /** The DR vault (in the workflow's stack, the DR region's) and its key. */
  readonly vault: s3.IBucket;
  readonly vaultKey: kms.IKey;
  /** The DR region's catalog and its key. */
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
  /** The failover's targets are `<restoreTargetPrefix><source>-<suffix>`: the functions write nothing else. */
  readonly restoreTargetPrefix: string;
  /**
   * The role that may approve failovers (config `environment.security.approverRoleArn`; see RestoreWorkflowProps).
   * @default no role is granted
   */
  readonly approverRoleArn?: string;
  /** How long a failover waits for its approval. @default APPROVAL_TIMEOUT (12 hours, half the workflow timeout) */
  readonly approvalTimeout?: Duration;
  /**
   * `<prefix>-mirror-`, when sources are mirrored: a mirrored source whose last mirror check (`MIRROR#<source>` in
   * the DR catalog) is within the plan's RPO fails over to its mirror instead of a restore (docs/ARCHITECTURE.md, "Mirrors").
   * @default no mirrors: every source is restored from the DR vault
   */
  readonly mirrorBucketPrefix?: string;
  /**
   * The DR region's writable file system (FileSystemMount.forDrRestore): directory sources are restored into it, at
   * their path moved onto its mount path (failover-targets.ts). Validate failover reads it (is a target empty?), the
   * restore functions write it as the restore runbook's do.
   * @default no file system: no function mounts one or runs in a VPC, and directory sources fail over under the local cloud only
   */
  readonly fileSystem?: FileSystemMount;
};

/**
 * The failover runbook (docs/RUNBOOKS.md, "Failover"), in the DR region's stack: Wait for approval
 * (approval-step.ts; rejected or timed out, nothing is created or written) → Validate failover
 * (every field and every source's target checked up front, target buckets created) → Restore sources
 * (the restore chain once per source, in parallel, from the DR vault; a source whose restore fails
 * becomes a failed item, the others go on) → Failover report (per-source and total RTO, the RPO of the
 * data restored; the failed sources with their errors) → SUCCEEDED with the report when every source is
 * live, else FAILED with FailoverIncompleteError, whose cause names the failed and the live sources. It
 * names only resources of its own region: it works with the primary region down.
 */
export class FailoverWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<'start' | 'report', LifeboatFunction>;

  constructor(scope: Construct, id: string, props: FailoverWorkflowProps) {
    super(scope, id);
    const { plans, sources } = validatePlans(this, 'FailoverWorkflow', { plans: props.plans });
    // Every source's report shares the failover's state (review r58I F2): refused or warned of at synth.
    checkParentStateSize(this, { kind: 'failover', construct: 'FailoverWorkflow', stateSource: (s) => failoverStateSource(s, props.restoreTargetPrefix, props.fileSystem?.mountPath), stateBytes: failoverStateBytes }, plans);
    const stack = Stack.of(this);
    const restore = restoreFunctions(this, {
      environmentName: props.environmentName,
      plans,
      sources,
      restoreTargetPrefix: props.restoreTargetPrefix,
      homeVault: { side: 'dr', bucket: props.vault, key: props.vaultKey },
      catalog: props.catalog,
      catalogKey: props.catalogKey,
      ...(props.fileSystem ? { fileSystem: props.fileSystem } : {}),
      sourcesWritable: false,
      idPrefix: 'Failover',
    });
    const environment = {
      LIFEBOAT_ENVIRONMENT: props.environmentName,
      LIFEBOAT_RESTORE_TARGET_PREFIX: props.restoreTargetPrefix,
      ...homeVaultEnvironment(stack, { side: 'dr', bucket: props.vault, key: props.vaultKey }),
      CATALOG_TABLE: props.catalog.tableName,
      LIFEBOAT_PLANS: stack.toJsonString(plansInStack(this, plans)),
      ...(props.mirrorBucketPrefix !== undefined ? { LIFEBOAT_MIRROR_BUCKET_PREFIX: props.mirrorBucketPrefix } : {}),
      // Validate failover derives the directory targets from it and refuses one outside it (failover-targets.ts).
      ...(props.fileSystem ? { LIFEBOAT_MOUNT_PATH: props.fileSystem.mountPath } : {}),
    };
    // Validate failover only looks at the directory targets (absent or empty?): it reads; the restore functions write.
    const files = props.fileSystem ? { files: { mount: props.fileSystem, access: 'read' as const } } : {};
    const start = new LifeboatFunction(this, 'ValidateFailover', { handler: 'failover-start', environment, ...files });
    const report = new LifeboatFunction(this, 'ReportFailover', { handler: 'failover-report', environment });
    this.functions = { start, report };

    const targetBuckets = `arn:${stack.partition}:s3:::${props.restoreTargetPrefix}*`;
    const targetTables = Arn.format({ service: 'dynamodb', resource: 'table', resourceName: `${props.restoreTargetPrefix}*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
    // Validate: the plan's backups in the DR catalog; every target checked (HeadBucket and "is it empty" need ListBucket, its protection the two Gets), buckets created.
    // listBackupsOfPlan is a Query of the byPlan index; getBackup, the REBUILD marker and the mirrors' MIRROR# records
    // are GetItem of those partitions (failover-start.ts; review r58J F2).
    start.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem'], [BACKUP_RECORD_PARTITIONS, REBUILD_MARKER_PARTITION, MIRROR_RECORD_PARTITIONS]));
    start.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.catalog.tableArn}/index/byPlan`] }));
    // Once approved, it grants each child its request (lambdas/failover/failover-grant.ts, audit h6-1): PutItem in that
    // partition only, so it can replace no other catalog item; the children's resolve may read grants but never write them.
    start.addToRolePolicy(failoverGrantStatement(props.catalog, ['dynamodb:PutItem']));
    props.catalogKey.grantEncryptDecrypt(start);
    // The targets are the stack's own buckets (s3:ResourceAccount): a bucket of that name in another account is refused.
    // An existing target must have default encryption and Block Public Access (target-bucket-protection.ts): read on every target.
    start.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket', 's3:GetEncryptionConfiguration', 's3:GetBucketPublicAccessBlock'], resources: [targetBuckets], conditions: ownedBy(stack.account) }),
    );
    // New ones are created and given both, and a lifecycle rule that aborts a stopped restore's uploads (private-bucket.ts), as
    // found ones are (the rule is put where the configuration, read first, is none or that rule alone), by the names the failover gives its S3 sources' targets only
    // (failover-targets.ts: `<restoreTargetPrefix><source>-<targetSuffix>`), not every restore target. IAM has no condition
    // that tells a bucket this run creates from an earlier one of such a name, nor one on the settings PutPublicAccessBlock
    // asks for: an earlier failover's target stays within reach (docs/SECURITY.md, "Restored data").
    const createdBuckets = plansInStack(this, plans)
      .flatMap((p) => p.sources)
      .filter((source) => source.type === 's3')
      .map((source) => `arn:${stack.partition}:s3:::${props.restoreTargetPrefix}${source.name}-*`);
    if (createdBuckets.length > 0) {
      start.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:CreateBucket', 's3:PutBucketPublicAccessBlock', 's3:PutEncryptionConfiguration', 's3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration'],
          resources: [...new Set(createdBuckets)],
          conditions: ownedBy(stack.account),
        }),
      );
    }
    start.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:DescribeTable'], resources: [targetTables] }));

    const startTask = lifeboatTask(
      this,
      'Validate failover',
      'Validates every field, picks the backup from the DR catalog (newest, by id or at a time), checks every source\'s target up front (refusing one that holds data without overwrite) and creates the target buckets.',
      start,
      '$.failover',
      { 'input.$': '$$.Execution.Input', 'execution.$': '$$.Execution.Name', 'startedAt.$': '$$.Execution.StartTime', 'executionArn.$': '$$.Execution.Id' },
    );
    // Each source's restore is a child execution of the restore-source state machine, whose Restore shards is a
    // Distributed Map at the top of its definition (docs/ARCHITECTURE.md, "Restore shards").
    // A failover that meets archived packs thaws them first: the restore runbook's archive timeout, each source's own.
    const restoreTimeout = restore.thaw ? ARCHIVE_RESTORE_TIMEOUT : WORKFLOW_TIMEOUT;
    const restoreSource = new RestoreSourceStateMachine(this, 'RestoreSource', { stateMachineName: `${props.stateMachineName}-restore-source`, functions: restore, vault: props.vault, vaultKey: props.vaultKey, timeout: restoreTimeout });
    // Anyone may start the child by hand (Step Functions has no resource policy): its resolve restores only a request
    // this failover granted after its approval, and names the failover to start instead (docs/SECURITY.md, "Approvals").
    restore.resolve.addEnvironment(FAILOVER_GRANTS_FROM_ENV, props.stateMachineName);
    restore.resolve.addToRolePolicy(failoverGrantStatement(props.catalog, ['dynamodb:GetItem', 'dynamodb:UpdateItem']));
    // A source's restore that fails must not hide the others: as in the drill, its iteration returns the failure as its
    // item, so the report names every source, live or failed, and the execution fails after it.
    const restoreOne = restoreSource.sourceIterationCatchingFailure(this, {
      comment: 'The source\'s restore failed: the item names the source, its restore and target, and the child restore\'s own error and cause, for the report.',
      failedItem: { 'source.$': '$.request.source', 'restoreId.$': '$.restoreId', 'target.$': '$.request.target' },
    });
    const restoreSources = new sfn.Map(this, 'Restore sources', {
      comment: 'Restores every source of the backup from the DR vault into its target in this region and verifies it, one iteration per source, in parallel; each iteration\'s result is its restore report, or its failure ({ source, restoreId, target, failed, error }).',
      itemsPath: '$.failover.restores',
      // Each iteration is given the number of sources too: their reports share this state (review r58I F2).
      itemSelector: RestoreSourceStateMachine.sourceItemSelector('$.failover.restores'),
      resultPath: '$.restored',
      // What Step Functions runs at most anyway, said so that the waves the timeout below counts are in the definition.
      maxConcurrency: INLINE_MAP_CONCURRENCY,
    }).itemProcessor(restoreOne);
    const reportTask = lifeboatTask(
      this,
      'Failover report',
      'Per live source: target, entries, bytes and restore time; per failed source: its error and what to do, and the input that finishes the failover; the total RTO and the RPO of the data restored, against the plan\'s objectives.',
      report,
      // Its result, at `report`, replaces the state: every source's report was read, and kept beside the report (which
      // carries it again in its FailoverIncompleteError cause) took the state past 256 KiB from some 64 sources (review r58I F2).
      '$',
      { 'failover.$': '$.failover', 'restored.$': '$.restored', 'request.$': '$$.Execution.Input' },
      { 'report.$': '$' },
    );
    const done = new sfn.Succeed(this, 'Failover complete', { comment: 'Every source is restored and verified in this region; the output is the failover report.', outputPath: '$.report' });
    // A partial failover must not look SUCCEEDED: the operator would point every application at targets some of which are empty.
    const incomplete = new sfn.Fail(this, 'Failover incomplete', {
      comment: 'A source\'s restore failed: fails the execution with FailoverIncompleteError, whose cause names the failed sources and the live ones with their targets, and carries the report.',
      error: 'FailoverIncompleteError',
      causePath: '$.report.incompleteCause',
    });
    // IsPresent true, never false: the one form both Step Functions and the local executor evaluate alike (restore-workflow.ts).
    const everySource = new sfn.Choice(this, 'Every source restored?', { comment: 'The report has incompleteCause when a source\'s restore failed: the execution fails with it; else it succeeds with the report.' })
      .when(sfn.Condition.isPresent('$.report.incompleteCause'), incomplete)
      .otherwise(done);
    const failureReport = failureReportState(this, {
      reportComment: 'Collects the failed step\'s error and cause with the input and execution name, for the Fail state and the execution history.',
      failName: 'Failover failed',
      failComment: 'Fails the execution with the failed step\'s own error name and message.',
    });
    const approval = approvalStep(this, 'Approval', {
      kind: 'failover',
      catalog: props.catalog,
      catalogKey: props.catalogKey,
      environment,
      ...(props.approvalTimeout ? { timeout: props.approvalTimeout } : {}),
    });
    for (const step of [approval.task, startTask, restoreSources, reportTask]) step.addCatch(failureReport, { errors: ['States.ALL'], resultPath: '$.error' });
    // The approval's result goes to $.approval: Validate failover still reads the execution's own input ($).
    const definition = approval.task.next(startTask).next(restoreSources).next(reportTask).next(everySource);
    // The failover outlasts its restores by the approval's wait and what its other steps may take with their retries: a
    // restore that runs too long fails its source and the report still runs. Were the failover's own timeout first, the
    // execution would just stop, no Catch run: no report naming the sources restored and those not, no
    // FailoverIncompleteError. Step Functions runs 40 of the Map's iterations at once, so a plan of more sources
    // restores in waves, each child's timeout counting from its own start: the timeout covers the waves the stack's
    // largest plan needs (inline-map-waves.ts), fixed at synth; a plan of 40 sources or fewer keeps one child's.
    const approvalWait = props.approvalTimeout ?? APPROVAL_TIMEOUT;
    const waves = inlineMapWaves(Math.max(0, ...plans.map((p) => p.sources.length)));
    const timeout = timeoutCoveringWaves(restoreTimeout, waves, approvalWait.plus(lambdaStepsBudget([approval.fn, start, report])));
    this.stateMachine = loggedStateMachine(this, { stateMachineName: props.stateMachineName, definition, timeout });
    // A grant must outlast every child the failover may start, the last wave's too; a day more for clocks and for
    // reading what was granted.
    start.addEnvironment(FAILOVER_GRANT_SECONDS_ENV, String(timeout.plus(Duration.days(1)).toSeconds()));
    if (props.approverRoleArn) grantApprover(this, 'Approver', props.approverRoleArn, props.catalog, props.catalogKey, this.stateMachine);

    acknowledgeScopedWildcards(this, [
      ...restore.wildcardResources,
      targetBuckets,
      ...createdBuckets,
      targetTables,
      ...[start, report, approval.fn].map((fn) => `${fn.functionArn}:*`),
    ]);
    for (const role of [...restore.all, start, report, approval.fn].map((fn) => fn.role)) if (role) acknowledgeXRayWildcard(role);
    acknowledgeXRayWildcard(this.stateMachine.role);
    acknowledgeChildExecutionWildcards(this.stateMachine);
  }
}
