import { type ProtectionPlanConfig, protectionPlanSchema, type SourceConfig } from '../config/lifeboat-config';
import { acquireBackupLease, releaseBackupLease } from '../lambdas/backup/backup-lease';
import { commitBackup, type CommittedBackup } from '../lambdas/backup/commit-backup';
import { planBackup } from '../lambdas/backup/plan-backup';
import { type S3ShardSize } from '../lambdas/sources/s3-shard-size';
import { plannedShardSpecs } from '../lambdas/backup/planned-shard-specs';
import { type ShardResult, snapshotShard } from '../lambdas/backup/snapshot-shard';
import { planRestore, type PlannedRestore } from '../lambdas/restore/plan-restore';
import { type RestoreTarget } from '../lambdas/restore/restore-request';
import { resolveRestore } from '../lambdas/restore/resolve-restore';
import { defaultRestoreTargetPrefix } from '../lambdas/restore/restore-target-policy';
import { type RestoreShardBatch } from '../lambdas/restore/restore-plan-document';
import { restoreShardBatch, type RestoreShardDeps, type RestoreShardResult } from '../lambdas/restore/restore-shard';
import { type RestoreReport, verifyRestore } from '../lambdas/restore/verify-restore';
import { type Vault } from '../vault';
import { mapBounded } from '../vault';
import { type BenchCloud, secondsSince } from './bench-cloud';

/**
 * The backup and restore workflows of lib/constructs/*-workflow.ts, step by step, in this process:
 * the same core functions the Lambda handlers call (lambdas/backup, lambdas/restore), with SDK
 * clients aimed at the bench's local cloud injected, and the Map state replaced by running the
 * shards concurrently up to the plan's MaxConcurrency. What is left out is Step Functions itself
 * (state transitions, payload passing, Lambda start-up): the bench measures the data path.
 *
 * Each shard opens its own Vault, as a cold Lambda container would (its own S3VaultStore, key
 * unwrap, config and index load); all shards share this process's codec worker pool, as the
 * invocations of one 2-vCPU Lambda would share its cores.
 */

export const BENCH_ENVIRONMENT = 'bench';

