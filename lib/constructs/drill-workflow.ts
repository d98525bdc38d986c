import { Annotations, Arn, ArnFormat, type CfnResource, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { KEY_IN_OTHER_REGION } from '../../config/names-in-other-region';
import { drillStateBytes, drillStateSource } from '../../config/parent-state-size';
import { ARCHIVE_RESTORE_TIMEOUT, WORKFLOW_TIMEOUT } from '../lifeboat-defaults';
import { ownedBy } from './bucket-owner-condition';
import { BACKUP_RECORD_PARTITIONS, catalogPartitionStatement, DRILLS_PARTITION, REBUILD_MARKER_PARTITION } from './catalog-partition-grant';
import { type FileSystemMount } from './file-system-mount';
import { LifeboatFunction } from './lifeboat-function';
import { checkParentStateSize } from './parent-state-check';
import { drillOutlastsScheduleWarning } from './drill-schedule-overlap';
import { drillTimeouts, INLINE_MAP_CONCURRENCY } from './drill-timeouts';
import { lambdaStepsBudget } from './lambda-step-budget';
import { type LifeboatPlan } from './lifeboat-plan';
import { type LifeboatSource } from './lifeboat-source';
import { lifeboatTask } from './lifeboat-task';
import { loggedStateMachine } from './logged-state-machine';
import { acknowledgeChildExecutionWildcards, acknowledgeScopedWildcards, acknowledgeSourceKeysThroughS3, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { homeVaultEnvironment, restoreFunctions, targetClaimStatement } from './restore-functions';
import { RestoreSourceStateMachine } from './restore-source-state-machine';
import { NAME_IN_OTHER_REGION, plansInStack } from './plans-in-stack';
import { scheduleDelivery } from './schedule-delivery';
import { validatePlans } from './validated-plans';
import { createOnlyPutStatements } from './vault-bucket-protection';
import { schedulerPrincipal } from './scheduler-principal';
import { canonicalScheduleExpression } from '../../config/schedule-expression';

/** An account and the stacks that may deploy only into it when it is a literal (DrillWorkflowProps.pinnedAccount). */
export type PinnedAccount = { readonly account: string; readonly stacks: readonly Stack[] };

export type DrillWorkflowProps = {
  /** Names the protection (the functions' LIFEBOAT_ENVIRONMENT). */
  readonly environmentName: string;
  /** Physical name of the state machine (`<prefix>-drill`, the same in both regions). */
  readonly stateMachineName: string;
  readonly plans: readonly LifeboatPlan[];
  /** The vault the drill restores from, in the workflow's stack, and which one it is. */
  readonly vault: s3.IBucket;
  readonly vaultKey: kms.IKey;
  readonly vaultSide: 'primary' | 'dr';
  /** The catalog of the workflow's region (the DR catalog in the DR stack) and its key: backups are picked from it, drills recorded in it. */
  readonly catalog: dynamodb.ITable;
  readonly catalogKey: kms.IKey;
  /** Scratch buckets, tables and directories start with this (`<prefix>-drill-`): the drill's functions may write nothing else. */
  readonly scratchPrefix: string;
  /**
   * The sources' region, for the live-source comparison (reached only when it is up).
   * @default the stack's region for a drill of the primary vault; for one of the DR vault, no live-source
   * comparison and no access to the sources (a DR stack in another account cannot read them)
   */
  readonly primaryRegion?: string;
  /**
   * The account the protection pins its DR side to (drAccountOf) and the stacks it pins there: the protection's own and
   * its DR stack. When that account is a literal, the protection's CloudFormation rules (DrAccountMatches,
   * AccountMatches) let neither stack deploy into another one, so a key created in either is of that account even where
   * CDK knows only a token for it: the live comparison may then grant it through S3 (liveComparison).
   * @default the stacks' accounts as CDK knows them
   */
  readonly pinnedAccount?: PinnedAccount;
  /**
   * The mount scratch directories are restored into: the sources' own file system (primary region), or the DR region's
   * writable one (FileSystemMount.forDrRestore) for the DR drill.
   * @default no file system (directory sources are drilled only under the local cloud)
   */
  readonly fileSystem?: FileSystemMount;
  /**
   * Each plan whose `drill` names this workflow's vault gets a schedule `<schedulePrefix><plan>` starting it with `{ "plan": <name> }`.
   * @default no schedules
   */
  readonly schedulePrefix?: string;
  /** Where an event goes that a drill schedule could not deliver (OperationsAlerts' queue of the region). @default none */
  readonly deadLetterQueue?: sqs.IQueue;
};

/**
 * The restore-and-verify drill (docs/RUNBOOKS.md, "Drill"; docs/ARCHITECTURE.md for the contracts):
 * Start drill (pick the backup, measure RPO, create scratch buckets) → Restore sources (the restore
 * chain once per source, into scratch targets; a source whose restore fails becomes a failed item, the
 * others go on) → Compare with live sources → Clean up scratch → Record drill (RTO, verdict, report
 * object, catalog) → PASSED succeeds, anything else fails with DrillFailed or DrillObjectiveMissed. A
 * failing step goes to the cleanup and the record all the same, so every drill that picked a plan is
 * recorded, with every source it restored or failed to, and its scratch targets are removed (a failed
 * cleanup is recorded with the targets it may leave, which a later drill's sweep removes once older than the drill timeout).
 * Its functions write only scratch targets (`scratchPrefix*`), the report object and the catalog (the record step only its DRILLS partition).
 */
export class DrillWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<'start' | 'compare' | 'cleanup' | 'record', LifeboatFunction>;
  /** The plans' drill schedules in this region. */
  readonly schedules: scheduler.CfnSchedule[];

  constructor(scope: Construct, id: string, props: DrillWorkflowProps) {
    super(scope, id);
    const { plans, sources } = validatePlans(this, 'DrillWorkflow', { plans: props.plans });
    // Every source's report shares the drill's state (review r58I F2): refused or warned of at synth.
    checkParentStateSize(this, { kind: 'drill', construct: 'DrillWorkflow', stateSource: (s) => drillStateSource(s, props.fileSystem?.mountPath), stateBytes: drillStateBytes }, plans);
    const stack = Stack.of(this);
    const plansHere = plansInStack(this, plans);
    const comparesLive = props.primaryRegion !== undefined || props.vaultSide === 'primary';
    const compared = comparesLive ? liveComparison(stack, plansHere, sources, props.pinnedAccount) : { plans: plansHere, keyArns: new Map<string, string[]>(), keysThroughS3: [] };
    const restore = restoreFunctions(this, {
      environmentName: props.environmentName,
      plans,
      sources,
      restoreTargetPrefix: props.scratchPrefix,
      homeVault: { side: props.vaultSide, bucket: props.vault, key: props.vaultKey },
      catalog: props.catalog,
      catalogKey: props.catalogKey,
      ...(props.fileSystem ? { fileSystem: props.fileSystem } : {}),
      sourcesWritable: false,
      idPrefix: 'Drill',
      // Scratch tables are deleted by the drill: no deletion protection, no point-in-time recovery (restored-table-protection.ts).
      environment: { LIFEBOAT_SCRATCH_TARGETS: 'true' },
    });
    const environment = {
      LIFEBOAT_ENVIRONMENT: props.environmentName,
      LIFEBOAT_RESTORE_TARGET_PREFIX: props.scratchPrefix,
      ...homeVaultEnvironment(stack, { side: props.vaultSide, bucket: props.vault, key: props.vaultKey }),
      CATALOG_TABLE: props.catalog.tableName,
      LIFEBOAT_PLANS: stack.toJsonString(plansHere),
      ...(props.primaryRegion !== undefined ? { LIFEBOAT_PRIMARY_REGION: props.primaryRegion } : {}),
      ...(props.fileSystem ? { LIFEBOAT_MOUNT_PATH: props.fileSystem.mountPath } : {}),
    };
    // A drill that meets archived packs thaws them first (hours, up to 48 for Deep Archive in Bulk): the restore runbook's archive timeout.
    const baseTimeout = restore.thaw ? ARCHIVE_RESTORE_TIMEOUT : WORKFLOW_TIMEOUT;
    const files = (access: 'read' | 'write') => (props.fileSystem ? { files: { mount: props.fileSystem, access } } : {});
    const start = new LifeboatFunction(this, 'StartDrill', { handler: 'drill-start', environment });
    const compare = new LifeboatFunction(this, 'CompareDrill', { handler: 'drill-compare', environment: { ...environment, LIFEBOAT_PLANS: stack.toJsonString(compared.plans) }, ...files('read') });
    const cleanup = new LifeboatFunction(this, 'CleanUpDrill', { handler: 'drill-cleanup', environment, ...files('write') });
    const record = new LifeboatFunction(this, 'RecordDrill', { handler: 'drill-record', environment });
    this.functions = { start, compare, cleanup, record };
    // Each child restore ends before the drill does, by what the drill's other steps may take with their retries (some
    // 3.4 h): a restore that runs too long fails its source, and the cleanup and the record still run. Step Functions
    // runs 40 of the Map's iterations at once, so a plan of more sources restores in waves and the drill's timeout
    // covers each wave's child timeout (drill-timeouts.ts): at the drill's own timeout the execution would just stop,
    // no Catch run: its scratch targets and pins left, no record, no metric for the alarm.
    const tail = lambdaStepsBudget([start, compare, cleanup, record]);
    const timeouts = drillTimeouts(baseTimeout, tail, Math.max(0, ...plans.map((p) => p.sources.length)));
    const timeout = timeouts.drill;
    // The cleanup's sweep spares targets younger than the drill's timeout (and an hour): a drill may still be using them.
    cleanup.addEnvironment('LIFEBOAT_DRILL_TIMEOUT_SECONDS', String(timeout.toSeconds()));

    const scratchBuckets = `arn:${stack.partition}:s3:::${props.scratchPrefix}*`;
    const scratchObjects = `${scratchBuckets}/*`;
    const scratchTables = Arn.format({ service: 'dynamodb', resource: 'table', resourceName: `${props.scratchPrefix}*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
    const vaultObjects = (prefixes: string[]) => prefixes.map((p) => props.vault.arnForObjects(p));
    // Start: the plan's backups (listBackupsOfPlan: Query of the byPlan index) and records (getBackup: GetItem of their
    // BACKUP# partitions; the REBUILD marker, drill-start.ts), each action on its own resource and partitions (review
    // r58J F2); the scratch buckets (restore targets must exist).
    start.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem'], [BACKUP_RECORD_PARTITIONS, REBUILD_MARKER_PARTITION]));
    start.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.catalog.tableArn}/index/byPlan`] }));
    props.catalogKey.grantDecrypt(start);
    // Scratch buckets are the stack's own (s3:ResourceAccount): a bucket of that name in another account is not ours to fill.
    const own = ownedBy(stack.account);
    // Created private, encrypted, with a rule that aborts the uploads of a restore stopped or timed out (private-bucket.ts),
    // put only on a bucket whose lifecycle configuration is none or that rule alone: read first (target-upload-lifecycle.ts).
    start.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:CreateBucket', 's3:PutBucketPublicAccessBlock', 's3:PutEncryptionConfiguration', 's3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration'],
        resources: [scratchBuckets],
        conditions: own,
      }),
    );
    // Compare: the backup's manifest (what the live entries looked like), the restored copies and the live sources.
    compare.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: vaultObjects(['config', 'keys/*', 'snapshots/*', 'manifest/*', 'index/*', 'data/*']) }));
    compare.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.vault.bucketArn], conditions: { StringLike: { 's3:prefix': ['keys/*', 'index/*', 'snapshots/*'] } } }));
    compare.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.vaultKey.keyArn] }));
    compare.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [scratchObjects], conditions: own }));
    compare.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [scratchBuckets], conditions: own }));
    // And the backup's catalog record (GetItem of its partition only): what the backup left out, its reason lines whole,
    // which the restore reports in the state carry bounded (review r58I F1).
    compare.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:GetItem'], [BACKUP_RECORD_PARTITIONS]));
    props.catalogKey.grantDecrypt(compare);
    // The live sources by name (in the DR stack only those whose name, and key, CDK can give there; the others are not sampled: no access).
    const liveObjects: string[] = [];
    for (const config of comparesLive ? compared.plans.flatMap((p) => p.sources) : []) {
      if (config.type !== 's3' || config.bucket === NAME_IN_OTHER_REGION || config.bucket === KEY_IN_OTHER_REGION) continue;
      const bucketArn = `arn:${stack.partition}:s3:::${config.bucket}`;
      liveObjects.push(`${bucketArn}/${config.prefix}*`);
      const sourceOwner = ownedBy(config.account ?? stack.account);
      compare.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`${bucketArn}/${config.prefix}*`], conditions: sourceOwner }));
      compare.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucketArn], conditions: sourceOwner }));
    }
    // S3 decrypts an SSE-KMS object for the caller only with the caller's own kms:Decrypt on the key.
    // Only as S3 of the key's region uses it (audit a59B F6): the function reads objects, it decrypts nothing itself.
    for (const [region, keyArns] of compared.keyArns) {
      compare.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: keyArns, conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } } }));
    }
    // The keys this stack cannot name (liveComparison): any key of their account and region, but only as S3 of that region
    // uses it to decrypt an object of a compared bucket and prefix for this role (it reads no other: GetObject above).
    const keysThroughS3 = compared.keysThroughS3.map(({ region, objects }) =>
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [Arn.format({ service: 'kms', region, resource: 'key', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack)],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': objects } },
      }),
    );
    for (const statement of keysThroughS3) compare.addToRolePolicy(statement);
    if (compare.role) acknowledgeSourceKeysThroughS3(compare.role, keysThroughS3.flatMap((st) => st.resources));
    // Cleanup: find scratch targets by name (listing needs "*"), empty and delete them.
    // A policy of its own, so its "*" carries its own reason (the X-Ray one covers the default policy only).
    const listing = new iam.Policy(this, 'CleanUpDrillListing', { statements: [new iam.PolicyStatement({ actions: ['s3:ListAllMyBuckets', 'dynamodb:ListTables'], resources: ['*'] })] });
    if (cleanup.role) listing.attachToRole(cleanup.role);
    Validations.of(listing.node.defaultChild as CfnResource).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'The drill cleanup finds scratch buckets and tables by their name prefix: s3:ListAllMyBuckets and dynamodb:ListTables support no resource-level permissions. Deleting is allowed on the scratch prefix only.',
    });
    // Before emptying a bucket the cleanup seals it (lambdas/drill/scratch-bucket-seal.ts): a policy that denies object
    // writes, against a timed-out restore's shards still writing, and an abort of their multipart uploads; and gives it
    // rules that expire its objects (scratch-bucket-expiry.ts), which empty a bucket too big for the cleanup's time.
    cleanup.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket', 's3:ListBucketVersions', 's3:ListBucketMultipartUploads', 's3:PutBucketPolicy', 's3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration', 's3:DeleteBucket'],
        resources: [scratchBuckets],
        conditions: own,
      }),
    );
    cleanup.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:AbortMultipartUpload'], resources: [scratchObjects], conditions: own }));
    cleanup.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:DescribeTable', 'dynamodb:DeleteTable'], resources: [scratchTables] }));
    // The pins of the drill's restores (drill-pins.ts): their verify steps leave them, since Compare still reads the
    // snapshot; the cleanup removes them, one conditional UpdateItem of the backup's record each (BACKUP# only: an
    // UpdateItem creates the item it names, review r58J F2), and with each its restore's claim on its scratch target
    // (lambdas/restore/target-claim.ts), one conditional DeleteItem.
    cleanup.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:UpdateItem'], [BACKUP_RECORD_PARTITIONS]));
    cleanup.addToRolePolicy(targetClaimStatement(props.catalog, ['dynamodb:DeleteItem']));
    props.catalogKey.grantEncryptDecrypt(cleanup);
    // Record: the report object, written once (read back when a retry finds it), and the catalog item. Create-only
    // (If-None-Match: *, drill-report-object.ts): the evidence of an earlier drill cannot be replaced by this role.
    for (const statement of createOnlyPutStatements(vaultObjects(['drills/*']), { multipart: false })) record.addToRolePolicy(statement);
    record.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: vaultObjects(['drills/*']) }));
    record.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.vaultKey.keyArn] }));
    // The drill log (lambdas/catalog/drill-log.ts, DrillLog.record) is its only catalog write: that partition only. On the whole
    // table the record role could replace a backup record (and its legal hold), overwrite a plan's lease or plant an approval (review r3-F1).
    record.addToRolePolicy(catalogPartitionStatement(props.catalog, ['dynamodb:PutItem'], [DRILLS_PARTITION], 'exact'));
    props.catalogKey.grantEncryptDecrypt(record);

    // The state machine.
    const startTask = lifeboatTask(
      this,
      'Start drill',
      'Validates the input, picks the backup (latest or random within the window, from this region\'s vault), measures the RPO and creates the scratch buckets; a bad input fails the drill at once.',
      start,
      '$.drill',
      { 'input.$': '$', 'execution.$': '$$.Execution.Name', 'startedAt.$': '$$.Execution.StartTime' },
    );
    // Each source's restore is a child execution of the restore-source state machine, whose Restore shards is a
    // Distributed Map at the top of its definition (docs/ARCHITECTURE.md, "Restore shards").
    const restoreSource = new RestoreSourceStateMachine(this, 'RestoreSource', {
      stateMachineName: `${props.stateMachineName}-restore-source`,
      functions: restore,
      vault: props.vault,
      vaultKey: props.vaultKey,
      timeout: timeouts.restoreSource,
    });
    // A source's restore that fails must not stop the others: its iteration returns the failure as its item, so the
    // report lists every source and the verdict is FAILED all the same.
    const restoreOne = restoreSource.sourceIterationCatchingFailure(this, {
      comment: 'The source\'s restore failed: the item names the source, its scratch target and the child restore\'s own error and cause, for the report.',
      failedItem: { 'source.$': '$.request.source', 'target.$': '$.request.target' },
    });
    const restoreSources = new sfn.Map(this, 'Restore sources', {
      comment: 'Restores every source of the backup into its scratch target and verifies it against the manifest, one iteration per source; each iteration\'s result is its restore report, or its failure ({ source, failed, target, error }).',
      itemsPath: '$.drill.restores',
      // Each iteration is given the number of sources too: their reports share this state (review r58I F2).
      itemSelector: RestoreSourceStateMachine.sourceItemSelector('$.drill.restores'),
      resultPath: '$.restored',
      // What Step Functions runs at most anyway, said so that the waves drillTimeouts counts are in the definition.
      maxConcurrency: INLINE_MAP_CONCURRENCY,
    }).itemProcessor(restoreOne);
    // The RTO ends when this state is entered (every source restored and verified): EnteredTime is the state's, which a
    // Retry does not move, so neither backoff nor a failed attempt nor a cold start counts in it.
    const compareTask = lifeboatTask(this, 'Compare with live sources', 'Compares a sample of restored entries with the live source where the live entry has not changed since the backup (when the source\'s region is reachable); sources whose restore failed are skipped.', compare, '$.comparison', {
      'drill.$': '$.drill',
      'restored.$': '$.restored',
      'verifiedAt.$': '$$.State.EnteredTime',
    });
    // The whole state: the pins of the drill's restores are named by `$.drill`, which a drill whose start failed has not.
    const cleanupTask = lifeboatTask(this, 'Clean up scratch', 'Removes the pins of this drill\'s restores on its backup and this drill\'s scratch buckets, tables and directories, and sweeps those of earlier drills older than the drill timeout.', cleanup, '$.cleanup', {
      'execution.$': '$$.Execution.Name',
      'startedAt.$': '$$.Execution.StartTime',
      sweep: true,
      'state.$': '$',
    });
    // Its result, at `report`, replaces the state: every source's report and the comparison are read and no longer needed;
    // kept beside the record (the whole record of a passed drill), they took the state past 256 KiB from some 62 sources
    // after the record said PASSED (review r58I F2).
    const recordTask = lifeboatTask(this, 'Record drill', 'Measures the RTO, gives the verdict against the plan\'s objectives, writes the report object drills/<id>.json into the vault and the drill into the catalog; the state is then its report alone, at report.', record, '$', {
      'input.$': '$$.Execution.Input',
      'execution.$': '$$.Execution.Name',
      'startedAt.$': '$$.Execution.StartTime',
      'state.$': '$',
    }, { 'report.$': '$' });
    const passed = new sfn.Succeed(this, 'Drill passed', { comment: 'Every source restored and verified within the objectives; the output is the drill report.', outputPath: '$.report' });
    const failed = new sfn.Fail(this, 'Drill failed', { comment: 'A step or a source\'s restore failed, or a restored entry differed; the cause names the first error.', error: 'DrillFailed', causePath: '$.report.summary' });
    const missed = new sfn.Fail(this, 'Objective missed', { comment: 'Restored and verified, but the RTO or RPO objective was missed; the cause says which and by how much.', error: 'DrillObjectiveMissed', causePath: '$.report.summary' });
    const verdict = new sfn.Choice(this, 'Verdict?', { comment: 'PASSED succeeds; FAILED and OBJECTIVE_MISSED fail the execution, after the report is recorded.' })
      .when(sfn.Condition.stringEquals('$.report.verdict', 'PASSED'), passed)
      .when(sfn.Condition.stringEquals('$.report.verdict', 'OBJECTIVE_MISSED'), missed)
      .otherwise(failed);
    const refused = new sfn.Fail(this, 'Drill refused', {
      comment: 'The input is invalid (unknown plan, a backup of another plan, one retention forgot...): nothing was restored or recorded.',
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    });

    // A backup named in the input that retention forgot is a mistaken input, as an unknown id is: no drill to record against the plan.
    startTask.addCatch(refused, { errors: ['InvalidInputError', 'ForgottenBackupError'], resultPath: '$.error' });
    for (const step of [startTask, restoreSources, compareTask]) step.addCatch(cleanupTask, { errors: ['States.ALL'], resultPath: '$.error' });
    // A failed cleanup is recorded (cleanup.errors names it and the scratch targets it may leave; the next drill's sweep removes them).
    cleanupTask.addCatch(recordTask, { errors: ['States.ALL'], resultPath: '$.cleanupError' });
    recordTask.next(verdict);
    const definition = startTask.next(restoreSources).next(compareTask).next(cleanupTask).next(recordTask);
    this.stateMachine = loggedStateMachine(this, { stateMachineName: props.stateMachineName, definition, timeout });

    const scheduled = plans.filter((p) => p.drill !== undefined && p.drill.vault === props.vaultSide);
    this.schedules = props.schedulePrefix !== undefined && scheduled.length > 0 ? this.addSchedules(props.environmentName, props.schedulePrefix, scheduled, props.deadLetterQueue) : [];
    // A warning, not a refusal: a plan's drill may well end long before its timeout. Each plan's own waves set how long
    // its drill may run (its last wave's children time out by then), whatever the stack's largest plan needs.
    if (props.schedulePrefix !== undefined) {
      for (const plan of scheduled) {
        const own = drillTimeouts(baseTimeout, tail, plan.sources.length);
        const warning = drillOutlastsScheduleWarning(plan, own.waves, own.drill);
        if (warning) Annotations.of(this).addWarningV2(`lifeboat:drill-outlasts-schedule-${plan.name}`, warning);
      }
    }

    acknowledgeScopedWildcards(this, [
      ...restore.wildcardResources,
      scratchBuckets,
      scratchObjects,
      scratchTables,
      `${props.catalog.tableArn}/index/byPlan`,
      ...vaultObjects(['keys/*', 'snapshots/*', 'manifest/*', 'index/*', 'data/*', 'drills/*']),
      ...liveObjects,
      ...[start, compare, cleanup, record].map((fn) => `${fn.functionArn}:*`),
    ]);
    for (const role of [...restore.all, start, compare, cleanup, record].map((fn) => fn.role)) if (role) acknowledgeXRayWildcard(role);
    acknowledgeXRayWildcard(this.stateMachine.role);
    acknowledgeChildExecutionWildcards(this.stateMachine);
  }

  /** As BackupSchedules: a role that may start this one state machine, and a schedule per drilled plan. */
  private addSchedules(environmentName: string, prefix: string, plans: readonly ProtectionPlanConfig[], deadLetterQueue: sqs.IQueue | undefined): scheduler.CfnSchedule[] {
    const role = new iam.Role(this, 'ScheduleRole', {
      assumedBy: schedulerPrincipal(this),
      description: `Lifeboat ${environmentName}: starts scheduled drills`,
    });
    this.stateMachine.grantStartExecution(role);
    return plans.map(
      (plan) =>
        new scheduler.CfnSchedule(this, `Schedule-${plan.name}`, {
          name: `${prefix}${plan.name}`,
          description: `Lifeboat drill of plan ${plan.name} (${plan.drill?.selection ?? 'latest'} backup, RTO ${plan.objectives.rtoMinutes} min, RPO ${plan.objectives.rpoMinutes} min)`,
          scheduleExpression: canonicalScheduleExpression(plan.drill?.schedule ?? ''),
          scheduleExpressionTimezone: 'UTC',
          flexibleTimeWindow: { mode: 'OFF' },
          target: {
            arn: this.stateMachine.stateMachineArn,
            roleArn: role.roleArn,
            input: JSON.stringify({ plan: plan.name }),
            ...scheduleDelivery(role, deadLetterQueue),
          },
        }),
    );
  }
}

