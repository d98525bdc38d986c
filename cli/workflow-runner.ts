import { DescribeExecutionCommand, DescribeMapRunCommand, type DescribeMapRunCommandOutput, GetExecutionHistoryCommand, type HistoryEvent as SfnHistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { type EnvironmentConfig, type LifeboatConfig } from '../config/lifeboat-config';
import { awsRequestSettings } from './aws-client-settings';
import { CLI_CLIENT_TIMEOUTS } from './client-timeouts';
import { withinDeadline } from './call-deadline';
import { isPassingAwsFailure } from './passing-aws-failure';
import { pollFailureKind } from './poll-failure-kind';
import { notAwsAnswerPageOf } from './not-aws-answer';
import { isRefusalInBetween, isUnreadAnswer, type UnreadPage, unreadPageOf } from './unread-answer';
import { StartAnswerWithoutArnError } from './start-answer-without-arn';
import { executionArnOf, newExecutionName } from './execution-name';
import {
  ExecutionNameTakenError,
  FollowingFailedError,
  FollowingGaveUpError,
  followOrStopLines,
  type StartAfterUnanswered,
  WorkflowNotStartedError,
  WorkflowStartFoundNoneError,
  WorkflowStartRefusedInBetweenError,
  WorkflowStartUnansweredError,
} from './aws-execution-errors';
import { unsentForCredentials } from './unsent-for-credentials';
import { startReachingTransport } from './request-reached-transport';
import { triedThenUnsent, unansweredEarlierTry } from './unanswered-start-try';
import { resourceNames } from '../lib/stacks/resource-names';
import { partitionOf } from '../config/aws-partition';
import { stopOnSignals } from './stop-on-signals';
import { type ClosedOutputGuard, processOutput } from './closed-output';
import { type FollowingSignal, type FollowingSignalGuard, processFollowingSignals } from './following-signals';
import { WorkflowStartStoppedError } from './workflow-start-stopped-error';
import { approvalWaitLine } from './approval-wait-line';
import { failureReportInputInAws, failureReportInputOf } from './failure-report-input';

/**
 * Runs one of an environment's workflows to its end and reports progress: locally (the synthesized
 * state machine on the local executor, over the local cloud) or in AWS (StartExecution, then
 * DescribeExecution until it stops). Commands only see this interface.
 */
export type WorkflowName = 'backup' | 'restore' | 'catalog-rebuild' | 'drill' | 'failover' | 'repair-index';

/** Which region's stack runs it: the primary's, or the DR region's (which has its own restore and drill, and the failover). */
export type WorkflowRegion = 'primary' | 'dr';

export type WorkflowRunOptions = {
  /** @default 'dr' for the failover (it exists only there), 'primary' for the others */
  region?: WorkflowRegion;
};

/** The state machine of a workflow, by the environment's fixed names. */
function stateMachineOf(workflow: WorkflowName, names: ReturnType<typeof resourceNames>): string {
  if (workflow === 'backup') return names.backupStateMachine;
  if (workflow === 'restore') return names.restoreStateMachine;
  if (workflow === 'drill') return names.drillStateMachine;
  if (workflow === 'failover') return names.failoverStateMachine;
  if (workflow === 'repair-index') return names.repairIndexStateMachine;
  return names.catalogRebuildStateMachine;
}

function regionOf(workflow: WorkflowName, options: WorkflowRunOptions | undefined): WorkflowRegion {
  return options?.region ?? (workflow === 'failover' ? 'dr' : 'primary');
}

/**
 * `state`: the last task state entered, for the progress line. `entered`: every task state the execution entered so
 * far, in the order first entered: AWS's runner polls the history every 2 s, so a state entered and left between two
 * polls is never `state`, but it is here.
 */
export type WorkflowProgress = {
  /** AWS runs: the execution's ARN, from its start on (the progress line says it once: review r63F F3). */
  executionId?: string;
  /**
   * AWS runs: set on the one progress sent before StartExecution's first attempt, whose `executionId` is the ARN the
   * run's name will have. The attempts may take minutes; a Ctrl-C meanwhile left no name to look for (review r63Q F2).
   */
  starting?: true;
  state?: string;
  entered?: readonly string[];
  shardsDone: number;
  shardsFailed: number;
  retries: number;
  elapsedMs: number;
  /**
   * Why a Distributed Map's shard counts could not be read (DescribeMapRun failed; AWS runs only), while they cannot:
   * the counts are progress only, so the run is followed all the same (review r63F F1).
   */
  shardCountsUnreadable?: string;
  /**
   * The name of the error that `shardCountsUnreadable` tells of: the progress line says the note again when it changes,
   * so a later AccessDeniedException's advice is not hidden behind a first timeout's note (review r63Q F4).
   */
  shardCountsUnreadableBy?: string;
};

/** Notes that the execution entered `state` (WorkflowProgress.entered). */
function enter(progress: WorkflowProgress, state: string): void {
  progress.state = state;
  if (!progress.entered?.includes(state)) progress.entered = [...(progress.entered ?? []), state];
}

export type WorkflowOutcome = {
  executionId: string;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: unknown;
  error?: string;
  cause?: string;
  /** Local runs: where the history was saved (`lifeboat executions show <id>`). */
  historyFile?: string;
  /** A failed run's: the input of its `Failure report` step, if it reached one (cli/failure-report-input.ts). */
  failureReportInput?: unknown;
  /** Local runs: the cloud this run started (none ran in its data dir) was stopped at its end, its endpoints with it. */
  localCloudStopped?: boolean;
};

export type WorkflowRunner = {
  run(workflow: WorkflowName, input: unknown, onProgress: (p: WorkflowProgress) => void, options?: WorkflowRunOptions): Promise<WorkflowOutcome>;
};

// Where local/ (the demo) can import it too; the commands import it from here.
export { causeMessage } from '../lambdas/runtime/cause-message';

/** The local executor. Imported lazily: it pulls in the CDK (synthesis) and the local cloud. */
export function localWorkflowRunner(options: {
  config: LifeboatConfig;
  envName: string;
  dataDir: string;
  workers?: number;
  /** The command's target options (targetOptionsLine), which the approval wait's `lifeboat approve` line ends with. */
  targetOptions?: string;
}): WorkflowRunner {
  return {
    async run(workflow, input, onProgress, runOptions) {
      const { openLocalEnvironment } = await import('../local/local-environment.js');
      const { runLocalExecution } = await import('../local/executor/run-local-execution.js');
      const local = await openLocalEnvironment({ config: options.config, envName: options.envName, dataDir: options.dataDir });
      // The execution runs inside this process: Ctrl-C (or a SIGTERM) stops it as StopExecution would, so it ends
      // ABORTED and its status event releases a backup's lease (release-failed-backup) while the local cloud still
      // runs; then the cloud this command started is stopped. Killed outright, the lease held the plan for a day.
      const stop = new AbortController();
      const removeListeners = stopOnSignals(stop, { stopping: 'the execution', write: (line) => process.stderr.write(line) });
      try {
        const region = regionOf(workflow, runOptions);
        const stack = local.stacks.find((s) => s.role === region);
        if (!stack) throw new Error(`The synthesized environment has no ${region} stack.`);
        const names = resourceNames(local.environment);
        const started = Date.now();
        const progress: WorkflowProgress = { shardsDone: 0, shardsFailed: 0, retries: 0, elapsedMs: 0 };
        // A Distributed Map's child execution runs a batch of shards: its items, counted when it ends.
        const batchItems = new Map<string, number>();
        const result = await runLocalExecution({
          abortSignal: stop.signal,
          stack,
          stateMachine: stateMachineOf(workflow, names),
          input,
          endpoints: local.endpoints,
          dataDir: local.dataDir,
          ...(options.workers !== undefined ? { workers: options.workers } : {}),
          extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot },
          onEvent: (event) => {
            const child = event.mapRun !== undefined ? `${event.mapRun}#${event.index ?? 0}` : undefined;
            if (child && event.type === 'ExecutionStarted') {
              const items = (event.input as { Items?: unknown[] } | undefined)?.Items;
              batchItems.set(child, Array.isArray(items) ? items.length : 1);
              return;
            }
            if (child && event.type === 'ExecutionSucceeded') progress.shardsDone += batchItems.get(child) ?? 1;
            else if (child && event.type === 'ExecutionFailed') progress.shardsFailed += batchItems.get(child) ?? 1;
            else if (event.type === 'MapIterationSucceeded') progress.shardsDone++;
            else if (event.type === 'MapIterationFailed') progress.shardsFailed++;
            else if (event.type === 'StateRetried') progress.retries++;
            else if (event.type === 'StateEntered' && event.state !== undefined) enter(progress, event.state);
            else return;
            onProgress({ ...progress, elapsedMs: Date.now() - started });
          },
          // An overwrite restore or a failover waits here until `lifeboat approve` answers from another terminal.
          onTaskToken: (waiting) => {
            progress.state = approvalWaitLine(waiting.executionId, options.targetOptions);
            onProgress({ ...progress, elapsedMs: Date.now() - started });
          },
        });
        const failureReportInput = result.status === 'FAILED' ? failureReportInputOf(result.events) : undefined;
        return {
          executionId: result.executionId,
          status: result.status,
          output: result.output,
          ...(result.error !== undefined ? { error: result.error } : {}),
          ...(result.cause !== undefined ? { cause: result.cause } : {}),
          historyFile: result.historyFile,
          ...(failureReportInput !== undefined ? { failureReportInput } : {}),
          ...(local.startedCloud ? { localCloudStopped: true } : {}),
        };
      } finally {
        try {
          await local.close();
        } finally {
          removeListeners();
        }
      }
    },
  };
}

