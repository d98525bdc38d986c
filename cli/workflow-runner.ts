import { DescribeExecutionCommand, DescribeMapRunCommand, type HistoryEvent as SfnHistoryEvent, paginateGetExecutionHistory, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EnvironmentConfig, type LifeboatConfig } from '../config/lifeboat-config';
import { runCredentials } from './run-credentials';
import { resourceNames } from '../lib/stacks/resource-names';
import { partitionOf } from '../config/aws-partition';
import { stopOnSignals } from './stop-on-signals';
import { type ClosedOutputGuard, processOutput } from './closed-output';
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
export type WorkflowProgress = { state?: string; entered?: readonly string[]; shardsDone: number; shardsFailed: number; retries: number; elapsedMs: number };

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
  constructor(readonly executionArn: string) {
    super(
      `The output was closed (EPIPE), so the CLI stopped following execution ${executionArn}; it goes on in AWS. ` +
        `Follow it with \`aws stepfunctions describe-execution --execution-arn ${executionArn}\`, or stop it with \`aws stepfunctions stop-execution --execution-arn ${executionArn}\`.`,
    );
    this.name = 'StoppedFollowingError';
  }
}

/**
 * Step Functions in AWS: the state machines have fixed names, so their ARNs follow from the config: the
 * partition from the region (GovCloud and China have their own), the account from the stack that runs it
 * (the DR region's stack is in `drAccount` when the config names one). Its clients keep the SDK's own settings, no
 * request timeout (review r62P F1, F2): StartExecution is sent without an execution name, so a start retried after a
 * timeout starts the workflow again (a slow region got three backups, and the CLI said it failed), and one poll that
 * fails after its attempts ends the follow of a run that may last hours. A silent Step Functions endpoint therefore
 * holds the command, as it always did; giving up on it needs an execution name per command and a follow that
 * outlasts a failed poll.
 */
export function awsWorkflowRunner(options: { environment: EnvironmentConfig; client?: SFNClient; drClient?: SFNClient; pollMs?: number; output?: ClosedOutputGuard }): WorkflowRunner {
  const env = options.environment;
  const client = options.client ?? new SFNClient({ region: env.primaryRegion, credentials: runCredentials(undefined, env.primaryRegion) });
  let drClient: SFNClient | undefined;
  const names = resourceNames(env);
  return {
    async run(workflow, input, onProgress, runOptions) {
      const name = stateMachineOf(workflow, names);
      const side = regionOf(workflow, runOptions);
      const region = side === 'dr' ? env.drRegion : env.primaryRegion;
      const account = side === 'dr' ? (env.drAccount ?? env.account) : env.account;
      // The DR region's state machines are started with a client of that region (the primary region may be down).
      const sfn = side === 'primary' ? client : (drClient ??= options.drClient ?? new SFNClient({ region, credentials: runCredentials(undefined, region) }));
      const stateMachineArn = `arn:${partitionOf(region)}:states:${region}:${account}:stateMachine:${name}`;
      const started = Date.now();
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
      if (!executionArn) throw new Error(`StartExecution of ${stateMachineArn} returned no execution ARN.`);
      const progress: WorkflowProgress = { shardsDone: 0, shardsFailed: 0, retries: 0, elapsedMs: 0 };
      // A closed output ends the following, as a Ctrl-C does here (the execution is AWS's, not this process's): the
      // command then fails with the execution's ARN instead of being ended mid-poll with exit code 0.
      const stopFollowing = new AbortController();
      const removeOutputStop = (options.output ?? processOutput).stopOnClose(() => stopFollowing.abort());
      try {
        for (;;) {
          if (stopFollowing.signal.aborted) throw new StoppedFollowingError(executionArn);
          // The history drives the same progress line as locally (countEvent skips events already counted).
          for await (const page of paginateGetExecutionHistory({ client: sfn, pageSize: 500 }, { executionArn })) {
            for (const event of page.events ?? []) countEvent(progress, event);
          }
          await countMapRunItems(sfn, progress);
          const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
          onProgress({ ...progress, elapsedMs: Date.now() - started });
          if (described.status !== 'RUNNING' && described.status !== 'PENDING_REDRIVE') {
            // Read after the execution ended, so no poll missed the step. What it adds is a note beside the error
            // (cli/restore-cleanup-failed.ts): a history that cannot be read now leaves the error to say what it says.
            const failureReportInput = described.status === 'FAILED' ? await failureReportInputInAws(sfn, executionArn).catch(() => undefined) : undefined;
            return {
              executionId: executionArn,
              status: described.status === 'SUCCEEDED' ? 'SUCCEEDED' : described.status === 'TIMED_OUT' ? 'TIMED_OUT' : described.status === 'ABORTED' ? 'ABORTED' : 'FAILED',
              ...(described.output !== undefined ? { output: JSON.parse(described.output) as unknown } : {}),
              ...(described.error !== undefined ? { error: described.error } : {}),
              ...(described.cause !== undefined ? { cause: described.cause } : {}),
              ...(failureReportInput !== undefined ? { failureReportInput } : {}),
            };
          }
          await sleep(options.pollMs ?? 2000, undefined, { signal: stopFollowing.signal }).catch(() => undefined);
        }
      } finally {
        removeOutputStop();
      }
    },
  };
}

const seen = new WeakMap<WorkflowProgress, Set<number>>();
/** The Distributed Map runs an execution started (MapRunStarted), and the items each has ended so far. */
const mapRuns = new WeakMap<WorkflowProgress, Map<string, { succeeded: number; failed: number }>>();

/**
 * A Distributed Map's children are executions of their own: the parent's history has no iteration
 * events for them, only MapRunStarted. Their shards are counted from DescribeMapRun's item counts.
 */
async function countMapRunItems(sfn: SFNClient, progress: WorkflowProgress): Promise<void> {
  for (const [mapRunArn, counted] of mapRuns.get(progress) ?? []) {
    const { itemCounts } = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
    const succeeded = itemCounts?.succeeded ?? 0;
    const failed = itemCounts?.failed ?? 0;
    progress.shardsDone += succeeded - counted.succeeded;
    progress.shardsFailed += failed - counted.failed;
    counted.succeeded = succeeded;
    counted.failed = failed;
  }
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