/** The keys of one region, of the drill's account, that the compare function may have S3 use for it: the bucket and object ARNs of its reads. */
type KeysThroughS3 = { readonly region: string; readonly objects: string[] };

/**
 * The plans as the drill's compare function receives them, and the source buckets' KMS keys it is granted kms:Decrypt
 * on. A key is granted by its ARN wherever that ARN can be named in `stack`: a literal ARN (an imported key) in any
 * stack; a key of this stack; one of another stack of the same account and region, through CDK's cross-stack reference
 * (an export of that stack, which this one then depends on). A key whose ARN is a token of a stack in another region
 * (a `new kms.Key` of the primary stack, seen from the DR stack) cannot be: CDK would add a reference, and a
 * dependency, that the primary stack's own dependency on the DR stack makes a cycle. When that key's account is this
 * stack's and its region is known, it is granted without its ARN (keysThroughS3): any key of that account and region,
 * only through S3 of that region (`kms:ViaService`) and only with the encryption context S3 gives the compared bucket's
 * objects (`kms:EncryptionContext:aws:s3:arn`: the object's ARN, or the bucket's when S3 uses a Bucket Key). So the
 * role may decrypt no more than the objects its s3:GetObject reaches, and nothing by calling KMS itself. The key's own
 * policy must leave its use to IAM, as the one CDK gives a `new kms.Key` does (the account's root, `kms:*`), and as the
 * backup's read of the bucket already requires. A key of another account, or one not shown to be of this stack's
 * account and of a known region (a token ARN; a key of an environment-agnostic stack that `pinned` does not cover while
 * this stack's account is known), may have a key policy this stack cannot change: its bucket is replaced by
 * KEY_IN_OTHER_REGION, so the function leaves the source out of its comparison and says why instead of being refused.
 */
