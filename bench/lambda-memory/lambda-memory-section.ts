import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { type HeldLease, releaseBackupLease } from '../../lambdas/backup/backup-lease';
import { type PlannedBackup } from '../../lambdas/backup/plan-backup';
import { plannedShardSpecs } from '../../lambdas/backup/planned-shard-specs';
import { type ReplicationReport } from '../../lambdas/replication/replicate-backup';
import { type PlannedRestore } from '../../lambdas/restore/plan-restore';
import { type ResolvedRestore } from '../../lambdas/restore/resolved-restore';
import { type RestoreTarget } from '../../lambdas/restore/restore-request';
import { type ForgetReport } from '../../lambdas/retention/forget-backups';
import { type PruneReport } from '../../vault';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { FUNCTION_SIZING } from '../../lib/lifeboat-defaults';
import { BENCH_DR_REGION, BENCH_REGION, startBenchCloud } from '../bench-cloud';
import { lastJsonObject } from '../backup-tool';
import { buildCodecWorkerBeside, childEnv, ESM_REQUIRE_BANNER } from '../lifeboat-tool';
import { benchPlan, BENCH_ENVIRONMENT, restoreShardBatches } from '../lifeboat-workflow';
import { failureOf, runMeasured } from '../measure';
import { digestBucket, seedBucket } from '../s3-throughput';
import { compareTrees } from '../compare-trees';
import { generateDataset } from '../dataset';
import { applyChange } from '../mutate';
import { createSourceTable, digestTable, seedTable } from '../dynamodb-throughput';
import { type LambdaMemoryResult } from './lambda-memory-result';
import { type StepCall, type StepJob } from './step-job';

export type LambdaMemoryOptions = {
  /** The S3 bucket's size (LIFEBOAT_BENCH_S3_MIB). */
  readonly sizeBytes: number;
  /** The DynamoDB table's items (LIFEBOAT_BENCH_DYNAMODB_ITEMS). */
  readonly items: number;
  readonly seed: string;
  readonly repoRoot: string;
  /** Where the step runner is bundled. */
  readonly workDir: string;
  readonly gnuTime: string | undefined;
  readonly log: (line: string) => void;
};

const SOURCE_BUCKET = 'bench-memory-source';
const SOURCE_TABLE = 'bench-memory-source';
const VAULT_BUCKET = 'bench-memory-vault';
const DR_VAULT_BUCKET = 'bench-memory-dr-vault';
// The restore policy (restore-target-policy.ts) allows new targets named lifeboat-<environment>-restore-* only.
const RESTORE_BUCKET = 'lifeboat-bench-restore-memory';
const RESTORE_TABLE = 'lifeboat-bench-restore-memory';
/** The file-system source and its restore target, under the fs root that stands in for the EFS mount. */
const SOURCE_TREE = '/mnt/lifeboat/tree';
const RESTORE_TREE = '/mnt/lifeboat/restored';
/** The share of the tree changed before its second backup (as the prune section's). */
const CHANGE_FRACTION = 0.05;

/**
 * Each function of the S3, DynamoDB and file-system backup and restore paths, then a second backup
 * of the changed tree, the replication of every backup to a DR vault in the cloud's second region,
 * the scrub, the forget of the tree's first backup and a repacking prune of the vault they filled
 * (whose kept backup is restored again), run as one Lambda invocation is: a process of its own
 * (step-runner.ts, bundled as a handler is), the vault opened cold, one input, on the bench's local
 * cloud, a bucket seeded as the s3 section's, a table as the dynamodb section's and a tree generated
 * as the restic section's (the same size as the bucket), under an fs root that stands in for EFS.
 * The process's peak RSS (GNU time's `%M`, and the /proc samples) is what Lambda's "Max Memory Used"
 * counts, less the runtime's own client. Every shard and restore batch runs, one after another, so
 * no two share the machine's memory.
 */