/**
 * The CLI stopped following an execution in AWS because its output's reader went away: the execution goes on there
 * (as after a Ctrl-C, which ends only the CLI), so its result is not known and the command must not report one.
 */
export class StoppedFollowingError extends Error {
  constructor(
    readonly executionArn: string,
    /** The region of the Step Functions followed (the `--json` object of an unknown outcome names it). */
    readonly region: string,
    /** What stopped the following: the output's reader went away, or a signal (following-signals.ts). */
    readonly by: 'output' | FollowingSignal = 'output',
  ) {
    super(
      by === 'output'
        ? `The output was closed (EPIPE), so the CLI stopped following execution ${executionArn}; it goes on in AWS. ${followOrStopLines(executionArn, region)}`
        : `${by}: the CLI stopped following execution ${executionArn}; it goes on in AWS. ${followOrStopLines(executionArn, region)}`,
    );
    this.name = 'StoppedFollowingError';
  }
}

/**
 * Step Functions in AWS: the state machines have fixed names, so their ARNs follow from the config: the
 * partition from the region (GovCloud and China have their own), the account from the stack that runs it
 * (the DR region's stack is in `drAccount` when the config names one).
 *
 * A silent Step Functions endpoint must not hold the command for ever (review f63C), nor may giving up on it start
 * the workflow twice (review r62P F1). So: the clients have the CLI's request timeouts (awsRequestSettings) and every
 * call the runner's own deadline besides; the run has one execution name, sent with every StartExecution attempt
 * (cli/execution-name.ts), so a retried start finds the execution the first attempt began; a start that never
 * answers fails saying the workflow may or may not have started (WorkflowStartUnansweredError), and one whose
 * credentials could not be had, that it was not started (WorkflowNotStartedError, review r63C F1); and a poll that
 * fails is retried with backoff until `pollGiveUpMs` of polls in a row have failed (FollowingGaveUpError), since
 * one failed poll is no reason to stop following a run that may last hours (review r62P F2).
 */