function liveComparison(
  stack: Stack,
  plans: readonly ProtectionPlanConfig[],
  sources: readonly LifeboatSource[],
  pinned: PinnedAccount | undefined,
): { plans: ProtectionPlanConfig[]; keyArns: Map<string, string[]>; keysThroughS3: KeysThroughS3[] } {
  /** The keys named by their ARNs, by the region of their bucket (the key's: S3 uses only a key of its own region). */
  const keyArns = new Map<string, string[]>();
  const objectsByRegion = new Map<string, Set<string>>();
  // validatePlans lists the sources in plan order, as the plans hold their configs.
  let index = 0;
  const comparedPlans = plans.map((plan) => ({
    ...plan,
    sources: plan.sources.map((config) => {
      const key = sources[index++]?.bucket?.encryptionKey;
      // A bucket not named here is not read (and its stand-in says so first): its key is not needed either.
      if (config.type !== 's3' || key === undefined || config.bucket === NAME_IN_OTHER_REGION) return config;
      if (keyArnNameableIn(stack, key)) {
        const region = Token.isUnresolved(key.keyArn) ? Stack.of(key).region : Arn.split(key.keyArn, ArnFormat.SLASH_RESOURCE_NAME).region ?? stack.region;
        const arns = keyArns.get(region) ?? [];
        if (!arns.includes(key.keyArn)) arns.push(key.keyArn);
        keyArns.set(region, arns);
        return config;
      }
      const region = regionOfKeyOfThisAccount(stack, key, pinned);
      if (region === undefined) return { ...config, bucket: KEY_IN_OTHER_REGION };
      const bucketArn = `arn:${stack.partition}:s3:::${config.bucket}`;
      const objects = objectsByRegion.get(region) ?? new Set<string>();
      objects.add(bucketArn).add(`${bucketArn}/${config.prefix}*`);
      objectsByRegion.set(region, objects);
      return config;
    }),
  }));
  const keysThroughS3 = [...objectsByRegion].map(([region, objects]) => ({ region, objects: [...objects] }));
  return { plans: comparedPlans, keyArns, keysThroughS3 };
}

