import { type DrillRecord, drillRecordSchema } from '../../lambdas/catalog/drill-record';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { type LambdaWorkerPool } from '../executor/lambda-worker-pool';
import { runLocalExecution } from '../executor/run-local-execution';
import { executionProblem } from './execution-problem';

export type DrillOutcome = {
  executionId: string;
  status: string;
  durationMs: number;
  /** The execution's output when it succeeded: the drill's record as the catalog holds it. */
  record?: DrillRecord;
  /** Empty when the drill PASSED; else why not (the execution's error and cause, or the verdict). */
  problems: string[];
};

type Deps = {
  stack: SynthesizedStack;
  stateMachine: string;
  endpoints: LocalEndpoints;
  dataDir: string;
  fsRoot: string;
  pool: LambdaWorkerPool;
  /** Stops the execution (the demo's Ctrl-C): it ends ABORTED. */
  abortSignal?: AbortSignal;
};

/**
 * The drill workflow as its schedule starts it (`{ "plan": P }`, the rest from the plan's `drill`
 * config): the newest backup restored from the vault of the stack's region into scratch targets,
 * verified, sampled against the live sources, removed again, and the report recorded. Only a
 * PASSED verdict is a success: a FAILED or OBJECTIVE_MISSED drill fails its execution (after
 * recording the report), and the demo with it.
 */
export async function runDrill(plan: string, deps: Deps): Promise<DrillOutcome> {
  const execution = await runLocalExecution({
    stack: deps.stack,
    stateMachine: deps.stateMachine,
    input: { plan },
    endpoints: deps.endpoints,
    dataDir: deps.dataDir,
    pool: deps.pool,
    extraEnv: { LIFEBOAT_FS_ROOT: deps.fsRoot },
    ...(deps.abortSignal ? { abortSignal: deps.abortSignal } : {}),
  });
  const outcome: DrillOutcome = {
    executionId: execution.executionId,
    status: execution.status,
    durationMs: Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt),
    problems: [],
  };
  if (execution.status !== 'SUCCEEDED') {
    outcome.problems.push(executionProblem(execution));
    return outcome;
  }
  const parsed = drillRecordSchema.safeParse(execution.output);
  if (!parsed.success) {
    outcome.problems.push(`the drill succeeded but its output is not a drill record: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return outcome;
  }
  outcome.record = parsed.data;
  if (parsed.data.verdict !== 'PASSED') outcome.problems.push(`verdict ${parsed.data.verdict}`);
  return outcome;
}
