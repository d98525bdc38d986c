import { TOLERATED_FAILURE_EXCEEDED } from '../../lambdas/failover/map-failure-cause';

/** Errors of the local executor. Names end in `Error`; the `cause` is kept where there is one. */

/** A template value the executor cannot turn into a literal; names the stack, resource, property and expression. */
export class UnresolvableIntrinsicError extends Error {
  override readonly name = 'UnresolvableIntrinsicError';
  constructor(
    readonly stackName: string,
    readonly logicalId: string,
    readonly propertyPath: string,
    readonly expression: string,
    reason: string,
  ) {
    super(`${stackName}/${logicalId}: cannot resolve ${propertyPath} = ${expression}: ${reason}`);
  }
}

/** No state machine (or more than one) matches what the caller asked for. */
export class StateMachineNotFoundError extends Error {
  override readonly name = 'StateMachineNotFoundError';
  constructor(
    readonly requested: string,
    readonly available: readonly string[],
    reason = 'no state machine has this logical id or StateMachineName',
  ) {
    super(`State machine "${requested}": ${reason}. Available: ${available.length ? available.join(', ') : '(none)'}.`);
  }
}

/** A Lambda function the local executor cannot run (no bundled asset, inline code, unknown handler file). */
export class UnsupportedFunctionError extends Error {
  override readonly name = 'UnsupportedFunctionError';
  constructor(
    readonly stackName: string,
    readonly logicalId: string,
    reason: string,
  ) {
    super(`${stackName}/${logicalId}: the local executor cannot run this function: ${reason}`);
  }
}

/** Task states whose Resource is not a Lambda invocation (the only service integration run locally). */
export class UnsupportedTaskResourceError extends Error {
  override readonly name = 'UnsupportedTaskResourceError';
  constructor(
    readonly stateMachine: string,
    readonly states: readonly { state: string; resource: string }[],
  ) {
    super(
      `State machine ${stateMachine} has Task states the local executor cannot run (only Lambda functions, arn:aws:states:::lambda:invoke and its .waitForTaskToken form are supported): ` +
        states.map((s) => `"${s.state}" (${s.resource})`).join(', '),
    );
  }
}

/**
 * The installed aws-local-stepfunctions no longer has the internals the executor hooks into (state-context.ts, for
 * `$$.State`): a version other than the one package-lock.json pins. Reinstall with `npm ci`, or adapt the hook.
 */
export class LocalEngineIncompatibleError extends Error {
  override readonly name = 'LocalEngineIncompatibleError';
  constructor(
    readonly reason: string,
    readonly feature: string,
  ) {
    super(`The local executor cannot provide ${feature}: aws-local-stepfunctions changed (${reason}); run \`npm ci\` to install the version package-lock.json pins, or adapt local/executor/state-context.ts to the new version`);
  }
}

/** No execution with this id under the data directory. */
export class ExecutionNotFoundError extends Error {
  override readonly name = 'ExecutionNotFoundError';
  constructor(
    readonly dataDir: string,
    readonly executionId: string,
  ) {
    super(`No execution ${executionId} under ${dataDir}; list them with \`lifeboat executions list\`.`);
  }
}

/**
 * A distributed Map's failed items exceeded its tolerated failure count or percentage (zero when neither is set):
 * the Map state fails with States.ExceedToleratedFailureThreshold, as in AWS, whose cause says only the first
 * sentence. The message adds the first failed child's error, which AWS keeps in the map run's results instead, and
 * how many child executions failed: with an ItemBatcher one child fails all the items of its batch, so the item
 * count alone cannot tell one failure from several (review r61AE F1).
 */
export class DistributedMapFailureThresholdError extends Error {
  constructor(
    readonly stateName: string,
    readonly failedItems: number,
    readonly totalItems: number,
    readonly failedChildren: number,
    readonly totalChildren: number,
    readonly firstFailure: string | undefined,
  ) {
    super(
      `${TOLERATED_FAILURE_EXCEEDED}: ${failedItems} of ${totalItems} item(s) of map "${stateName}" failed ` +
        `in ${failedChildren} of ${totalChildren} child execution(s)` +
        (firstFailure ? `; the first failed child: ${firstFailure}` : ''),
    );
    // Step Functions matches Retry and Catch on the error name.
    this.name = 'States.ExceedToleratedFailureThreshold';
  }
}

/** A distributed Map the local layer cannot run as written (an item source or format it does not read); names the state and what is missing. */
export class UnsupportedDistributedMapError extends Error {
  override readonly name = 'UnsupportedDistributedMapError';
  constructor(
    readonly stateName: string,
    reason: string,
  ) {
    super(`Distributed map "${stateName}" cannot run locally: ${reason} (docs/LOCAL-CLOUD.md, "Distributed Map").`);
  }
}

/**
 * A value of the definition that does not fit the input at run time (a path of a distributed Map that
 * selects nothing, MaxItemsPerBatchPath selecting "2"): Step Functions fails the execution with
 * `States.Runtime`, which no Retry or Catch matches, not even `States.ALL`. aws-local-stepfunctions
 * tells such errors by `isCatchable` and `isRetryable`, as it does for its own States.Runtime.
 */
export class StatesRuntimeFailureError extends Error {
  readonly isCatchable = false;
  readonly isRetryable = false;
  constructor(
    readonly stateName: string,
    readonly field: string,
    reason: string,
  ) {
    super(`An error occurred while executing the state "${stateName}": ${field}: ${reason}`);
    // Step Functions' error name; the executor records it as the execution's error.
    this.name = 'States.Runtime';
  }
}

/** An intrinsic function in a distributed Map's field failed (States.StringToJson of text that is not JSON): `States.IntrinsicFailure`, as in AWS. */
export class IntrinsicFailureError extends Error {
  constructor(
    readonly stateName: string,
    readonly field: string,
    reason: string,
  ) {
    super(`The state "${stateName}": ${field}: an intrinsic function failed: ${reason}`);
    this.name = 'States.IntrinsicFailure';
  }
}

/**
 * A distributed Map's ItemReader could not read its items (the object is missing, S3 refused, a line
 * is not JSON): the Map fails with `States.ItemReaderFailed`, as in AWS, and the message says what the
 * reader met. Bad data, not a gap of the local executor: fix the object or the path that names it.
 */
export class ItemReaderFailedError extends Error {
  constructor(
    readonly stateName: string,
    reason: string,
  ) {
    super(`The ItemReader of map "${stateName}" could not read its items: ${reason}`);
    this.name = 'States.ItemReaderFailed';
  }
}

/** A distributed Map's ResultWriter could not write the results (S3 refused, no bucket): `States.ResultWriterFailed`, as in AWS. */
export class ResultWriterFailedError extends Error {
  constructor(
    readonly stateName: string,
    reason: string,
  ) {
    super(`The ResultWriter of map "${stateName}" could not write the results: ${reason}`);
    this.name = 'States.ResultWriterFailed';
  }
}
