import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { type HeldLease, releaseBackupLease } from '../../lambdas/backup/backup-lease';
import { type PlannedBackup } from '../../lambdas/backup/plan-backup';
import { plannedShardSpecs } from '../../lambdas/backup/planned-shard-specs';
import { type PlannedRestore } from '../../lambdas/restore/plan-restore';
import { type ResolvedRestore } from '../../lambdas/restore/resolved-restore';
import { FUNCTION_SIZING } from '../../lib/lifeboat-defaults';
import { BENCH_REGION, startBenchCloud } from '../bench-cloud';
import { lastJsonObject } from '../backup-tool';
import { buildCodecWorkerBeside, childEnv, ESM_REQUIRE_BANNER } from '../lifeboat-tool';
import { benchPlan, BENCH_ENVIRONMENT } from '../lifeboat-workflow';
import { failureOf, runMeasured } from '../measure';
import { digestBucket, seedBucket } from '../s3-throughput';
import { type LambdaMemoryResult } from './lambda-memory-result';
import { type StepCall, type StepJob } from './step-job';

export type LambdaMemoryOptions = {
  readonly sizeBytes: number;
  readonly seed: string;
  readonly repoRoot: string;
  /** Where the step runner is bundled. */
  readonly workDir: string;
  readonly gnuTime: string | undefined;
  readonly log: (line: string) => void;
};

const SOURCE_BUCKET = 'bench-memory-source';
const VAULT_BUCKET = 'bench-memory-vault';
// The restore policy (restore-target-policy.ts) allows new targets named lifeboat-<environment>-restore-* only.
const RESTORE_BUCKET = 'lifeboat-bench-restore-memory';

/**
 * Each function of the S3 backup and restore paths run as one Lambda invocation is: a process of its
 * own (step-runner.ts, bundled as a handler is), the vault opened cold, one input, on the bench's
 * local cloud and its S3 bucket (LIFEBOAT_BENCH_S3_MIB). The process's peak RSS (GNU time's `%M`,
 * and the /proc samples) is what Lambda's "Max Memory Used" counts, less the runtime's own client.
 * Every shard and restore batch runs, one after another, so no two share a machine's memory.
 */