export function awsWorkflowRunner(options: {
  environment: EnvironmentConfig;
  client?: SFNClient;
  drClient?: SFNClient;
  pollMs?: number;
  output?: ClosedOutputGuard;
  /** Whose Ctrl-C or SIGTERM stops the following once the execution started; tests pass their own. @default processFollowingSignals */
  signals?: FollowingSignalGuard;
  /** The runner's bound on one call (all its SDK attempts). @default twice the attempts × (connection + request timeout) of CLI_CLIENT_TIMEOUTS */
  callDeadlineMs?: number;
  /** How long polls may fail in a row before the CLI stops following. @default 10 minutes */
  pollGiveUpMs?: number;
  /** Tests: the clock the give-up bound is measured on, and the wait between polls and attempts. */
  now?: () => number;
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}): WorkflowRunner {
  const env = options.environment;
  const client = options.client ?? new SFNClient(awsRequestSettings(env.primaryRegion));
  let drClient: SFNClient | undefined;
  const names = resourceNames(env);
  const now = options.now ?? Date.now;
  const wait = options.wait ?? ((ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal }).catch(() => undefined));
  const pollGiveUpMs = options.pollGiveUpMs ?? POLL_GIVE_UP_MS;
  return {
    async run(workflow, input, onProgress, runOptions) {
      const name = stateMachineOf(workflow, names);
      const side = regionOf(workflow, runOptions);
      const region = side === 'dr' ? env.drRegion : env.primaryRegion;
      const account = side === 'dr' ? (env.drAccount ?? env.account) : env.account;
      // The DR region's state machines are started with a client of that region (the primary region may be down).
      const sfn = side === 'primary' ? client : (drClient ??= options.drClient ?? new SFNClient(awsRequestSettings(region)));
      const stateMachineArn = `arn:${partitionOf(region)}:states:${region}:${account}:stateMachine:${name}`;
      const deadlineMs = options.callDeadlineMs ?? defaultCallDeadlineMs();
      // A closed output ends the following, as a Ctrl-C does here (the execution is AWS's, not this process's): the
      // command then fails with the execution's ARN instead of being ended mid-poll with exit code 0.
      const stopFollowing = new AbortController();
      let stoppedBy: 'output' | FollowingSignal = 'output';
      const removeOutputStop = (options.output ?? processOutput).stopOnClose(() => stopFollowing.abort());
      let removeSignalStop = (): void => undefined;
      const signals = options.signals ?? processFollowingSignals;
      // The status the execution ended with, once known: a signal then stops the failure report's read, not a following.
      let ended: WorkflowOutcome['status'] | undefined;
      // Only a following a signal stopped exits with the signal's code; the error says what stopped it.
      const stoppedFollowing = (executionArn: string): StoppedFollowingError => {
        if (stoppedBy !== 'output') signals.stoppedFollowing(stoppedBy);
        return new StoppedFollowingError(executionArn, region, stoppedBy);
      };
      // A poll (or a start's attempt) in flight ends with the following, not at its deadline minutes later: the signal's
      // operator is waiting. Once stopped, nothing more is sent: a StartExecution after the stop could start the run the
      // operator just stopped starting, and the SDK's promise of an aborted send rejected with no one to hear it, which
      // ended the process with exit 1 and a stack trace (review r64AA F1).
      const pollCall: BoundedCall = (operation, send) => {
        if (stopFollowing.signal.aborted) return Promise.reject(stopFollowing.signal.reason as Error);
        return withinDeadline(operation, deadlineMs, (signal) => untilStopped(send(AbortSignal.any([signal, stopFollowing.signal])), stopFollowing.signal));
      };
      try {
        const started = now();
        const executionName = newExecutionName(workflow, new Date());
        const inputText = JSON.stringify(input);
        // The name is fixed before the first attempt, so its ARN is said then: a Ctrl-C during the attempts leaves it on
        // screen, and the operator's policy allows DescribeExecution of it, not ListExecutions (review r63Q F2).
        onProgress({ executionId: executionArnOf(stateMachineArn, executionName), starting: true, shardsDone: 0, shardsFailed: 0, retries: 0, elapsedMs: 0 });
        // A Ctrl-C, SIGTERM or SIGHUP ends the following with the execution's ARN written (with --json too: review r64D
        // F2), as a closed output does. During the start's attempts it stops them, the start's outcome unknown: the
        // command writes the ARN the run's name would have (review r64M F4: the process ended at once, --json empty).
        let starting = true;
        removeSignalStop = signals.stopOnSignals((signal) => {
          stoppedBy = signal;
          stopFollowing.abort();
          if (starting) return 'the CLI stops starting the execution, which may or may not have started in AWS';
          return ended === undefined
            ? 'the CLI stops following the execution, which goes on in AWS (nothing is stopped there)'
            : `the execution ended ${ended}; the CLI reports it without reading its failure report`;
        });
        const { executionArn, ...start } = await startOnce({ sfn, call: pollCall, wait, signal: stopFollowing.signal, stateMachineArn, executionName, inputText, region, side }).catch(
          (err: unknown) => {
            // Whatever the attempts made of their stop (an aborted call, a lookup that could not be made), the stop is the news.
            if (!stopFollowing.signal.aborted) throw err;
            if (stoppedBy !== 'output') signals.stoppedFollowing(stoppedBy);
            throw new WorkflowStartStoppedError(stateMachineArn, executionName, region, stoppedBy);
          },
        );
        starting = false;
        // Found by its name (ExecutionAlreadyExists, or looked up after a start without answer): it is this run's only if
        // its input is ours; a name is unique per state machine for 90 days, not per command.
        if (start.adopted) {
          const adopted = await pollUntilAnswered(executionArn, region, () => pollCall('DescribeExecution', (signal) => sfn.send(new DescribeExecutionCommand({ executionArn }), { abortSignal: signal })));
          if (adopted === undefined) throw stoppedFollowing(executionArn);
          if (!sameInput(adopted.input, inputText)) throw new ExecutionNameTakenError(executionArn, region);
        }
        // Said as soon as it is known, so that a Ctrl-C, which ends only the CLI, leaves the running execution's name on screen.
        const progress: WorkflowProgress = { executionId: executionArn, shardsDone: 0, shardsFailed: 0, retries: 0, elapsedMs: 0 };
        onProgress({ ...progress, elapsedMs: now() - started });
        for (;;) {
          if (stopFollowing.signal.aborted) throw stoppedFollowing(executionArn);
          // The history drives the same progress line as locally (countEvent skips events already counted).
          const described = await pollUntilAnswered(executionArn, region, async () => {
            await countHistory(sfn, pollCall, executionArn, progress);
            await countMapRunItems(sfn, pollCall, progress);
            return pollCall('DescribeExecution', (signal) => sfn.send(new DescribeExecutionCommand({ executionArn }), { abortSignal: signal }));
          });
          if (described === undefined) throw stoppedFollowing(executionArn);
          onProgress({ ...progress, elapsedMs: now() - started });
          if (described.status !== 'RUNNING' && described.status !== 'PENDING_REDRIVE') {
            ended = described.status === 'SUCCEEDED' ? 'SUCCEEDED' : described.status === 'TIMED_OUT' ? 'TIMED_OUT' : described.status === 'ABORTED' ? 'ABORTED' : 'FAILED';
            // Read after the execution ended, so no poll missed the step. What it adds is a note beside the error
            // (cli/restore-cleanup-failed.ts): a history that cannot be read now leaves the error to say what it says. A
            // signal meanwhile stops the read, as it would a poll: the ended outcome is reported without the note, with
            // the command's own exit code (review r64M F1: the read went on, and the process exited 130 after writing the
            // FAILED object).
            const failureReportInput =
              described.status === 'FAILED' && !stopFollowing.signal.aborted
                ? await pollCall('GetExecutionHistory', (signal) => failureReportInputInAws(sfn, executionArn, signal)).catch(() => undefined)
                : undefined;
            return {
              executionId: executionArn,
              status: ended,
              ...(described.output !== undefined ? { output: JSON.parse(described.output) as unknown } : {}),
              ...(described.error !== undefined ? { error: described.error } : {}),
              ...(described.cause !== undefined ? { cause: described.cause } : {}),
              ...(failureReportInput !== undefined ? { failureReportInput } : {}),
            };
          }
          await wait(options.pollMs ?? 2000, stopFollowing.signal);
        }
      } finally {
        removeSignalStop();
        removeOutputStop();
      }

      /**
       * `poll`'s answer, made again with backoff while it fails in a way that may pass; FollowingGaveUpError once
       * polls have failed for `pollGiveUpMs` in a row; undefined if the following was stopped meanwhile (a closed output, a signal).
       */
      async function pollUntilAnswered<T>(executionArn: string, pollRegion: string, poll: () => Promise<T>): Promise<T | undefined> {
        let failingSince: number | undefined;
        // A 4xx page not Step Functions' (a proxy's or firewall's 403 or 404) in a row: one may be a portal's passing
        // page, but a few in a row is a refusal that will not pass in the 10 minutes of the give-up bound (f65F).
        let refusedInBetween = 0;
        for (let failures = 1; ; failures++) {
          const pollStarted = now();
          try {
            return await poll();
          } catch (err) {
            // A poll the stop aborted failed because the following ended, not because of AWS.
            if (stopFollowing.signal.aborted) return undefined;
            // The execution runs on in AWS whatever ended the following: the error names it (review r63F F3).
            const kind = pollFailureKind(err);
            if (kind !== 'passing') throw new FollowingFailedError(executionArn, pollRegion, err, kind);
            const page = unreadPageOf(err) ?? notAwsAnswerPageOf(err);
            refusedInBetween = page !== undefined && isRefusalInBetween(page) && page.status !== 429 ? refusedInBetween + 1 : 0;
            if (page !== undefined && refusedInBetween >= POLLS_REFUSED_IN_BETWEEN) throw new FollowingFailedError(executionArn, pollRegion, err, { refusedPolls: refusedInBetween, page });
            failingSince ??= pollStarted;
            if (now() - failingSince >= pollGiveUpMs) throw new FollowingGaveUpError(executionArn, pollRegion, pollGiveUpMs, err);
            await wait(Math.min(POLL_BACKOFF_MAX_MS, POLL_BACKOFF_FIRST_MS * 2 ** (failures - 1)), stopFollowing.signal);
            if (stopFollowing.signal.aborted) return undefined;
          }
        }
      }
    },
  };
}

