import { type S3Client } from '@aws-sdk/client-s3';
import { type ProtectionPlanConfig, type RetentionConfig } from '../../config/lifeboat-config';
import { type BackupCatalog } from '../../lambdas/catalog/backup-catalog';
import { type RetentionDecision } from '../../lambdas/retention/decide-retention';
import { forgetBackups } from '../../lambdas/retention/forget-backups';
import { snapshotArrivals } from '../../lambdas/retention/snapshot-arrivals';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONDEMNATION_CLOCK_MARGIN_MS, DEFAULT_PRUNE_GRACE_MS, loadCondemnedBatches, type PruneReport, readPrunePolicy, snapshotKey, VaultNotFoundError, verifySnapshot } from '../../vault';
import { type SynthesizedStack } from '../assembly/synthesized-stack';
import { type LambdaWorkerPool } from '../executor/lambda-worker-pool';
import { runLocalExecution } from '../executor/run-local-execution';
import { executionProblem } from './execution-problem';
import { openLocalVault } from './local-vault';

/**
 * The policy the demo forgets with. The plan's own (keepLast 7, keepDaily 7, keepWeekly 4) keeps
 * every one of three backups made minutes apart, as it should; keepLast 2 forgets the first, so the
 * prune has something to reclaim.
 */
export const DEMO_RETENTION: RetentionConfig = { keepLast: 2 };

/** One run of `<prefix>-prune`. */
export type PruneRun = { executionId: string; status: string; durationMs: number; report?: PruneReport; problem?: string };

/** One source of a kept backup, read back after the prune. */
export type KeptCheck = { backupId: string; source: string; snapshotId: string; entries: number; bytes: number; problems: string[] };

export type RetentionOutcome = {
  decisions: RetentionDecision[];
  forgotten: string[];
  /** Snapshot objects of forgotten backups still in the vault after the forget (must be none). */
  snapshotsLeft: string[];
  /** The first prune condemns, the second (after the grace) deletes, the third runs with the default grace, as the schedule does. */
  prunes: PruneRun[];
  kept: KeptCheck[];
};

type Deps = {
  plan: ProtectionPlanConfig;
  catalog: BackupCatalog;
  s3: S3Client;
  vaultBucket: string;
  stack: SynthesizedStack;
  stateMachine: string;
  endpoints: LocalEndpoints;
  dataDir: string;
  pool: LambdaWorkerPool;
  /** Stops the running prune (the demo's Ctrl-C): it ends ABORTED, and no further one starts. */
  abortSignal?: AbortSignal;
};

/**
 * Retention at the end of the demo, on the primary vault: forget with DEMO_RETENTION, as
 * `lifeboat backups forget` does with a plan's policy (snapshot objects deleted, catalog records
 * marked forgotten); then the prune runbook twice, as its schedule starts it but with a grace of
 * 0 h (nothing else runs in the demo; a real vault keeps 25 h, docs/FORMAT.md §11): the first run
 * condemns what only the forgotten backup used, the second deletes it. Then every source of every
 * kept backup is verified with its data read back, from a freshly opened vault.
 */