export async function runLambdaMemorySection(options: LambdaMemoryOptions): Promise<LambdaMemoryResult> {
  const runner = await bundleStepRunner(options.repoRoot, path.join(options.workDir, 'step-runner'));
  const cloud = await startBenchCloud('lambda-memory');
  try {
    for (const bucket of [SOURCE_BUCKET, VAULT_BUCKET, RESTORE_BUCKET]) await cloud.createBucket(bucket);
    options.log(`lambda-memory: seeding ${(options.sizeBytes / 2 ** 20).toFixed(0)} MiB into s3://${SOURCE_BUCKET}`);
    const seeded = await seedBucket(cloud.s3, SOURCE_BUCKET, options);
    await cloud.openVault(VAULT_BUCKET, true);
    const plan = benchPlan('bench-memory', { type: 's3', name: 'bench-memory-bucket', bucket: SOURCE_BUCKET, prefix: '' });
    const jobsDir = fs.mkdtempSync(path.join(cloud.dir, 'jobs-'));
    const measured = new Map<string, { invocations: number; peak: number; seconds: number }>();
    let jobs = 0;
    const step = async <T>(call: StepCall): Promise<T> => {
      const job: StepJob = { cloudDir: path.join(cloud.dir, 'cloud'), region: BENCH_REGION, keyFile: cloud.keyFile, catalogTable: cloud.catalogTable, vaultBucket: VAULT_BUCKET, plan, environment: BENCH_ENVIRONMENT, call };
      const jobFile = path.join(jobsDir, `${++jobs}.json`);
      fs.writeFileSync(jobFile, JSON.stringify(job));
      const m = await runMeasured({ command: process.execPath, args: [runner, jobFile], env: childEnv() }, options.gnuTime);
      const failure = failureOf(m);
      if (failure) throw new Error(`${call.fn} failed: ${failure}`);
      const seen = measured.get(call.fn) ?? { invocations: 0, peak: 0, seconds: 0 };
      measured.set(call.fn, { invocations: seen.invocations + 1, peak: Math.max(seen.peak, m.peakRssBytes), seconds: seen.seconds + m.wallSeconds });
      options.log(`lambda-memory: ${call.fn} peak RSS ${(m.peakRssBytes / 2 ** 20).toFixed(0)} MiB in ${m.wallSeconds.toFixed(2)} s`);
      const answer = m.stdout.trim().split('\n').pop() ?? 'null';
      return (lastJsonObject(answer) ?? JSON.parse(answer)) as T;
    };

    const lease = await step<HeldLease>({ fn: 'backup-lock' });
    let shards = 0;
    try {
      const planned = await step<PlannedBackup>({ fn: 'plan-backup', backupId: lease.backupId });
      const specs = await plannedShardSpecs((await cloud.openVault(VAULT_BUCKET, false)).store, planned);
      for (const spec of specs) await step({ fn: 'snapshot-shard', backupId: planned.backupId, planKey: planned.planKey, spec });
      shards = specs.length;
      await step({ fn: 'commit-backup', backupId: planned.backupId, planKey: planned.planKey });
    } finally {
      await releaseBackupLease(lease, { catalog: cloud.catalog });
    }

    const resolved = await step<ResolvedRestore>({ fn: 'resolve-restore', backupId: lease.backupId, target: { type: 's3', bucket: RESTORE_BUCKET, prefix: '' }, restoreId: 'bench-memory-restore' });
    const restore = await step<PlannedRestore>({ fn: 'plan-restore', resolved });
    // The Distributed Map's batches (its ItemBatcher), as lifeboat-workflow.ts's runRestoreShardsMap makes them.
    const batches = Math.ceil(restore.shardCount / restore.shardsPerBatch);
    for (let b = 0; b < batches; b++) {
      const count = Math.min(restore.shardsPerBatch, restore.shardCount - b * restore.shardsPerBatch);
      const Items = Array.from({ length: count }, (_, i) => ({ shardIndex: b * restore.shardsPerBatch + i }));
      await step({ fn: 'restore-shard', batch: { BatchInput: { restoreId: restore.restoreId, planKey: restore.planKey }, Items } });
    }
    await step({ fn: 'verify-restore', planKey: restore.planKey });
    const [source, restored] = [await digestBucket(cloud.s3, SOURCE_BUCKET), await digestBucket(cloud.s3, RESTORE_BUCKET)];

    const functions = [...measured].map(([name, m]) => ({ name, memoryMb: FUNCTION_SIZING[name]?.memorySize ?? 0, invocations: m.invocations, peakRssBytes: m.peak, seconds: m.seconds }));
    return { bucket: { objects: seeded.objects, bytes: seeded.bytes }, shards, restoreBatches: batches, functions, restoredEqual: source.sha256 === restored.sha256 && source.objects === restored.objects };
  } finally {
    await cloud.close();
  }
}

/** step-runner.ts as one ESM file with the codec worker beside it, as a Lambda handler is bundled: the measured process loads no TypeScript tooling. */
async function bundleStepRunner(repoRoot: string, dir: string): Promise<string> {
  fs.rmSync(dir, { recursive: true, force: true });
  const outfile = path.join(dir, 'step-runner.mjs');
  await build({
    entryPoints: [path.join(repoRoot, 'bench', 'lambda-memory', 'step-runner.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    banner: { js: ESM_REQUIRE_BANNER },
    target: 'node22',
    logLevel: 'silent',
    outfile,
    absWorkingDir: repoRoot,
  });
  await buildCodecWorkerBeside(repoRoot, dir);
  return outfile;
}