/** `call`'s result, or its stop's reason once `stop` aborts: a client that does not heed the abort holds no one. */
function untilStopped<T>(call: Promise<T>, stop: AbortSignal): Promise<T> {
  if (stop.aborted) {
    // The call's own rejection ("Request aborted") is no news once stopped, and unheard it would end the process.
    Promise.resolve(call).catch(() => undefined);
    return Promise.reject(stop.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onStop = (): void => reject(stop.reason as Error);
    stop.addEventListener('abort', onStop, { once: true });
    // Promise.resolve: a stubbed client may answer at once, without a promise.
    Promise.resolve(call).then(
      (value) => (stop.removeEventListener('abort', onStop), resolve(value)),
      (err: unknown) => (stop.removeEventListener('abort', onStop), reject(err as Error)),
    );
  });
}

/** How long the polls of a running execution may fail in a row (a region's brief outage) before the CLI stops following. */
const POLL_GIVE_UP_MS = 10 * 60_000;
const POLL_BACKOFF_FIRST_MS = 1_000;
/** Polls in a row answered with a 4xx page not Step Functions' (throttling aside) before the CLI stops following: f65F. */
const POLLS_REFUSED_IN_BETWEEN = 3;
const POLL_BACKOFF_MAX_MS = 30_000;
/** StartExecution's attempts by the runner, each with the client's own (the same execution name in every one). */
const START_ATTEMPTS = 3;