export async function forgetAndPrune(deps: Deps): Promise<RetentionOutcome> {
  const vault = await openLocalVault(deps.s3, deps.vaultBucket, deps.dataDir);
  const forget = await forgetBackups(
    { plan: deps.plan.name },
    { vault: 'primary', openVault: () => Promise.resolve(vault), snapshotArrivals: () => snapshotArrivals(vault.store), catalog: deps.catalog, plans: [{ name: deps.plan.name, retention: DEMO_RETENTION }], now: new Date() },
  );
  const planReport = forget.plans[0];
  const decisions = planReport?.decisions ?? [];
  const forgotten = planReport?.forgotten ?? [];

  const snapshotsLeft: string[] = [];
  for (const backupId of forgotten) {
    const record = await deps.catalog.requireBackup(backupId);
    for (const source of record.sources) if (await vault.store.has(snapshotKey(source.snapshotId))) snapshotsLeft.push(snapshotKey(source.snapshotId));
  }

  const prunes: PruneRun[] = [];
  // The second after the first's grace of 0 h; then as the schedule runs it, with the default grace: it sweeps what the
  // zero-grace runs left. (Until 2026-12-04 it was needed: a grace of 0 h left in the vault's policy refused every later backup.)
  for (const graceHours of [0, 0, undefined]) {
    if (deps.abortSignal?.aborted) break;
    prunes.push(await runPrune(deps, graceHours));
  }

  const kept: KeptCheck[] = [];
  const fresh = await openLocalVault(deps.s3, deps.vaultBucket, deps.dataDir);
  for (const decision of decisions.filter((d) => d.keep && d.status === 'COMMITTED')) {
    const record = await deps.catalog.requireBackup(decision.backupId);
    for (const source of record.sources) {
      const check = await verifySnapshot(fresh, source.snapshotId, { readData: true, expectedRootHash: source.rootHash });
      kept.push({ backupId: record.backupId, source: source.name, snapshotId: source.snapshotId, entries: check.entries, bytes: check.bytes, problems: check.problems });
    }
  }
  return { decisions, forgotten, snapshotsLeft, prunes, kept };
}

/**
 * Before the demo's backups: a vault a previous demo left on a zero-hour prune grace (an older demo
 * stopped after its grace-0 prunes) would refuse every backup, so one prune with the default grace
 * puts the policy back; and a zero-grace condemnation of the last minute (a demo run just before)
 * still holds a backup that starts within the clocks' margin of it (CONDEMNATION_CLOCK_MARGIN_MS),
 * so the demo waits that out. Nothing happens on a fresh vault or one with the default grace.
 */
export async function restoreDefaultPruneGrace(deps: Omit<Deps, 'plan' | 'catalog'>): Promise<{ prune?: PruneRun; waitedMs: number }> {
  const vault = await openLocalVault(deps.s3, deps.vaultBucket, deps.dataDir).catch((err: unknown) => {
    // A first demo: the backups create the vault.
    if (err instanceof VaultNotFoundError) return undefined;
    throw err;
  });
  if (!vault) return { waitedMs: 0 };
  const policy = await readPrunePolicy(vault.store, vault.keys);
  const prune = policy && policy.graceMs < DEFAULT_PRUNE_GRACE_MS ? await runPrune(deps, undefined) : undefined;
  const recent = (await loadCondemnedBatches(vault.store, vault.keys)).filter((b) => b.graceMs < DEFAULT_PRUNE_GRACE_MS).map((b) => Date.parse(b.condemnedAt) + CONDEMNATION_CLOCK_MARGIN_MS + 1000 - Date.now());
  const waitedMs = Math.max(0, ...recent);
  // Cut short by the demo's Ctrl-C: the demo stops after this stage.
  if (waitedMs > 0) await sleep(waitedMs, undefined, deps.abortSignal ? { signal: deps.abortSignal } : {}).catch(() => undefined);
  return { ...(prune ? { prune } : {}), waitedMs };
}

async function runPrune(deps: Omit<Deps, 'plan' | 'catalog'>, graceHours: number | undefined): Promise<PruneRun> {
  const input = graceHours === undefined ? {} : { graceHours };
  const execution = await runLocalExecution({
    stack: deps.stack,
    stateMachine: deps.stateMachine,
    input,
    endpoints: deps.endpoints,
    dataDir: deps.dataDir,
    pool: deps.pool,
    ...(deps.abortSignal ? { abortSignal: deps.abortSignal } : {}),
  });
  const durationMs = Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt);
  const base = { executionId: execution.executionId, status: execution.status, durationMs };
  if (execution.status !== 'SUCCEEDED') return { ...base, problem: executionProblem(execution) };
  const report = (execution.output as { report?: PruneReport } | undefined)?.report;
  return report ? { ...base, report } : { ...base, problem: 'the prune succeeded without a report in its output' };
}
