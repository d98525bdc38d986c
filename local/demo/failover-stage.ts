import * as path from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../config/lifeboat-config';
import { type FailoverReport } from '../../lambdas/failover/failover-report';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { startRegion, stopRegion } from '../cloud/region-outage';
import { type LambdaWorkerPool } from '../executor/lambda-worker-pool';
import { runLocalExecution, type WaitingTask } from '../executor/run-local-execution';
import { compareBuckets, compareDirectories, compareTables } from './compare-restored';
import { executionProblem } from './execution-problem';

/** One source of the failover: where it came back, and how it differs from the live source (empty: equal). */
export type FailoverComparison = { source: string; target: string; problems: string[] };

export type FailoverOutcome = {
  executionId?: string;
  status: string;
  /** The execution's output when it succeeded. */
  report?: FailoverReport;
  comparisons: FailoverComparison[];
  /** Whether the primary region answered again at the end (it is started whatever happened before). */
  primaryRunning: boolean;
  /** Empty when every source came back equal to its source; else what went wrong. */
  problems: string[];
};

type Deps = {
  /** The DR stack: its failover runbook reaches nothing in the primary region. */
  stack: SynthesizedStack;
  stateMachine: string;
  endpoints: LocalEndpoints;
  dataDir: string;
  fsRoot: string;
  pool: LambdaWorkerPool;
  primaryRegion: string;
  sources: readonly SourceConfig[];
  /** Clients of the primary region (the sources) and of the DR region (the targets). */
  primary: { s3: S3Client; ddb: DynamoDBClient };
  dr: { s3: S3Client; ddb: DynamoDBClient };
  /** Told when the region stops and starts, and when the runbook starts. */
  progress: (line: string) => void;
  /** The approver: a failover waits for an approval (docs/RUNBOOKS.md, "Approvals"), which the demo gives as `lifeboat approve` would. */
  approve: (waiting: WaitingTask) => Promise<void>;
  /** Stops the execution (the demo's Ctrl-C): it ends ABORTED, and the primary region is started again as after any end. */
  abortSignal?: AbortSignal;
};

/**
 * A primary-region outage, end to end: the primary region of the local cloud stopped (its S3 and
 * DynamoDB refuse connections), the failover runbook of the DR stack run with `input`, the primary
 * region started again — always, also when the failover failed — and then every target the report
 * names (in the DR region) compared with its source (in the primary region) through the plain SDK
 * and file system, independently of the restore's own verification.
 */
export async function failOverWithPrimaryDown(input: { plan: string; targetSuffix: string }, deps: Deps): Promise<FailoverOutcome> {
  const outcome: FailoverOutcome = { status: 'NOT_STARTED', comparisons: [], primaryRunning: true, problems: [] };
  const stopped = await stopRegion(deps.dataDir, deps.primaryRegion);
  outcome.primaryRunning = false;
  deps.progress(`primary region ${deps.primaryRegion} stopped (S3 ${stopped.endpoints.s3} and DynamoDB ${stopped.endpoints.dynamodb} refuse connections)`);
  try {
    deps.progress(`failover runbook ${deps.stateMachine} started in the DR region with ${JSON.stringify(input)}`);
    const execution = await runLocalExecution({
      stack: deps.stack,
      stateMachine: deps.stateMachine,
      input,
      endpoints: deps.endpoints,
      dataDir: deps.dataDir,
      pool: deps.pool,
      extraEnv: { LIFEBOAT_FS_ROOT: deps.fsRoot },
      ...(deps.abortSignal ? { abortSignal: deps.abortSignal } : {}),
      onTaskToken: async (waiting) => {
        deps.progress(`the failover waits for approval; the demo approves it, as \`lifeboat approve ${waiting.executionId}\` does`);
        await deps.approve(waiting);
      },
    });
    outcome.executionId = execution.executionId;
    outcome.status = execution.status;
    if (execution.status === 'SUCCEEDED') outcome.report = execution.output as FailoverReport;
    else outcome.problems.push(executionProblem(execution));
  } finally {
    await startRegion(deps.dataDir, deps.primaryRegion);
    outcome.primaryRunning = true;
    deps.progress(`primary region ${deps.primaryRegion} started again`);
  }
  if (!outcome.report) return outcome;

  for (const source of deps.sources) {
    const restored = outcome.report.sources.find((s) => s.source === source.name);
    if (!restored) {
      outcome.problems.push(`source ${source.name}: not in the failover report`);
      continue;
    }
    const comparison: FailoverComparison = { source: source.name, target: restored.target, problems: await differences(source, restored.target, deps) };
    outcome.comparisons.push(comparison);
    outcome.problems.push(...comparison.problems.map((p) => `${source.name} → ${restored.target}: ${p}`));
  }
  return outcome;
}

/** The report's target (`s3://bucket/`, `dynamodb table <name>`, `directory <path>`) against the live source. */
async function differences(source: SourceConfig, target: string, deps: Deps): Promise<string[]> {
  if (source.type === 's3') {
    const bucket = /^s3:\/\/([^/]+)\/?(.*)$/.exec(target);
    if (!bucket?.[1]) return [`target ${JSON.stringify(target)} is not an S3 location`];
    return compareBuckets(deps.primary.s3, { bucket: source.bucket, prefix: source.prefix ?? '' }, { bucket: bucket[1], prefix: bucket[2] ?? '' }, deps.dr.s3);
  }
  if (source.type === 'dynamodb') {
    const table = /\btable (\S+)$/.exec(target)?.[1];
    if (!table) return [`target ${JSON.stringify(target)} is not a table`];
    return compareTables(deps.primary.ddb, source.table, table, deps.dr.ddb);
  }
  const directory = /^directory (.+)$/.exec(target)?.[1];
  if (!directory) return [`target ${JSON.stringify(target)} is not a directory`];
  return compareDirectories(path.join(deps.fsRoot, source.path), path.join(deps.fsRoot, directory));
}