export async function runLambdaMemorySection(options: LambdaMemoryOptions): Promise<LambdaMemoryResult> {
  const runner = await bundleStepRunner(options.repoRoot, path.join(options.workDir, 'step-runner'));
  const cloud = await startBenchCloud('lambda-memory', { drRegion: true });
  try {
    for (const bucket of [SOURCE_BUCKET, VAULT_BUCKET, RESTORE_BUCKET]) await cloud.createBucket(bucket);
    await cloud.createBucket(DR_VAULT_BUCKET, BENCH_DR_REGION);
    const fsRoot = path.join(cloud.dir, 'fs');
    options.log(`lambda-memory: seeding ${(options.sizeBytes / 2 ** 20).toFixed(0)} MiB into s3://${SOURCE_BUCKET} and into ${SOURCE_TREE}, ${options.items} items into ${SOURCE_TABLE}`);
    const seeded = await seedBucket(cloud.s3, SOURCE_BUCKET, options);
    const tree = generateDataset(path.join(fsRoot, SOURCE_TREE), options);
    await createSourceTable(cloud.ddb, SOURCE_TABLE);
    await seedTable(cloud.ddb, options, SOURCE_TABLE);
    await cloud.openVault(VAULT_BUCKET, true);
    const jobsDir = fs.mkdtempSync(path.join(cloud.dir, 'jobs-'));
    const measured = new Map<string, { invocations: number; peak: number; seconds: number; peakPath: string }>();
    let jobs = 0;
    const step = async <T>(plan: ProtectionPlanConfig, call: StepCall, label = pathOf(plan)): Promise<T> => {
      const job: StepJob = { cloudDir: path.join(cloud.dir, 'cloud'), region: BENCH_REGION, drRegion: BENCH_DR_REGION, keyFile: cloud.keyFile, catalogTable: cloud.catalogTable, vaultBucket: VAULT_BUCKET, fsRoot, plan, environment: BENCH_ENVIRONMENT, call };
      const jobFile = path.join(jobsDir, `${++jobs}.json`);
      fs.writeFileSync(jobFile, JSON.stringify(job));
      const m = await runMeasured({ command: process.execPath, args: [runner, jobFile], env: childEnv() }, options.gnuTime);
      const failure = failureOf(m);
      if (failure) throw new Error(`${call.fn} (${plan.name}) failed: ${failure}`);
      const seen = measured.get(call.fn) ?? { invocations: 0, peak: 0, seconds: 0, peakPath: '' };
      const higher = m.peakRssBytes > seen.peak;
      measured.set(call.fn, { invocations: seen.invocations + 1, peak: higher ? m.peakRssBytes : seen.peak, seconds: seen.seconds + m.wallSeconds, peakPath: higher ? label : seen.peakPath });
      options.log(`lambda-memory: ${call.fn} (${label}) peak RSS ${(m.peakRssBytes / 2 ** 20).toFixed(0)} MiB in ${m.wallSeconds.toFixed(2)} s`);
      // Every step answers one JSON object, on the last line.
      const answer = lastJsonObject(m.stdout);
      if (!answer) throw new Error(`${call.fn} (${plan.name}) printed no JSON answer: ${m.stdout.slice(-200)}`);
      return answer as T;
    };

    // Budgets lifted, as in the dynamodb section: the section measures memory, not pacing.
    const paths = [
      { plan: benchPlan('bench-memory-s3', { type: 's3', name: 'bench-memory-bucket', bucket: SOURCE_BUCKET, prefix: '' }), target: { type: 's3' as const, bucket: RESTORE_BUCKET, prefix: '' } },
      {
        plan: benchPlan('bench-memory-dynamodb', { type: 'dynamodb', name: 'bench-memory-table', table: SOURCE_TABLE, readBudget: { readUnitsPerSecond: 1e6 }, writeBudget: { writeUnitsPerSecond: 1e6 } }),
        target: { type: 'dynamodb' as const, table: RESTORE_TABLE },
      },
      { plan: benchPlan('bench-memory-filesystem', { type: 'filesystem', name: 'bench-memory-tree', path: SOURCE_TREE }), target: { type: 'filesystem' as const, path: RESTORE_TREE } },
    ];
    const backup = async (plan: ProtectionPlanConfig): Promise<{ backupId: string; shards: number }> => {
      const lease = await step<HeldLease>(plan, { fn: 'backup-lock' });
      try {
        const planned = await step<PlannedBackup>(plan, { fn: 'plan-backup', backupId: lease.backupId });
        const specs = await plannedShardSpecs((await cloud.openVault(VAULT_BUCKET, false)).store, planned);
        for (const spec of specs) await step(plan, { fn: 'snapshot-shard', backupId: planned.backupId, planKey: planned.planKey, spec });
        await step(plan, { fn: 'commit-backup', backupId: planned.backupId, planKey: planned.planKey });
        return { backupId: planned.backupId, shards: specs.length };
      } finally {
        await releaseBackupLease(lease, { catalog: cloud.catalog });
      }
    };
    const restore = async (plan: ProtectionPlanConfig, backupId: string, target: RestoreTarget, restoreId: string): Promise<number> => {
      const resolved = await step<ResolvedRestore>(plan, { fn: 'resolve-restore', backupId, target, restoreId });
      const planned = await step<PlannedRestore>(plan, { fn: 'plan-restore', resolved });
      const batches = restoreShardBatches(planned);
      for (const batch of batches) await step(plan, { fn: 'restore-shard', batch });
      await step(plan, { fn: 'verify-restore', planKey: planned.planKey });
      return batches.length;
    };
    const treeEqual = (restored: string): boolean => compareTrees(path.join(fsRoot, SOURCE_TREE), path.join(fsRoot, restored)).equal;

    const counts: Array<LambdaMemoryResult['paths'][number]> = [];
    const backupIds: string[] = [];
    for (const { plan, target } of paths) {
      const { backupId, shards } = await backup(plan);
      backupIds.push(backupId);
      const restoreBatches = await restore(plan, backupId, target, `${plan.name}-restore`);
      const restoredEqual =
        target.type === 's3'
          ? sameDigest(await digestBucket(cloud.s3, SOURCE_BUCKET), await digestBucket(cloud.s3, RESTORE_BUCKET))
          : target.type === 'dynamodb'
            ? sameDigest(await digestTable(cloud.ddb, SOURCE_TABLE), await digestTable(cloud.ddb, RESTORE_TABLE))
            : treeEqual(target.path);
      counts.push({ path: pathOf(plan), shards, restoreBatches, restoredEqual });
    }

    // A second backup of the tree after a change, so that the forget below leaves packs partly dead: the repacking prune.
    const treePlan = paths[2]?.plan;
    if (!treePlan) throw new Error('lambda-memory: the file-system path is missing');
    applyChange(path.join(fsRoot, SOURCE_TREE), { seed: `${options.seed}/lambda-memory`, fraction: CHANGE_FRACTION });
    const changed = await backup(treePlan);
    backupIds.push(changed.backupId);

    // The vault-wide functions, over the vault the paths filled. One replication of the last backup
    // copies every backup the DR vault (a bucket in the second region) lacks: all four.
    const replicated = await step<ReplicationReport>(treePlan, { fn: 'replicate-backup', backupId: changed.backupId, drVaultBucket: DR_VAULT_BUCKET }, 'the whole vault');
    if (!replicated.complete || replicated.backupsCopied !== backupIds.length) {
      throw new Error(`replicate-backup copied ${replicated.backupsCopied} of ${backupIds.length} backups (complete: ${replicated.complete}, ${replicated.remainingObjects} objects left)`);
    }
    await step(treePlan, { fn: 'scrub-vaults' }, 'the whole vault');
    // The tree plan keeps its last backup: the first one is forgotten, and every pack that also holds its changed files' old content is repacked (threshold 0) and condemned, then swept.
    const forget = await step<ForgetReport>(treePlan, { fn: 'forget-backups' }, 'filesystem');
    const forgotten = forget.plans.flatMap((p) => p.forgotten);
    if (forgotten.length !== 1 || forgotten[0] !== backupIds[2]) throw new Error(`forget-backups forgot ${JSON.stringify(forgotten)}, not the tree's first backup ${backupIds[2]}`);
    const condemned = await step<PruneReport>(treePlan, { fn: 'prune-vault', repackThreshold: 0 }, 'repack');
    const swept = await step<PruneReport>(treePlan, { fn: 'prune-vault', repackThreshold: 0 }, 'sweep');
    if (condemned.packsRepacked === 0 || swept.bytesFreed === 0) {
      throw new Error(`the prune repacked ${condemned.packsRepacked} pack(s) and freed ${swept.bytesFreed} bytes: the section meant to measure a repacking prune measured none`);
    }
    // What the prune left must still restore: the tree's remaining backup, into a fresh directory.
    const afterPrune = '/mnt/lifeboat/restored-after-prune';
    await restore(treePlan, changed.backupId, { type: 'filesystem', path: afterPrune }, `${treePlan.name}-after-prune`);
    const prune = {
      forgotten: forgotten.length,
      packsRepacked: condemned.packsRepacked,
      bytesRepackWritten: condemned.bytesRepackWritten,
      bytesFreed: condemned.bytesFreed + swept.bytesFreed,
      restoredEqual: treeEqual(afterPrune),
    };

    const functions = [...measured].map(([name, m]) => ({ name, memoryMb: FUNCTION_SIZING[name]?.memorySize ?? 0, invocations: m.invocations, peakRssBytes: m.peak, peakPath: m.peakPath, seconds: m.seconds }));
    return {
      bucket: { objects: seeded.objects, bytes: seeded.bytes },
      items: options.items,
      tree: { files: tree.files.length, bytes: tree.totalBytes },
      paths: counts,
      replication: { fromRegion: BENCH_REGION, toRegion: BENCH_DR_REGION, backupsCopied: replicated.backupsCopied, bytesCopied: replicated.copiedBytes },
      prune,
      functions,
    };
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

/** Which path a plan exercises: its one source's type. */
function pathOf(plan: ProtectionPlanConfig): string {
  return plan.sources[0]?.type ?? 'unknown';
}

function sameDigest(a: { sha256: string }, b: { sha256: string }): boolean {
  return a.sha256 === b.sha256;
}