/** What one start of the run's execution needs: the client, its bounded calls and waits, and what it starts. */
type StartCall = {
  sfn: SFNClient;
  call: BoundedCall;
  wait: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The following's stop: once aborted, the start sends nothing more and throws its reason (the caller says what stopped it). */
  signal: AbortSignal;
  stateMachineArn: string;
  executionName: string;
  inputText: string;
  region: string;
};

/** One call to Step Functions within the runner's deadline: `send` gets the signal that aborts it when that passes. */
type BoundedCall = <T>(operation: string, send: (signal: AbortSignal) => Promise<T>) => Promise<T>;

function defaultCallDeadlineMs(): number {
  const t = CLI_CLIENT_TIMEOUTS;
  return 2 * t.requestMaxAttempts * (t.connectionTimeoutMs + t.requestTimeoutMs);
}

/** Whether the input an existing execution was started with is `inputText` (the JSON this command sends). */
function sameInput(existing: string | undefined, inputText: string): boolean {
  if (existing === undefined) return false;
  if (existing === inputText) return true;
  try {
    return isDeepStrictEqual(JSON.parse(existing), JSON.parse(inputText));
  } catch {
    return false;
  }
}

/**
 * Starts the state machine once under `executionName`: a late answer is retried with the same name, which Step
 * Functions answers with the execution already running (a STANDARD state machine; all of Lifeboat's are), or with
 * ExecutionAlreadyExists once it has ended: then the execution of that name is this run's if its input is ours
 * (`adopted`: the caller checks it). A start that never answered is looked up by its name; if that has no answer
 * either, it fails with WorkflowStartUnansweredError.
 *
 * An answer the SDK could not read (unread-answer.ts) counts as no answer: AWS may have started the run behind it. So
 * does a success without the execution's ARN (StartAnswerWithoutArnError). A 4xx page the SDK could not read is not
 * AWS's: something in between refused the start, which most likely did not reach Step Functions: the execution is looked
 * up by its name (refusedInBetween), then WorkflowStartRefusedInBetweenError (review r64S F2, r64X F1/F2).
 *
 * An attempt whose credentials could not be had was not sent (unsent-for-credentials.ts). A provider's silence is
 * thrown again at once for a minute (unanswered-credentials-memory.ts), so it is not tried again: the next attempts and
 * the lookup failed at once with it, and the command said the workflow may or may not have started when it had not
 * been asked for (review r63C F1). A role's STS that answered with a fault is asked again by the next attempt, which
 * is made, as after a start without answer: a 503 of STS for a second failed a start the attempts would have got
 * through (review r63O F1), and an attempt not sent cannot start the workflow twice. With no attempt left, or none
 * to make, a start that nothing reached fails with WorkflowNotStartedError; one after an attempt without answer is
 * looked up still, since that attempt may have reached Step Functions.
 */
