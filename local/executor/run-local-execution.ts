import { randomBytes } from 'node:crypto';
import { THAW_WAIT_SECONDS_ENV } from '../../lambdas/thaw/pack-thaw';
import { thawSecondsFromEnv } from '../cloud/storage-classes';
import { appendFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, type StateMachine } from 'aws-local-stepfunctions';
import { LOCAL_CREDENTIALS, LOCAL_ENDPOINTS_ENV, type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { LOCAL_VAULT_KEY_FILE_ENV } from '../../lambdas/runtime/backup-vault';
import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { UnsupportedTaskResourceError } from './errors';
import { type ExecutionHistory, type ExecutionStatus, type ExecutionTrigger, type HistoryEvent, executionsDir, saveExecutionHistory } from './execution-history';
import { deliverExecutionStatusEvent, executionStatusEvent, type StatusEventDelivery } from './execution-status-events';
import { type S3Client } from '@aws-sdk/client-s3';
import { localS3Client } from '../cloud/local-clients';
import { extractDistributedMaps, runDistributedMap } from './distributed-map';
import { FailedMapGuard } from './failed-map-guard';
import { PayloadLimitGuard } from './payload-limit';
import { FaultInjector, type FaultRule } from './fault-injection';
import { type NestedIntegration, nestedExecutionIntegration, runNestedExecution } from './nested-execution';
import { ExecutionLease, type InjectedHang, LambdaFunctionError, LambdaWorkerPool } from './lambda-worker-pool';
import { type LocalFunction, localFunctions } from './local-functions';
import { type AslDefinition, allStates, LONGEST_TIMER_SECONDS, invokedFunction, type LambdaIntegration, locateStateMachine, withTaskToken, withTaskTokenPlaceholder } from './state-machine-definition';
import { withStateContext } from './state-context';
import { awaitTaskToken, newTaskToken, registerTaskToken, releaseTaskToken, SentTaskFailure } from './task-tokens';
import { stackResources } from './stack-resources';
import { timeoutSecondsAt, withinStateTimeout } from './state-timeout';
import { engineFailure } from './engine-failure';
import { validatedStateMachine } from './validated-definitions';

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type LocalExecutionOptions = {
  stack: SynthesizedStack;
  /** StateMachineName (e.g. lifeboat-dev-backup) or logical id. */
  stateMachine: string;
  input: unknown;
  endpoints: LocalEndpoints;
  /** History goes to <dataDir>/executions/<executionId>.json, handler logs beside it. */
  dataDir: string;
  /** Concurrent Lambda environments; defaults to the number of cores. */
  workers?: number;
  /**
   * Warm Lambda environments to run on (LocalEnvironment.lambdaPool), shared with other executions
   * and left running; `workers` is then its size. Absent: a pool of `workers` for this execution alone.
   */
  pool?: LambdaWorkerPool;
  faults?: readonly FaultRule[];
  /** Multiplies every Retry interval (tests: 0.001, so backoff takes milliseconds). Backoff growth is not modelled when scaled. */
  retryIntervalScale?: number;
  /** Added to every function's environment (e.g. LIFEBOAT_FS_ROOT for file-system sources). */
  extraEnv?: Record<string, string>;
  /** Called with each history event as it happens (progress displays). */
  onEvent?: (event: HistoryEvent) => void;
  executionName?: string;
  /** Recorded in the history (`lifeboat executions list` shows it): e.g. the schedule that fired. */
  startedBy?: ExecutionTrigger;
  /**
   * Called once the execution has started: the definition resolved and validated and the RUNNING
   * history saved. A rejection before this call is a failure to start (what a scheduler retries).
   */
  onStarted?: (executionId: string) => void;
  /**
   * Called when a `.waitForTaskToken` task has run its Lambda and waits for its token (task-tokens.ts):
   * the demo and tests answer here with sendTaskSuccess/sendTaskFailure, as an approver would.
   */
  onTaskToken?: (waiting: WaitingTask) => void | Promise<void>;
  /** Stops the execution as StopExecution does: it ends ABORTED (error States.Aborted). */
  abortSignal?: AbortSignal;
  /** Replaces the definition's TimeoutSeconds (tests: a timed-out execution in seconds rather than 24 h). */
  executionTimeoutSeconds?: number;
};

/** A callback task that waits: its state, its token, and the payload its Lambda got. */
export type WaitingTask = { executionId: string; state: string; token: string; payload: unknown };


export type LocalExecutionResult = ExecutionHistory & {
  status: Exclude<ExecutionStatus, 'RUNNING'>;
  stoppedAt: string;
  historyFile: string;
  /** FAILED, TIMED_OUT and ABORTED executions: what the stack's EventBridge rules did with the status-change event. */
  statusEventDeliveries: StatusEventDelivery[];
};

/** The statuses EventBridge rules of Lifeboat react to (lib/constructs/operations-alerts.ts); locally delivered by the executor. */
const ENDED_BADLY: ReadonlySet<ExecutionStatus> = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * Runs a state machine of a synthesized stack locally with aws-local-stepfunctions: the definition
 * comes from the template, every Lambda task runs the function's bundled handler in a worker-thread
 * pool with the function's own environment, pointed at the local cloud. Errors keep their names,
 * so the definition's Retry and Catch behave as in AWS.
 */
export async function runLocalExecution(options: LocalExecutionOptions): Promise<LocalExecutionResult> {
  return runExecution(options, {});
}

/**
 * What a nested execution (nested-execution.ts) shares with the execution that started it: the fault
 * rules and their remaining `times` (a fault of "the drill" counts once across its children), and the
 * worker pool, which only its creator closes.
 */
type SharedWithChildren = { faults?: FaultInjector; pool?: LambdaWorkerPool };

async function runExecution(options: LocalExecutionOptions, shared: SharedWithChildren): Promise<LocalExecutionResult> {
  const resources = stackResources(options.stack);
  const machine = locateStateMachine(resources, options.stateMachine);
  const functions = localFunctions(resources);
  const { definition, handlers: tasks, nested, retryIntervalOverrides } = prepareDefinition(machine.definition, machine.name, functions, options.retryIntervalScale);
  if (options.executionTimeoutSeconds !== undefined) definition.TimeoutSeconds = options.executionTimeoutSeconds;
  // Before validation: what replaces each distributed Map is a Task the runner accepts.
  const distributedMaps = extractDistributedMaps(definition);
  const failedMaps = new FailedMapGuard(definition);
  // Step Functions' 256 KiB per state: the run is stopped at the first state past it, and fails with States.DataLimitExceeded below.
  let stopForPayloadLimit = (): void => undefined;
  const payloadLimit = new PayloadLimitGuard(() => stopForPayloadLimit());
  // Validated before a worker pool exists, so a definition that does not load leaves no threads behind.
  const validated = (asl: AslDefinition): StateMachine => validatedStateMachine(asl, options.stack.assemblyDir);
  const sm = validated(definition);

  const executionName = options.executionName ?? `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z-${randomBytes(4).toString('hex')}`;
  mkdirSync(executionsDir(options.dataDir), { recursive: true });
  const logFile = path.join(executionsDir(options.dataDir), `${executionName}.log`);
  const pool = options.pool ?? shared.pool ?? new LambdaWorkerPool(Math.max(1, options.workers ?? availableParallelism()));
  const workers = pool.size;
  const lease = new ExecutionLease((line) => appendFileSync(logFile, line + '\n'));
  const faults = shared.faults ?? new FaultInjector(options.faults ?? []);
  const baseEnv: Record<string, string> = {
    AWS_REGION: options.stack.region,
    AWS_DEFAULT_REGION: options.stack.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    [LOCAL_ENDPOINTS_ENV]: JSON.stringify(options.endpoints),
    // No KMS locally: the vault's master key is wrapped by a key file of the data directory.
    [LOCAL_VAULT_KEY_FILE_ENV]: path.join(path.resolve(options.dataDir), 'vault.key'),
    // The restore's Wait for thaws: the local cloud thaws in seconds (LIFEBOAT_LOCAL_THAW_SECONDS), not hours.
    [THAW_WAIT_SECONDS_ENV]: String(Math.max(1, Math.ceil(thawSecondsFromEnv()))),
  };

  const functionEnv = (fn: LocalFunction): Record<string, string> => ({ ...baseEnv, ...fn.environment, AWS_LAMBDA_FUNCTION_NAME: fn.functionName, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb), ...options.extraEnv });
  // Ends what waits on the execution (task tokens, nested children, distributed Maps) when it ends (stopped, timed out).
  const ended = new AbortController();
  const startedAt = new Date().toISOString();
  const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${executionName}`;
  // The context object ($$) of the run, which TimeoutSecondsPath may read too.
  const executionContext = {
    Execution: {
      Id: executionArn,
      Name: executionName,
      Input: options.input as JsonValue,
      StartTime: startedAt,
      RoleArn: `arn:aws:iam::${options.stack.account}:role/local`,
    },
    StateMachine: { Id: machine.arn, Name: machine.name },
  };
  const taskResourceLocalHandlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
  for (const [stateName, task] of tasks) {
    const invoke = async (input: JsonValue): Promise<JsonValue> => {
      await failedMaps.check(stateName);
      await payloadLimit.check(stateName);
      const fn = task.fn;
      const env = functionEnv(fn);
      const before = faults.take(stateName, input, 'before');
      const faultMessage = before?.message ?? `fault injected before ${stateName}`;
      if (before?.errorName !== undefined && before.delayMs === undefined) throw new LambdaFunctionError(before.errorName, faultMessage);
      // A delay is the function's own time (a hung call), on its worker: its timeout and the Task's count it.
      const hang: InjectedHang | undefined =
        before?.delayMs !== undefined
          ? {
              delayMs: before.delayMs,
              ...(before.releaseFile !== undefined ? { releaseFile: before.releaseFile } : {}),
              ...(before.errorName !== undefined ? { errorType: before.errorName, errorMessage: faultMessage } : {}),
            }
          : undefined;
      const event = task.integration === 'direct' ? input : (input as { Payload?: JsonValue }).Payload ?? null;
      const stateTimeoutSeconds =
        task.stateTimeoutPath !== undefined ? await timeoutSecondsAt(stateName, task.stateTimeoutPath, input, { ...executionContext, State: { Name: stateName } }) : task.stateTimeoutSeconds;
      const payload = (await withinStateTimeout(stateTimeoutSeconds, ({ onStart, timedOut }) =>
        pool.invoke(fn, event, env, lease, { onStart, abandon: timedOut, ...(hang ? { hang } : {}) }),
      )) as JsonValue;
      const after = faults.take(stateName, input, 'after');
      if (after?.errorName !== undefined) throw new LambdaFunctionError(after.errorName, after.message ?? `fault injected after ${stateName}`);
      // lambda:invoke returns the Invoke API response; a bare function ARN returns the payload itself.
      return task.integration === 'lambda:invoke' ? { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 } : payload;
    };
    taskResourceLocalHandlers[stateName] =
      task.integration !== 'lambda:invoke.waitForTaskToken'
        ? invoke
        : async (input: JsonValue): Promise<JsonValue> => {
            // A callback task: its result is what SendTaskSuccess sends, not the Lambda's answer (which Step Functions discards).
            const token = newTaskToken();
            const deadline = Date.now() + task.timeoutSeconds * 1000;
            registerTaskToken(options.dataDir, { token, execution: executionName, state: stateName, since: new Date().toISOString() });
            const withToken = withTaskToken(input, token) as JsonValue;
            try {
              await invoke(withToken);
            } catch (err) {
              releaseTaskToken(options.dataDir, token);
              throw err;
            }
            const waiting = awaitTaskToken(options.dataDir, token, { deadline, stopped: () => ended.signal.aborted });
            const payload = (withToken as { Payload?: unknown }).Payload;
            Promise.resolve(options.onTaskToken?.({ executionId: executionName, state: stateName, token, payload })).catch((err: unknown) =>
              appendFileSync(logFile, `onTaskToken for ${stateName} failed: ${err instanceof Error ? err.message : String(err)}\n`),
            );
            const answer = await waiting;
            if (answer.status === 'FAILED') throw new SentTaskFailure(answer.error, answer.cause);
            return answer.output as JsonValue;
          };
  }

  const events: HistoryEvent[] = [];
  for (const [stateName, integration] of nested) {
    taskResourceLocalHandlers[stateName] = async (input: JsonValue): Promise<JsonValue> => {
      await failedMaps.check(stateName);
      await payloadLimit.check(stateName);
      // The child stops when this execution ends (stopped, timed out) or when a Map it runs in fails, as Step Functions stops a .sync child.
      const stop = new AbortController();
      const stopChild = () => stop.abort();
      ended.signal.addEventListener('abort', stopChild, { once: true });
      const unwatch = failedMaps.onFailure(stateName, stopChild);
      try {
        return await runNestedExecution(stateName, integration, input, (arn, childInput, childName) => {
          const submitted: HistoryEvent = { type: 'TaskSubmitted', timestamp: new Date().toISOString(), state: stateName, output: { ExecutionArn: `${arn.replace(':stateMachine:', ':execution:')}:${childName}` } };
          events.push(submitted);
          options.onEvent?.(submitted);
          return runExecution(
            {
              stack: options.stack,
              stateMachine: arn.slice(arn.lastIndexOf(':') + 1),
              input: childInput,
              endpoints: options.endpoints,
              dataDir: options.dataDir,
              executionName: childName,
              abortSignal: stop.signal,
              ...(options.retryIntervalScale !== undefined ? { retryIntervalScale: options.retryIntervalScale } : {}),
              ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
              ...(options.onTaskToken ? { onTaskToken: options.onTaskToken } : {}),
            },
            { faults, pool },
          );
        });
      } finally {
        unwatch();
        ended.signal.removeEventListener('abort', stopChild);
      }
    };
  }
  const s3 = distributedMaps.size > 0 ? localS3Client(options.endpoints, options.stack.region) : undefined;
  const overrides = { taskResourceLocalHandlers, retryIntervalOverrides };
  for (const [stateName, mapState] of distributedMaps) {
    taskResourceLocalHandlers[stateName] = (input: JsonValue) =>
      runDistributedMap(stateName, mapState, input, {
        s3: s3 as S3Client,
        overrides,
        stateMachine: validated,
        stateMachineArn: machine.arn,
        signal: ended.signal,
        onChildEvent: (log, childIndex) => {
          // A child's events join the parent's history with the child's index, as an inline Map's iterations do.
          payloadLimit.observe({ ...(log as EventLogLike), index: childIndex });
          const event = { ...toHistoryEvent(log as EventLogLike), index: childIndex, mapRun: stateName };
          events.push(event);
          options.onEvent?.(event);
        },
      });
  }

  const history: ExecutionHistory = {
    executionId: executionName,
    stateMachine: machine.name,
    stateMachineArn: machine.arn,
    stackName: options.stack.stackName,
    status: 'RUNNING',
    input: options.input,
    startedAt,
    ...(options.startedBy ? { startedBy: options.startedBy } : {}),
    workers,
    events,
    invocations: lease.records,
    injectedFaults: faults.injected,
  };
  // Saved now so that `lifeboat executions list` shows a running execution, not only finished ones.
  saveExecutionHistory(options.dataDir, history);
  options.onStarted?.(executionName);
  // `$$.State` (Name, EnteredTime, RetryCount) is given per run by state-context.ts: the library has none.
  const execution = sm.run(options.input as JsonValue, withStateContext({ overrides, context: executionContext }));
  stopForPayloadLimit = () => execution.abort();
  const abort = () => execution.abort();
  if (options.abortSignal?.aborted) abort();
  else options.abortSignal?.addEventListener('abort', abort, { once: true });
  const collecting = (async () => {
    for await (const log of execution.eventLogs) {
      failedMaps.observe(log as EventLogLike);
      payloadLimit.observe(log as EventLogLike);
      const event = toHistoryEvent(log);
      events.push(event);
      options.onEvent?.(event);
    }
  })();

  try {
    history.output = await execution.result;
    history.status = 'SUCCEEDED';
  } catch (err) {
    if (err instanceof ExecutionTimeoutError) {
      history.status = 'TIMED_OUT';
      history.error = 'States.Timeout';
    } else if (err instanceof ExecutionAbortedError) {
      history.status = 'ABORTED';
      history.error = 'States.Aborted';
      history.cause = 'The execution was stopped.';
    } else if (err instanceof ExecutionError) {
      history.status = 'FAILED';
      const failure = engineFailure(err);
      history.error = failure.error;
      history.cause = failure.cause;
    } else {
      history.status = 'FAILED';
      history.error = err instanceof Error ? err.name : 'Error';
      history.cause = err instanceof Error ? err.message : String(err);
    }
  }
  options.abortSignal?.removeEventListener('abort', abort);
  ended.abort();
  let statusEventDeliveries: StatusEventDelivery[] = [];
  try {
    await collecting.catch(() => undefined);
    // Whatever the stopped run ended with (aborted, or done before the stop landed), AWS fails it here, uncaught.
    const overLimit = payloadLimit.failure();
    if (overLimit) {
      history.status = 'FAILED';
      history.error = overLimit.error;
      history.cause = overLimit.cause;
      delete history.output;
    }
    pool.endLease(lease);
    history.stoppedAt = new Date().toISOString();
    if (ENDED_BADLY.has(history.status)) {
      // As EventBridge in AWS: the stack's rules on "Execution Status Change" get the event (lib/constructs/operations-alerts.ts).
      const delivering = new ExecutionLease((line) => appendFileSync(logFile, line + '\n'));
      statusEventDeliveries = await deliverExecutionStatusEvent(executionStatusEvent(history, options.stack, executionArn), {
        resources,
        functions,
        pool,
        lease: delivering,
        env: functionEnv,
        dataDir: options.dataDir,
      });
      pool.endLease(delivering);
      history.invocations.push(...delivering.records);
    }
  } finally {
    s3?.destroy();
    if (!options.pool && !shared.pool) await pool.close();
  }
  const historyFile = saveExecutionHistory(options.dataDir, history);
  return { ...history, status: history.status as LocalExecutionResult['status'], stoppedAt: history.stoppedAt, historyFile, statusEventDeliveries };
}

/**
 * `timeoutSeconds`: what the library times the state with; `stateTimeoutSeconds` or `stateTimeoutPath`: the
 * definition's own TimeoutSeconds or TimeoutSecondsPath of a plain Lambda Task, which the executor times
 * from the function's start instead (state-timeout.ts).
 */
type PreparedTask = { fn: LocalFunction; integration: LambdaIntegration; timeoutSeconds: number; stateTimeoutSeconds?: number; stateTimeoutPath?: string };


/**
 * Checks that every Task invokes a function of the stack and adapts the definition to the local
 * runner: a Lambda Task's state timer is taken from the library (which would start it before the wait
 * for a worker, and stop a Task without TimeoutSeconds after 60 s): without TimeoutSeconds only the
 * function's own timeout counts, from its start, as in AWS; with TimeoutSeconds or TimeoutSecondsPath,
 * the executor times the state from the function's start (state-timeout.ts). Retry intervals are scaled when asked.
 */
function prepareDefinition(
  source: AslDefinition,
  machineName: string,
  functions: Map<string, LocalFunction>,
  retryIntervalScale: number | undefined,
): { definition: AslDefinition; handlers: Map<string, PreparedTask>; nested: Map<string, NestedIntegration>; retryIntervalOverrides: Record<string, number[]> } {
  // A JSON copy, not structuredClone: under jest's vm sandbox structuredClone makes objects of another
  // realm, which aws-local-stepfunctions does not recognise as payload templates.
  const definition = JSON.parse(JSON.stringify(source)) as AslDefinition;
  const handlers = new Map<string, PreparedTask>();
  const nested = new Map<string, NestedIntegration>();
  const retryIntervalOverrides: Record<string, number[]> = {};
  const unsupported: { state: string; resource: string }[] = [];
  for (const [name, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const nesting = nestedExecutionIntegration(state);
    if (nesting) {
      // The child's own timeout bounds it; aws-local-stepfunctions would stop the Task after 60 s. A longer
      // TimeoutSeconds than Node's longest timer (AWS allows a year) would fire at once.
      state.TimeoutSeconds = Math.min(state.TimeoutSeconds ?? LONGEST_TIMER_SECONDS, LONGEST_TIMER_SECONDS);
      nested.set(name, nesting);
      if (retryIntervalScale !== undefined && state.Retry) retryIntervalOverrides[name] = state.Retry.map((retrier) => (retrier.IntervalSeconds ?? 1) * 1000 * retryIntervalScale);
      continue;
    }
    const target = invokedFunction(state);
    const fn = target ? functions.get(target.functionArn) : undefined;
    if (!target || !fn) {
      unsupported.push({ state: name, resource: state.Resource ?? '(none)' });
      continue;
    }
    if (target.integration === 'lambda:invoke.waitForTaskToken') {
      // The wait is the state's, not the function's: no TimeoutSeconds means "as long as Step Functions allows".
      state.Parameters = withTaskTokenPlaceholder(state.Parameters) as Record<string, unknown>;
      state.TimeoutSeconds = Math.min(state.TimeoutSeconds ?? LONGEST_TIMER_SECONDS, LONGEST_TIMER_SECONDS);
      handlers.set(name, { fn, integration: target.integration, timeoutSeconds: state.TimeoutSeconds });
    } else {
      const stateTimeoutSeconds = state.TimeoutSeconds;
      const stateTimeoutPath = typeof state.TimeoutSecondsPath === 'string' ? state.TimeoutSecondsPath : undefined;
      // The library's timer would count the wait for a worker, and overflow past Node's longest timer.
      delete state.TimeoutSecondsPath;
      state.TimeoutSeconds = LONGEST_TIMER_SECONDS;
      handlers.set(name, {
        fn,
        integration: target.integration,
        timeoutSeconds: LONGEST_TIMER_SECONDS,
        ...(stateTimeoutSeconds !== undefined ? { stateTimeoutSeconds } : {}),
        ...(stateTimeoutPath !== undefined ? { stateTimeoutPath } : {}),
      });
    }
    if (retryIntervalScale !== undefined && state.Retry) {
      // Per retrier, in ms; an override replaces backoff growth and jitter, which tests do not need.
      retryIntervalOverrides[name] = state.Retry.map((retrier) => (retrier.IntervalSeconds ?? 1) * 1000 * retryIntervalScale);
    }
  }
  if (unsupported.length) throw new UnsupportedTaskResourceError(machineName, unsupported);
  return { definition, handlers, nested, retryIntervalOverrides };
}

type EventLogLike = {
  type: string;
  timestamp: number;
  state?: { name: string; input?: unknown; output?: unknown };
  parentState?: { name: string };
  index?: number;
  Error?: string;
  Cause?: unknown;
  retry?: { attempt: number };
  input?: unknown;
  output?: unknown;
};

function toHistoryEvent(log: EventLogLike): HistoryEvent {
  const event: HistoryEvent = { type: log.type, timestamp: new Date(log.timestamp).toISOString() };
  const stateName = log.state?.name ?? log.parentState?.name;
  if (stateName) event.state = stateName;
  if (log.index !== undefined) event.index = log.index;
  if (log.type === 'StateEntered' || log.type === 'ExecutionStarted') event.input = log.state?.input ?? log.input;
  if (log.type === 'StateExited' || log.type === 'ExecutionSucceeded') event.output = log.state?.output ?? log.output;
  if (log.Error !== undefined) event.error = log.Error;
  if (log.Cause !== undefined) event.cause = typeof log.Cause === 'string' ? log.Cause : JSON.stringify(log.Cause);
  if (log.retry) event.retryAttempt = log.retry.attempt;
  return event;
}