/**
 * The region of `key` when its account is `stack`'s and its region a literal; else undefined: a key of another account,
 * or of an ARN token (an import from a parameter) whose account and region only CloudFormation knows. The accounts are
 * those the stacks deploy into (deployedAccount): both literal and equal, or both the deploying account of
 * environment-agnostic stacks that nothing pins (the CLI deploys an app's stacks with one set of credentials). A key
 * created in a stack the protection pins has the pinned account, even where CDK knows only a token for it; one of
 * another agnostic stack stays a token, which a known account of `stack` is not shown to equal.
 */
function regionOfKeyOfThisAccount(stack: Stack, key: kms.IKey, pinned: PinnedAccount | undefined): string | undefined {
  const { account, region } = key.env;
  if (Token.isUnresolved(region)) return undefined;
  const owner = Stack.of(key);
  // A key created in a stack has that stack's account; an imported one, its ARN's (Fn::Select of a token ARN: unknown).
  const keyAccount = account === owner.account ? deployedAccount(owner, pinned) : account;
  return keyAccount === deployedAccount(stack, pinned) ? region : undefined;
}

/** The account `s` deploys into as far as synth knows: the pinned one when `s` is a pinned stack without an account of its own, else its own. */
function deployedAccount(s: Stack, pinned: PinnedAccount | undefined): string {
  if (pinned === undefined || Token.isUnresolved(pinned.account) || !Token.isUnresolved(s.account)) return s.account;
  return pinned.stacks.includes(s) ? pinned.account : s.account;
}

/** Whether `key`'s ARN resolves in `stack` (CDK's rule for a cross-stack reference: the same account and region, unknown ones equal). */
function keyArnNameableIn(stack: Stack, key: kms.IKey): boolean {
  if (!Token.isUnresolved(key.keyArn)) return true;
  const owner = Stack.of(key);
  if (owner === stack) return true;
  const environment = (s: Stack) => `${Token.isUnresolved(s.account) ? '?' : s.account}/${Token.isUnresolved(s.region) ? '?' : s.region}`;
  return owner.node.root === stack.node.root && environment(owner) === environment(stack);
}