/** A plan over one source, as lifeboat.config.json would declare it (defaults from the schema, MaxConcurrency 8). */
export function benchPlan(name: string, source: SourceConfig): ProtectionPlanConfig {
  return protectionPlanSchema.parse({
    name,
    sources: [source],
    schedule: 'rate(1 day)',
    strategy: 'full',
    retention: { keepLast: 1 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
  });
}

export type BackupRun = {
  backupId: string;
  seconds: number;
  /** Seconds of each step: lease + plan, the Map of shards, commit + release. */
  phases: { plan: number; shards: number; commit: number };
  shardCount: number;
  maxConcurrency: number;
  shards: ShardResult[];
  committed: CommittedBackup;
};

/** Acquire lock → plan shards → Map(snapshot shard) → commit → release lock, timed as a whole. A full backup unless `strategy` says otherwise. */
export async function runBackupWorkflow(
  cloud: BenchCloud,
  plan: ProtectionPlanConfig,
  vaultBucket: string,
  strategy: 'full' | 'incremental' = 'full',
  options: { s3ShardSize?: Partial<S3ShardSize> } = {},
): Promise<BackupRun> {
  const started = process.hrtime.bigint();
  const plans = [plan];
  const lease = await acquireBackupLease({ plan: plan.name, strategy, trigger: 'bench' }, { catalog: cloud.catalog, plans });
  try {
    // The plan Lambda opens the vault with create=true (the bench initialised it beforehand, untimed, like `vault init`).
    const request = { plan: plan.name, strategy, trigger: 'bench', backupId: lease.backupId };
    const planDeps = { s3: cloud.s3, dynamodb: cloud.ddb, vault: await cloud.openVault(vaultBucket, true), catalog: cloud.catalog, plans, environment: BENCH_ENVIRONMENT, ...(options.s3ShardSize ? { s3ShardSize: options.s3ShardSize } : {}) };
    // Plan until the listing is done (one invocation here: no deadline), as the workflow's Plan loop does.
    let planned = await planBackup(request, planDeps);
    while (planned.continuation) planned = await planBackup({ ...request, continuation: planned.continuation }, planDeps);
    const plannedAt = process.hrtime.bigint();
    const specs = await plannedShardSpecs((await cloud.openVault(vaultBucket, false)).store, planned);
    const shards = await mapBounded(specs, planned.maxConcurrency, async (spec) =>
      snapshotShard({ backupId: planned.backupId, planKey: planned.planKey, spec }, { s3: cloud.s3, dynamodb: cloud.ddb, vault: await cloud.openVault(vaultBucket, false) }),
    );
    const shardsDone = process.hrtime.bigint();
    const committed = await commitBackup({ backupId: planned.backupId, planKey: planned.planKey }, { vault: await cloud.openVault(vaultBucket, false), catalog: cloud.catalog });
    await releaseBackupLease(lease, { catalog: cloud.catalog });
    const ended = process.hrtime.bigint();
    return {
      backupId: planned.backupId,
      seconds: secondsSince(started),
      phases: { plan: Number(plannedAt - started) / 1e9, shards: Number(shardsDone - plannedAt) / 1e9, commit: Number(ended - shardsDone) / 1e9 },
      shardCount: planned.shardCount,
      maxConcurrency: planned.maxConcurrency,
      shards,
      committed,
    };
  } catch (err) {
    await releaseBackupLease(lease, { catalog: cloud.catalog }).catch(() => undefined);
    throw err;
  }
}

/**
 * The restore chain's Distributed Map (restore-source-chain.ts), as the runbook and the drill's and
 * failover's restore-source children run it: batches of shardsPerBatch consecutive shards (its
 * ItemBatcher), at most maxConcurrency batches at a time. Each batch runs in a "container" made by
 * `deps`, and a container is reused by a later batch once its batch is done, as Lambda reuses a warm
 * container for the next invocation: at most maxConcurrency containers, each opening the vault once
 * (the function's runtime keeps the opened vault, lambda-runtime.ts). Until 2026-12-03 every batch
 * opened the vault cold, which overstated the cost of a Map with more batches than its concurrency.
 */
export async function runRestoreShardsMap(planned: PlannedRestore, deps: () => RestoreShardDeps): Promise<RestoreShardResult[]> {
  const warm: RestoreShardDeps[] = [];
  const results = await mapBounded(restoreShardBatches(planned), planned.maxConcurrency, async (batch) => {
    const container = warm.pop() ?? deps();
    try {
      return await restoreShardBatch(batch, container);
    } finally {
      warm.push(container);
    }
  });
  return results.flatMap((r) => r.shards);
}

/** The restore Map's items as its ItemBatcher hands them to each child: shardsPerBatch consecutive shards a batch. */
export function restoreShardBatches(planned: Pick<PlannedRestore, 'restoreId' | 'planKey' | 'shardCount' | 'shardsPerBatch'>): RestoreShardBatch[] {
  return Array.from({ length: Math.ceil(planned.shardCount / planned.shardsPerBatch) }, (_, b) => ({
    BatchInput: { restoreId: planned.restoreId, planKey: planned.planKey },
    Items: Array.from({ length: Math.min(planned.shardsPerBatch, planned.shardCount - b * planned.shardsPerBatch) }, (_, i) => ({ shardIndex: b * planned.shardsPerBatch + i })),
  }));
}

export type RestoreRun = {
  restoreId: string;
  /** Resolve + plan (which creates a DynamoDB target table from the schema) + the Map of restore shards. */
  seconds: number;
  phases: { resolveAndPlan: number; shards: number };
  shardCount: number;
  entries: number;
  bytes: number;
  shards: RestoreShardResult[];
  /** The runbook's last step (read the target back against the manifest), timed apart: the plain copy has no such step. */
  verify: { seconds: number; report: RestoreReport };
};

/** The restore runbook: resolve → plan (prepare target) → Map(restore shard) → verify. */
export async function runRestoreWorkflow(
  cloud: BenchCloud,
  options: { plan: ProtectionPlanConfig; vaultBucket: string; backupId: string; target: RestoreTarget; restoreId: string },
): Promise<RestoreRun> {
  // One vault per "Lambda": each step opens its own, as each function's container does.
  const coldVault = (): ((side: 'primary' | 'dr') => Promise<Vault>) => {
    let vault: Promise<Vault> | undefined;
    return () => (vault ??= cloud.openVault(options.vaultBucket, false));
  };
  const directory = (p: string): string => {
    throw new Error(`the bench restores no directories (asked for ${p})`);
  };
  const started = process.hrtime.bigint();
  const resolved = await resolveRestore(
    { source: options.plan.sources[0]?.name, backupId: options.backupId, target: options.target },
    options.restoreId,
    { restoreTargetPrefix: defaultRestoreTargetPrefix(BENCH_ENVIRONMENT), sources: options.plan.sources, catalog: cloud.catalog, openVault: coldVault(), s3: cloud.s3, dynamodb: cloud.ddb, directory },
  );
  const planned = await planRestore(resolved, { map: 'distributed', maxConcurrency: options.plan.maxConcurrency }, { openVault: coldVault(), planS3: cloud.s3, planBucket: options.vaultBucket, targetS3: cloud.s3, dynamodb: cloud.ddb, directory });
  const plannedAt = process.hrtime.bigint();
  const shards = await runRestoreShardsMap(planned, () => ({ openVault: coldVault(), planS3: cloud.s3, planBucket: options.vaultBucket, targetS3: cloud.s3, dynamodb: cloud.ddb, directory }));
  const seconds = secondsSince(started);
  const verifyStarted = process.hrtime.bigint();
  const report = await verifyRestore(
    { planKey: planned.planKey },
    { openVault: coldVault(), planS3: cloud.s3, planBucket: options.vaultBucket, targetS3: cloud.s3, dynamodb: cloud.ddb, directory },
  );
  return {
    restoreId: planned.restoreId,
    seconds,
    phases: { resolveAndPlan: Number(plannedAt - started) / 1e9, shards: seconds - Number(plannedAt - started) / 1e9 },
    shardCount: planned.shardCount,
    entries: planned.entries,
    bytes: planned.bytes,
    shards,
    verify: { seconds: secondsSince(verifyStarted), report },
  };
}
