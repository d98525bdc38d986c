import { type BackupRecord } from '../catalog/backup-record';
import { type DrillReport, judgedRpoSeconds } from '../catalog/drill-record';
import { type ScrubRunRecord } from '../catalog/scrub-record';
import { publishMetrics } from './publish-metrics';

/**
 * What each operation publishes when it ends (metric-names.ts has the names, units and dimensions).
 * The handlers call these with what they already hold; nothing here reads the catalog or a vault.
 */

const seconds = (ms: number): number => Math.max(0, ms) / 1000;

/**
 * A committed backup: the plan's totals, its duration, the dedup ratio, the entries it left out, and
 * the same counters per source. The skipped count is published as 0 too, so a chart shows that runs
 * were counted.
 */
export function publishBackupMetrics(environment: string, record: BackupRecord): void {
  const totals = record.totals;
  if (!totals) return;
  const endedAt = record.endedAt ? Date.parse(record.endedAt) : NaN;
  publishMetrics(
    { environment, plan: record.plan },
    {
      backupBytesScanned: totals.bytesScanned,
      backupBytesNew: totals.bytesNew,
      backupBytesStored: totals.bytesStored,
      backupEntries: totals.entries,
      // Logical bytes per byte this backup added to the vault; a run that stored nothing new has no ratio.
      backupDedupRatio: totals.bytesStored > 0 ? totals.bytes / totals.bytesStored : NaN,
      backupDuration: seconds(endedAt - Date.parse(record.startedAt)),
      backupEntriesSkipped: record.sources.reduce((n, s) => n + (s.skipped ?? 0), 0),
    },
  );
  for (const source of record.sources) {
    publishMetrics(
      { environment, plan: record.plan, source: source.name },
      { sourceBytesScanned: source.bytesScanned, sourceBytesNew: source.bytesNew, sourceBytesStored: source.bytesStored, sourceEntries: source.entries, sourceEntriesSkipped: source.skipped ?? 0 },
    );
  }
}

/** One shard of a backup: how long it took and how much it read. */
export function publishShardMetrics(environment: string, shard: { plan: string; source: string; durationMs: number; bytesScanned: number }): void {
  publishMetrics({ environment, plan: shard.plan, source: shard.source }, { shardDuration: seconds(shard.durationMs), shardBytesScanned: shard.bytesScanned });
}

/** A backup execution that did not commit. */
export function publishBackupFailedMetric(environment: string, plan: string): void {
  publishMetrics({ environment, plan }, { backupFailed: 1 });
}

/**
 * One invocation of the Replicate step: the bytes it copied, and once the DR vault holds the backup
 * (`completedAt`, the last of possibly several invocations) the lag from its commit to then.
 */
export function publishReplicationMetrics(environment: string, record: Pick<BackupRecord, 'plan' | 'endedAt'>, step: { copiedBytes: number; completedAt?: Date }): void {
  const committedAt = record.endedAt ? Date.parse(record.endedAt) : NaN;
  publishMetrics(
    { environment, plan: record.plan },
    { replicatedBytes: step.copiedBytes, ...(step.completedAt ? { replicationLag: seconds(step.completedAt.getTime() - committedAt) } : {}) },
  );
}

/** One source restored and verified. `plan`: the plan that protects the source, when the environment knows it. */
export function publishRestoreMetrics(environment: string, plan: string | undefined, report: { source: string; durationMs: number; bytes: number }): void {
  publishMetrics({ environment, ...(plan !== undefined ? { plan } : {}), source: report.source }, { restoreDuration: seconds(report.durationMs), restoreBytes: report.bytes });
}

/** A drill's RTO, RPO (the figure it judged: the newest backup's age or the window's largest gap, not a random pick's age) and verdict. */
export function publishDrillMetrics(report: Pick<DrillReport, 'environment' | 'plan' | 'verdict' | 'rto' | 'rpo'>): void {
  publishMetrics(
    { environment: report.environment, plan: report.plan },
    {
      ...(report.rto ? { drillRto: report.rto.seconds } : {}),
      ...(report.rpo ? { drillRpo: judgedRpoSeconds(report.rpo) } : {}),
      drillPassed: report.verdict === 'PASSED' ? 1 : 0,
      drillNotPassed: report.verdict === 'PASSED' ? 0 : 1,
    },
  );
}

/** A scrub run: objects read (both vaults), found corrupt or missing, and left unrepaired. */
export function publishScrubMetrics(record: Pick<ScrubRunRecord, 'environment' | 'read' | 'corrupt' | 'missing' | 'unrepaired'>): void {
  publishMetrics(
    { environment: record.environment },
    { scrubObjectsRead: (record.read.primary ?? 0) + (record.read.dr ?? 0), scrubCorrupt: record.corrupt + record.missing, scrubUnrepaired: record.unrepaired },
  );
}

/**
 * A finished prune run (the prune-vault handler, not a dry run): the bytes it freed, which the dashboard charts, and the
 * damaged packs it met (the prune-damage alarm watches the watchdog's gauge of the run's record: prune-watch.ts). 0 is
 * published too, so a chart shows that runs were counted.
 */
export function publishPruneMetrics(environment: string, run: { bytesFreed: number; damagedPacks: number }): void {
  publishMetrics({ environment }, { pruneBytesFreed: run.bytesFreed, pruneDamagedPacks: run.damagedPacks });
}

/**
 * A run of a region's watchdog that got through its measures (read or not: one it could not read fails the run after,
 * to the dead-letter alarms): the heartbeat alarm of that region breaches without it (review r58N F1, r59F F2).
 */
export function publishWatchdogHeartbeat(environment: string): void {
  publishMetrics({ environment }, { watchdogHeartbeat: 1 });
}