async function startOnce(a: StartCall & { side: WorkflowRegion }): Promise<{ executionArn: string; adopted: boolean }> {
  let unanswered: unknown;
  let unansweredAttempts = 0;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    // A stop during the pause between attempts ends the start there (the caller says so): no attempt after it.
    a.signal.throwIfAborted();
    const start = startReachingTransport({ stateMachineArn: a.stateMachineArn, name: a.executionName, input: a.inputText });
    try {
      const { executionArn, $metadata } = await a.call('StartExecution', (abortSignal) => a.sfn.send(start.command, { abortSignal }));
      if (executionArn) return { executionArn, adopted: false };
      // An empty or rewritten body: AWS may have started it, and a rerun (a new name) would start a second (review r64I F3).
      unanswered = new StartAnswerWithoutArnError($metadata?.httpStatusCode);
      unansweredAttempts++;
      if (attempt < START_ATTEMPTS) await a.wait(POLL_BACKOFF_FIRST_MS * 2 ** (attempt - 1), a.signal);
      continue;
    } catch (err) {
      if (err instanceof Error && err.name === 'ExecutionAlreadyExists') return { executionArn: executionArnOf(a.stateMachineArn, a.executionName), adopted: true };
      const unsent = unsentForCredentials(err);
      // A credentials failure of the SDK's own retry, after an attempt of this send that reached the transport, may
      // follow a start Step Functions took: an attempt without answer, never "not sent" (review r63W F1).
      if (unsent !== undefined && start.reached()) {
        // The try that reached Step Functions is what the attempt was answered with: the credentials' failure (an STS
        // page) was said as Step Functions' page, and its 503 was lost (review r65L F1).
        unanswered = triedThenUnsent(start.tries(), unsent.words) ?? err;
        unansweredAttempts++;
        if (attempt < START_ATTEMPTS) await a.wait(POLL_BACKOFF_FIRST_MS * 2 ** (attempt - 1), a.signal);
        continue;
      }
      if (unsent !== undefined) {
        if (unsent.askedAgain && attempt < START_ATTEMPTS) {
          await a.wait(POLL_BACKOFF_FIRST_MS * 2 ** (attempt - 1), a.signal);
          continue;
        }
        if (unanswered === undefined) throw new WorkflowNotStartedError(a.stateMachineArn, unsent, a.side, err);
        return lookUpStarted(a, unansweredAttempts, unanswered, { unsent });
      }
      // A 4xx page the SDK could not read is a refusal by something in between, not Step Functions': the start did not
      // reach it, so it is not tried again nor said to have maybe started (review r64I F1), unless an attempt before it
      // went without answer, which may have reached Step Functions: that is looked up, as after an answer that stays.
      // The SDK retries inside one send (requestMaxAttempts): a refusal or an answer that stays on its retry follows a
      // try that timed out or got a 5xx page, which may have reached Step Functions and started the run. That is an
      // attempt without answer too, looked up by the run's name, never "not started" (review r64S F1).
      const earlierTry = unanswered === undefined ? unansweredEarlierTry(start.tries()) : undefined;
      // A proxy's 403 with an empty or JSON body reaches the SDK as an error it names `UnknownError`: no AWS answer either (f65F).
      const page = unreadPageOf(err) ?? notAwsAnswerPageOf(err);
      if (page !== undefined && isRefusalInBetween(page)) {
        if (earlierTry !== undefined) return lookUpStarted(a, unansweredAttempts + 1, earlierTry, { answer: err });
        if (unanswered === undefined) return refusedInBetween(a, page, err);
        return lookUpStarted(a, unansweredAttempts, unanswered, { answer: err });
      }
      // An answer that stays ends the start; after an attempt without answer, that attempt may have started it, so the
      // execution of its name is looked up as after the last attempt (review r63F F5). Any other answer the SDK could not
      // read (a 200 or 5xx page rewritten between the CLI and AWS) is no answer: it is tried again under the same name,
      // then looked up by it, as a timeout is (review r64A F2: the command ended with the SDK's bare SyntaxError, the run
      // maybe started).
      if (!isPassingAwsFailure(err) && !isUnreadAnswer(err)) {
        if (earlierTry !== undefined) return lookUpStarted(a, unansweredAttempts + 1, earlierTry, { answer: err });
        if (unanswered === undefined) throw err;
        return lookUpStarted(a, unansweredAttempts, unanswered, { answer: err });
      }
      unanswered = err;
      unansweredAttempts++;
      if (attempt < START_ATTEMPTS) await a.wait(POLL_BACKOFF_FIRST_MS * 2 ** (attempt - 1), a.signal);
    }
  }
  return lookUpStarted(a, unansweredAttempts, unanswered);
}

