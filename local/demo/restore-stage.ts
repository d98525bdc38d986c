import * as path from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type SourceConfig } from '../../config/lifeboat-config';
import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { type LambdaWorkerPool } from '../executor/lambda-worker-pool';
import { runLocalExecution } from '../executor/run-local-execution';
import { compareBuckets, compareDirectories, compareTables } from './compare-restored';
import { executionProblem } from './execution-problem';

/** `items`: a DynamoDB restore's items (its `entries` are the pages that hold them). */
export type RestoreOutcome = { source: string; target: string; status: string; durationMs: number; entries: number; items?: number; bytes: number; problems: string[] };

type Deps = {
  stack: SynthesizedStack;
  stateMachine: string;
  endpoints: LocalEndpoints;
  dataDir: string;
  fsRoot: string;
  s3: S3Client;
  ddb: DynamoDBClient;
  restoreTargetPrefix: string;
  workers?: number;
  /** Warm Lambda environments to run on (LocalEnvironment.lambdaPool); absent: a pool of `workers` for this restore. */
  pool?: LambdaWorkerPool;
  /** Which vault to restore from. @default 'primary' */
  vault?: 'primary' | 'dr';
  /** Stops the execution (the demo's Ctrl-C): it ends ABORTED. */
  abortSignal?: AbortSignal;
};

/**
 * The restore runbook (the synthesized restore state machine, as the console would start it) for one
 * source of a backup into a new target, then the target compared with the live source through the
 * plain SDK / file system, independently of the restore code's own verification.
 */
export async function restoreIntoNewTarget(source: SourceConfig, backupId: string, tag: string, deps: Deps): Promise<RestoreOutcome> {
  const name = `${deps.restoreTargetPrefix}${source.name}-${tag}`.toLowerCase();
  let target: Record<string, string>;
  let description: string;
  if (source.type === 's3') {
    // A restore writes into an existing bucket (its encryption and access are the owner's choice).
    await deps.s3.send(new CreateBucketCommand({ Bucket: name }));
    target = { type: 's3', bucket: name, prefix: '' };
    description = `s3://${name}`;
  } else if (source.type === 'dynamodb') {
    target = { type: 'dynamodb', table: name };
    description = `table ${name}`;
  } else {
    const dir = `/mnt/lifeboat/restored/${tag}/${source.name}`;
    target = { type: 'filesystem', path: dir };
    description = path.join(deps.fsRoot, dir);
  }
  const execution = await runLocalExecution({
    stack: deps.stack,
    stateMachine: deps.stateMachine,
    input: { source: source.name, backupId, target, ...(deps.vault ? { vault: deps.vault } : {}) },
    endpoints: deps.endpoints,
    dataDir: deps.dataDir,
    workers: deps.workers,
    ...(deps.pool ? { pool: deps.pool } : {}),
    extraEnv: { LIFEBOAT_FS_ROOT: deps.fsRoot },
    ...(deps.abortSignal ? { abortSignal: deps.abortSignal } : {}),
  });
  const durationMs = Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt);
  const report = (execution.output ?? {}) as { entries?: number; items?: number; bytes?: number; verified?: { mismatches?: number } };
  const outcome: RestoreOutcome = { source: source.name, target: description, status: execution.status, durationMs, entries: report.entries ?? 0, ...(report.items !== undefined ? { items: report.items } : {}), bytes: report.bytes ?? 0, problems: [] };
  if (execution.status !== 'SUCCEEDED') {
    outcome.problems.push(executionProblem(execution));
    return outcome;
  }
  if ((report.verified?.mismatches ?? 0) > 0) outcome.problems.push(`the restore's own verification found ${report.verified?.mismatches} mismatches`);
  if (source.type === 's3') outcome.problems.push(...(await compareBuckets(deps.s3, { bucket: source.bucket, prefix: source.prefix }, { bucket: name, prefix: '' })));
  else if (source.type === 'dynamodb') outcome.problems.push(...(await compareTables(deps.ddb, source.table, name)));
  else outcome.problems.push(...(await compareDirectories(path.join(deps.fsRoot, source.path), path.join(deps.fsRoot, target.path ?? ''))));
  return outcome;
}
