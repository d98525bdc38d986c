import { type MirrorCheckResult } from '../../lambdas/mirror/mirror-check';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { type LambdaWorkerPool } from '../executor/lambda-worker-pool';
import { runLocalExecution } from '../executor/run-local-execution';
import { executionProblem } from './execution-problem';

export type MirrorCheckOutcome = { executionId: string; status: string; durationMs: number; result?: MirrorCheckResult; problems: string[] };

/**
 * The mirror check of the DR stack (`<prefix>-mirror-check`), as its schedule starts it but with no grace:
 * the demo's writes are long replicated by now, so every difference counts.
 */
export async function runMirrorCheck(deps: { stack: SynthesizedStack; stateMachine: string; endpoints: LocalEndpoints; dataDir: string; pool: LambdaWorkerPool; abortSignal?: AbortSignal }): Promise<MirrorCheckOutcome> {
  const execution = await runLocalExecution({
    stack: deps.stack,
    stateMachine: deps.stateMachine,
    input: { graceSeconds: 0 },
    endpoints: deps.endpoints,
    dataDir: deps.dataDir,
    pool: deps.pool,
    ...(deps.abortSignal ? { abortSignal: deps.abortSignal } : {}),
  });
  const durationMs = Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt);
  if (execution.status === 'SUCCEEDED') return { executionId: execution.executionId, status: execution.status, durationMs, result: execution.output as MirrorCheckResult, problems: [] };
  return { executionId: execution.executionId, status: execution.status, durationMs, problems: [executionProblem(execution)] };
}