/**
 * The execution of the run's name, after `attempts` starts without answer (and then one not sent or refused, `after`):
 * a region slower than the request timeout may have started it all the same, and its name says where it would be.
 * ExecutionDoesNotExist is no proof that it was not started: DescribeExecution is eventually consistent, and an attempt
 * that timed out may still be queued, so "not started, run it again" made a second execution (review r63Q F1). The
 * start is sent once more under the same name after a pause: Step Functions answers it with the execution the late
 * attempt began (or ExecutionAlreadyExists: adopted), or starts it now, once. Only if that last start fails as well
 * does the command fail, saying the execution was not found so far (WorkflowStartFoundNoneError); any other failure
 * of the look-up leaves it unknown (WorkflowStartUnansweredError).
 */
async function lookUpStarted(
  a: StartCall,
  attempts: number,
  unanswered: unknown,
  after: StartAfterUnanswered = {},
): Promise<{ executionArn: string; adopted: boolean }> {
  const executionArn = executionArnOf(a.stateMachineArn, a.executionName);
  a.signal.throwIfAborted();
  try {
    await a.call('DescribeExecution', (abortSignal) => a.sfn.send(new DescribeExecutionCommand({ executionArn }), { abortSignal }));
    return { executionArn, adopted: true };
  } catch (err) {
    // The lookup's own failure is said (an AccessDenied for states:DescribeExecution, a proxy's page): review r64I F2.
    if (!(err instanceof Error && err.name === 'ExecutionDoesNotExist')) {
      throw new WorkflowStartUnansweredError(a.stateMachineArn, a.executionName, a.region, attempts, unanswered, { ...after, lookup: err });
    }
  }
  await a.wait(LATE_START_PAUSE_MS, a.signal);
  // A stop during the late-start pause: the start is left unknown, not sent once more (review r64AA F1).
  a.signal.throwIfAborted();
  const start = startReachingTransport({ stateMachineArn: a.stateMachineArn, name: a.executionName, input: a.inputText });
  try {
    const started = await a.call('StartExecution', (abortSignal) => a.sfn.send(start.command, { abortSignal }));
    return { executionArn: started.executionArn ?? executionArn, adopted: false };
  } catch (err) {
    if (err instanceof Error && err.name === 'ExecutionAlreadyExists') return { executionArn, adopted: true };
    // A try of it that reached Step Functions (a 503, a broken connection) before the SDK's retry could not be sent for
    // its credentials may have started the run: said as that try, not "could not be sent" (review r65U F1).
    const unsent = unsentForCredentials(err);
    const lastStart = unsent !== undefined && start.reached() ? (triedThenUnsent(start.tries(), unsent.words) ?? err) : err;
    throw new WorkflowStartFoundNoneError(a.stateMachineArn, a.executionName, a.region, attempts, unanswered, lastStart, after);
  }
}

/**
 * A refusal in between on the start's very first try: most likely it did not reach Step Functions, but a proxy may pass
 * a request on and answer with its own block page all the same (review r64S F2). The run's name settles it: found, the
 * execution is this run's if its input is ours (`adopted`). ExecutionDoesNotExist may lag a start (DescribeExecution is
 * eventually consistent), so it is looked up once more after LATE_START_PAUSE_MS before "most likely not started"
 * (review r64X F1). That is said only when the lookup answered (ExecutionDoesNotExist, or a 4xx page of the same kind:
 * the proxy blocks it too); a lookup without answer (a timeout, a refused connection, a 5xx, an AccessDenied) settles
 * nothing, and the start is unknown, exit 5 (review r64X F2).
 */
async function refusedInBetween(a: StartCall, page: UnreadPage, refusal: unknown): Promise<{ executionArn: string; adopted: boolean }> {
  const executionArn = executionArnOf(a.stateMachineArn, a.executionName);
  // `before`: the first lookup's answer, said with the second's failure rather than hidden by it (review r65L F4).
  const lookUp = async (before?: unknown): Promise<unknown> => {
    try {
      await a.call('DescribeExecution', (abortSignal) => a.sfn.send(new DescribeExecutionCommand({ executionArn }), { abortSignal }));
      return undefined;
    } catch (lookup) {
      if (!isNotFound(lookup) && !isRefusalPage(lookup)) {
        throw new WorkflowStartUnansweredError(a.stateMachineArn, a.executionName, a.region, 1, refusal, { lookup, ...(before !== undefined ? { lookupBefore: before } : {}) });
      }
      return lookup;
    }
  };
  const first = await lookUp();
  if (first === undefined) return { executionArn, adopted: true };
  if (!isNotFound(first)) throw new WorkflowStartRefusedInBetweenError(a.stateMachineArn, a.executionName, a.region, page, refusal, first);
  await a.wait(LATE_START_PAUSE_MS, a.signal);
  a.signal.throwIfAborted();
  const again = await lookUp(first);
  if (again === undefined) return { executionArn, adopted: true };
  throw new WorkflowStartRefusedInBetweenError(a.stateMachineArn, a.executionName, a.region, page, refusal, again, LATE_START_PAUSE_MS);
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && err.name === 'ExecutionDoesNotExist';
}

