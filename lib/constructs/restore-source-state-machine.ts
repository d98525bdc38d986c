import { type Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { SOURCES_NOT_GIVEN } from '../../config/parent-state-size';
import { loggedStateMachine } from './logged-state-machine';
import { acknowledgeDistributedMapWildcards, acknowledgeScopedWildcards, acknowledgeXRayWildcard } from './nag-acknowledgements';
import { type RestoreFunctions } from './restore-functions';
import { RESTORE_MAP_RUNS_PREFIX, restoreSourceChain } from './restore-source-chain';

export type RestoreSourceStateMachineProps = {
  /** Physical name of the state machine (`<parent's name>-restore-source`); its log group is `/aws/vendedlogs/states/<name>`. */
  readonly stateMachineName: string;
  /** The parent workflow's restore functions (its target prefix, its scratch flag): the child writes only where the parent may. */
  readonly functions: RestoreFunctions;
  /** The home vault (the plans and shard manifests are there) and its key. */
  readonly vault: s3.IBucket;
  readonly vaultKey: kms.IKey;
  /**
   * How long one source's restore may run (with an archive tier, thaws take hours): less than the parent's timeout by
   * what the parent's other steps may take, so that the parent sees the child time out and its Catch runs.
   */
  readonly timeout: Duration;
};

/**
 * The restore of one source as a state machine of its own, which the drill and the failover start
 * once per source from their `Restore sources` Map (`states:startExecution.sync:2`) — so that its
 * `Restore shards` is a Distributed Map at the top of a definition, not an inline Map nested in the
 * parent's Map (docs/ARCHITECTURE.md, "Restore shards"). Input `{ request, restoreId, sources }` (an item of
 * the parent's `restores` and their number: sourceItemSelector; an input that is no object or lacks either of the first two is refused with InvalidInputError before any
 * step runs), output the verification report. No approval step: the parent validated and, for a failover, had the
 * whole run approved; a failover child's resolve restores only the request its failover granted in the catalog after
 * the approval, once (lambdas/failover/failover-grant.ts), so one started by hand writes nothing (docs/SECURITY.md, "Approvals"). A failure abandons the restore's pieces
 * (restore-source-chain.ts, failurePath), then ends the execution with the failing step's own error
 * and cause, which `startTask` gives back to the parent.
 */
export class RestoreSourceStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: RestoreSourceStateMachineProps) {
    super(scope, id);
    const chain = restoreSourceChain(this, props.functions, {
      // execution: a failover child's resolve binds its failover's grant to it (lambdas/failover/failover-grant.ts); with
      // startedAt, its claim is the execution's, which only it takes over and releases (lambdas/restore/target-claim.ts).
      resolvePayload: { 'request.$': '$.request', 'restoreId.$': '$.restoreId', 'execution.$': '$$.Execution.Id', 'startedAt.$': '$$.Execution.StartTime' },
      shards: { mode: 'distributed', vault: props.vault, vaultKey: props.vaultKey },
      // The report is the parent's: one item of its `$.restored`, beside every other source's (review f58O), its lists
      // that many sources' share (the parent's Map gives their number: review r58I F2).
      reportIn: 'parent-state',
      reportSourcesPath: '$.sources',
    });
    chain.chain.next(new sfn.Succeed(this, 'Source restored', { comment: 'The source is restored and verified; the execution\'s output is the verification report.', outputPath: '$.report' }));
    // A failure is caught only to abandon the restore's pieces first; the execution then fails with the step's own error and cause.
    const failed = new sfn.Fail(this, 'Source restore failed', { comment: 'Fails the execution with the failed step\'s own error name and message.', errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const failurePath = chain.failurePath(failed);
    for (const step of chain.steps) step.addCatch(failurePath, { errors: ['States.ALL'], resultPath: '$.error' });
    // Started by hand ({}, a misspelt field), its first Task failed with States.Runtime "Path expression '$.request' does
    // not point to a value", which says neither what is missing nor that the parent is what one starts (audit h6-2).
    const parent = props.stateMachineName.replace(/-restore-source$/, '');
    const missing = (field: string) =>
      new sfn.Fail(this, `No ${field}`, {
        comment: `The input has no ${field}: the parent gives it; nothing ran.`,
        error: 'InvalidInputError',
        cause: `Invalid restore-source input: ${field}: is required; this state machine is started by ${parent} for each source (input { request, restoreId }): start ${parent} instead`,
      });
    // IsPresent true, never false: the one form both Step Functions and the local executor evaluate alike (restore-workflow.ts).
    const hasRestoreId = new sfn.Choice(this, 'Restore id given?', { comment: 'Refuses an input without restoreId, naming it, before any step runs.' })
      .when(sfn.Condition.isPresent('$.restoreId'), chain.chain)
      .otherwise(missing('restoreId'));
    const hasRequest = new sfn.Choice(this, 'Request given?', { comment: 'Refuses an input without request, naming it, before any step runs.' })
      .when(sfn.Condition.isPresent('$.request'), hasRestoreId)
      .otherwise(missing('request'));
    // A parent deployed before it gave the count (an execution running through a deployment) starts children without it:
    // the share 40 sources had (a Path to a missing field would end the child States.Runtime, which no Catch takes).
    const countGiven = new sfn.Choice(this, 'Source count given?', { comment: 'The parent gives how many sources it restores (its reports share its state); without it, the share of 40.' })
      .when(sfn.Condition.isPresent('$.sources'), hasRequest)
      .otherwise(new sfn.Pass(this, 'Source count of 40', { comment: 'A parent that gave no count: the share 40 sources had.', result: sfn.Result.fromNumber(SOURCES_NOT_GIVEN), resultPath: '$.sources' }).next(hasRequest));
    // The object guard first (logged-state-machine.ts): a null or an array input is refused with InvalidInputError too.
    this.stateMachine = loggedStateMachine(this, { stateMachineName: props.stateMachineName, definition: countGiven, timeout: props.timeout });
    chain.distributedMap?.grantVaultAccess(this.stateMachine, props.vaultKey);
    acknowledgeScopedWildcards(this, [props.vault.arnForObjects(`${RESTORE_MAP_RUNS_PREFIX}/*`)]);
    acknowledgeDistributedMapWildcards(this.stateMachine);
    acknowledgeXRayWildcard(this.stateMachine.role);
  }

  /**
   * The states that restore one source from inside the parent's Map: `Restore source` starts this
   * state machine with the iteration's `{ request, restoreId, sources }` (sourceIteration) and waits for it (`.sync:2`), its
   * result the child's output (the report). A failed child fails that task with `States.TaskFailed`
   * and the child's DescribeExecution as JSON in the cause; `Child failure` parses it and `Source
   * failed` fails the iteration with the child's own error and cause, so the parent's Catch and its
   * records see the error that stopped the restore, as when the chain ran inline. A child without an
   * error (timed out, stopped) or stopped by hand fails the iteration as `RestoreSourceNotFinished`.
   */
  startTask(scope: Construct): sfn.IChainable {
    const start = new tasks.StepFunctionsStartExecution(scope, 'Restore source', {
      comment: 'Starts the restore of this source (the restore-source state machine: resolve, plan, Distributed Map of shards, verify) and waits for it; its result is the source\'s verification report.',
      stateMachine: this.stateMachine,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      input: sfn.TaskInput.fromObject({ 'request.$': '$.request', 'restoreId.$': '$.restoreId', 'sources.$': '$.sources' }),
      // The console links the child to the parent execution; the child's steps read only request, restoreId and sources.
      associateWithParent: true,
      outputPath: '$.Output',
    });
    const parsed = new sfn.Pass(scope, 'Child failure', {
      comment: 'The child restore failed: its DescribeExecution, which Step Functions puts in the cause as JSON, parsed.',
      parameters: { 'execution.$': 'States.StringToJson($.Cause)' },
    });
    const failed = new sfn.Fail(scope, 'Source failed', { comment: 'Fails the iteration with the child restore\'s own error and cause.', errorPath: '$.execution.Error', causePath: '$.execution.Cause' });
    const unfinished = new sfn.Fail(scope, 'Source not finished', {
      comment: 'The child restore ended without an error of its own (timed out or stopped).',
      error: 'RestoreSourceNotFinished',
      cause: 'The restore of the source timed out or was stopped before it finished; its execution (the restore-source state machine) says when.',
    });
    // IsPresent true, never false: the one form both Step Functions and the local executor evaluate alike (restore-workflow.ts).
    const hasCause = new sfn.Choice(scope, 'Child has a cause?', { comment: 'A Fail state needs both an error and a cause to pass on.' }).when(sfn.Condition.isPresent('$.execution.Cause'), failed).otherwise(unfinished);
    const hasError = new sfn.Choice(scope, 'Child has an error?', { comment: 'A failed child has its error; a timed-out or stopped one may not.' }).when(sfn.Condition.isPresent('$.execution.Error'), hasCause).otherwise(unfinished);
    // A stopped child's error and cause are whatever StopExecution was given (a cause of up to 32,768 characters), which
    // no step of the child bounded; it ran no Abandon restore either: not finished (review r59A F1). DescribeExecution
    // always has Status.
    const stopped = new sfn.Choice(scope, 'Child stopped?', { comment: 'A child stopped by hand ran no cleanup and its error and cause are StopExecution\'s, unbounded: not finished.' })
      .when(sfn.Condition.stringEquals('$.execution.Status', 'ABORTED'), unfinished)
      .otherwise(hasError);
    start.addCatch(parsed.next(stopped), { errors: ['States.TaskFailed'] });
    return start;
  }

  /**
   * The parent's Map's ItemSelector over the items at `restoresPath` (`{ restoreId, request }` each): the item, and how
   * many there are, which the child's verify step divides its report's share of the parent's state by (review r58I F2).
   */
  static sourceItemSelector(restoresPath: string): Record<string, string> {
    return { 'request.$': '$$.Map.Item.Value.request', 'restoreId.$': '$$.Map.Item.Value.restoreId', 'sources.$': `States.ArrayLength(${restoresPath})` };
  }

  /**
   * One source's iteration of a parent's Map that does not stop the others when it fails (an inline Map fails, and
   * stops every iteration, when one fails): startTask as the one branch of a Parallel (a Fail state cannot be caught
   * where it is), whose Catch turns the failure into the iteration's item, `{ ...failedItem, failed: true, error }`
   * (`error`: the child restore's own error and cause). The drill's and the failover's Restore sources use it.
   */
  sourceIterationCatchingFailure(scope: Construct, failure: { comment: string; failedItem: Record<string, string> }): sfn.Parallel {
    const restoreOne = new sfn.Parallel(scope, 'Restore and verify source', {
      comment: 'Restores this source through the restore-source state machine; its result is the source\'s verification report, or, when the restore failed, the failure as an item.',
      outputPath: '$[0]',
    }).branch(this.startTask(scope));
    const notRestored = new sfn.Pass(scope, 'Source not restored', { comment: failure.comment, parameters: { ...failure.failedItem, failed: true, 'error.$': '$.error' } });
    restoreOne.addCatch(notRestored, { errors: ['States.ALL'], resultPath: '$.error' });
    return restoreOne;
  }
}
