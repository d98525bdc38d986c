import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { type FaultRule } from '../executor/fault-injection';
import { type LambdaWorkerPool } from '../executor/lambda-worker-pool';
import { type LocalExecutionResult, runLocalExecution } from '../executor/run-local-execution';
import { type StartedExecution, type StartTarget } from './fire-schedule';

/**
 * StartTarget on the local executor: the execution runs in this process, with its history under
 * `<dataDir>/executions/` like any local run (status RUNNING from its start, `startedBy` naming the
 * schedule). It has started once runLocalExecution saved that history; a rejection before then
 * (the local cloud not running, a definition that does not load) is a failure to start.
 */
export type LocalTargetStarterOptions = {
  dataDir: string;
  /** The local cloud's endpoints, looked up at each start: a cloud that is down fails the start. */
  endpoints: () => Promise<LocalEndpoints>;
  /** Warm Lambda environments shared by the executions (LocalEnvironment.lambdaPool). */
  pool?: LambdaWorkerPool;
  extraEnv?: Record<string, string>;
  /** Tests: scaled Retry intervals and injected faults, as runLocalExecution takes them. */
  retryIntervalScale?: number;
  faults?: readonly FaultRule[];
};

export function localTargetStarter(options: LocalTargetStarterOptions): StartTarget {
  return async (request) => {
    const endpoints = await options.endpoints();
    return new Promise<StartedExecution>((resolve, reject) => {
      let startedId: string | undefined;
      let completion: Promise<LocalExecutionResult> | undefined = undefined;
      // onStarted may run before runLocalExecution returns its promise (it starts synchronously).
      const announce = (): void => {
        if (startedId !== undefined && completion) resolve({ executionId: startedId, completion });
      };
      completion = runLocalExecution({
        stack: request.stack,
        stateMachine: request.stateMachine,
        input: request.input,
        endpoints,
        dataDir: options.dataDir,
        executionName: request.executionName,
        startedBy: request.startedBy,
        ...(options.pool ? { pool: options.pool } : {}),
        ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
        ...(options.retryIntervalScale !== undefined ? { retryIntervalScale: options.retryIntervalScale } : {}),
        ...(options.faults ? { faults: options.faults } : {}),
        onStarted: (executionId) => {
          startedId = executionId;
          announce();
        },
      });
      announce();
      completion.catch((err: unknown) => {
        if (startedId === undefined) reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  };
}