/** A 4xx page the SDK could not read: the same kind as the start's refusal, so the lookup was answered (and blocked). */
function isRefusalPage(err: unknown): boolean {
  // A page on the way to STS for the credentials left the lookup unsent: it settles nothing (review r65F F1).
  if (unsentForCredentials(err) !== undefined) return false;
  const page = unreadPageOf(err) ?? notAwsAnswerPageOf(err);
  return page !== undefined && isRefusalInBetween(page);
}

/** The pause before the last start under the run's name, so that a late attempt's execution is there to be answered with. */
const LATE_START_PAUSE_MS = 10_000;

/** Counts the events of the execution's history (every page, each call within the deadline). */
async function countHistory(sfn: SFNClient, call: BoundedCall, executionArn: string, progress: WorkflowProgress): Promise<void> {
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await call('GetExecutionHistory', (abortSignal) =>
      sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 500, ...(token !== undefined ? { nextToken: token } : {}) }), { abortSignal }),
    );
    for (const event of page.events ?? []) countEvent(progress, event);
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
}

const seen = new WeakMap<WorkflowProgress, Set<number>>();
/** The Distributed Map runs an execution started (MapRunStarted), and the items each has ended so far. */
const mapRuns = new WeakMap<WorkflowProgress, Map<string, { succeeded: number; failed: number }>>();

/**
 * A Distributed Map's children are executions of their own: the parent's history has no iteration
 * events for them, only MapRunStarted. Their shards are counted from DescribeMapRun's item counts.
 *
 * Those counts only feed the progress line, so a DescribeMapRun that fails leaves them uncounted this poll and says
 * why (`shardCountsUnreadable`): an operator role without states:DescribeMapRun ended `backup --aws` and `restore
 * --aws` at the first poll after MapRunStarted with AccessDeniedException, the run going on in AWS (review r63F F1).
 */
async function countMapRunItems(sfn: SFNClient, call: BoundedCall, progress: WorkflowProgress): Promise<void> {
  for (const [mapRunArn, counted] of mapRuns.get(progress) ?? []) {
    let itemCounts: DescribeMapRunCommandOutput['itemCounts'];
    try {
      ({ itemCounts } = await call('DescribeMapRun', (abortSignal) => sfn.send(new DescribeMapRunCommand({ mapRunArn }), { abortSignal })));
    } catch (err) {
      progress.shardCountsUnreadable = shardCountsUnreadable(err);
      progress.shardCountsUnreadableBy = err instanceof Error ? err.name : typeof err;
      return;
    }
    delete progress.shardCountsUnreadable;
    delete progress.shardCountsUnreadableBy;
    const succeeded = itemCounts?.succeeded ?? 0;
    const failed = itemCounts?.failed ?? 0;
    progress.shardsDone += succeeded - counted.succeeded;
    progress.shardsFailed += failed - counted.failed;
    counted.succeeded = succeeded;
    counted.failed = failed;
  }
}

/** Why DescribeMapRun's counts are not read, and for a denial the permission the credentials lack. */
function shardCountsUnreadable(err: unknown): string {
  const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const denied = err instanceof Error && err.name === 'AccessDeniedException';
  return `shard counts are not readable (DescribeMapRun: ${why.length > 400 ? `${why.slice(0, 400)}…` : why})${
    denied ? ': the credentials need states:DescribeMapRun on the map runs (docs/RUNBOOKS.md, "What each persona needs")' : ''
  }; the run is followed without them`;
}

function countEvent(progress: WorkflowProgress, event: SfnHistoryEvent): void {
  let ids = seen.get(progress);
  if (!ids) seen.set(progress, (ids = new Set()));
  if (event.id === undefined || ids.has(event.id)) return;
  ids.add(event.id);
  if (event.type === 'MapIterationSucceeded') progress.shardsDone++;
  else if (event.type === 'MapIterationFailed') progress.shardsFailed++;
  else if (event.type === 'MapRunStarted' && event.mapRunStartedEventDetails?.mapRunArn) {
    let runs = mapRuns.get(progress);
    if (!runs) mapRuns.set(progress, (runs = new Map()));
    runs.set(event.mapRunStartedEventDetails.mapRunArn, { succeeded: 0, failed: 0 });
  } else if ((event.type === 'TaskStateEntered' || event.type === 'MapStateEntered') && event.stateEnteredEventDetails?.name !== undefined) {
    enter(progress, event.stateEnteredEventDetails.name);
  }
}
