/**
 * The metrics of Lifeboat (CloudWatch namespace `Lifeboat`, embedded metric format): their names,
 * units and dimension sets, shared by the handlers that publish them (lambdas/operations/publish-metrics.ts) and the
 * constructs that alarm on them and chart them (lib/constructs/lifeboat-operations.ts). A metric is
 * identified by its name and the exact set of its dimensions, so each name has one set here.
 */
export const METRICS_NAMESPACE = 'Lifeboat';

/** Dimension names (docs/ARCHITECTURE.md, "Operations"). */
export const DIMENSION = { environment: 'Environment', plan: 'Plan', source: 'Source' } as const;

export type MetricUnitName = 'Bytes' | 'Count' | 'Seconds' | 'Milliseconds' | 'None';

/** Which dimensions a metric carries: the environment, and the plan, and the source. */
export type DimensionSet = 'environment' | 'plan' | 'source';

type MetricDefinition = { readonly name: string; readonly unit: MetricUnitName; readonly dimensions: DimensionSet };

const metric = (name: string, unit: MetricUnitName, dimensions: DimensionSet): MetricDefinition => ({ name, unit, dimensions });

export const LIFEBOAT_METRICS = {
  // Per committed backup (commit-backup): the plan's totals, and the same per source.
  backupBytesScanned: metric('BackupBytesScanned', 'Bytes', 'plan'),
  backupBytesNew: metric('BackupBytesNew', 'Bytes', 'plan'),
  backupBytesStored: metric('BackupBytesStored', 'Bytes', 'plan'),
  backupEntries: metric('BackupEntries', 'Count', 'plan'),
  /** Logical bytes per stored byte of the backup: how much dedup and compression saved (1 = nothing). */
  backupDedupRatio: metric('BackupDedupRatio', 'None', 'plan'),
  backupDuration: metric('BackupDuration', 'Seconds', 'plan'),
  /** Source entries the backup left out (archived S3 objects, unreadable files), per run (the alarm watches LastBackupEntriesSkipped). */
  backupEntriesSkipped: metric('BackupEntriesSkipped', 'Count', 'plan'),
  sourceBytesScanned: metric('SourceBytesScanned', 'Bytes', 'source'),
  sourceBytesNew: metric('SourceBytesNew', 'Bytes', 'source'),
  sourceBytesStored: metric('SourceBytesStored', 'Bytes', 'source'),
  sourceEntries: metric('SourceEntries', 'Count', 'source'),
  sourceEntriesSkipped: metric('SourceEntriesSkipped', 'Count', 'source'),
  // Per shard (snapshot-shard).
  shardDuration: metric('ShardDuration', 'Seconds', 'source'),
  shardBytesScanned: metric('ShardBytesScanned', 'Bytes', 'source'),
  /** A backup execution that ended FAILED, TIMED_OUT or ABORTED (release-failed-backup), or whose Catch recorded it FAILED. */
  backupFailed: metric('BackupFailed', 'Count', 'plan'),
  // Replication (replicate-backup): from the backup's commit to the DR vault holding it.
  replicationLag: metric('ReplicationLag', 'Seconds', 'plan'),
  replicatedBytes: metric('ReplicatedBytes', 'Bytes', 'plan'),
  // Restore (verify-restore), per source restored.
  restoreDuration: metric('RestoreDuration', 'Seconds', 'source'),
  restoreBytes: metric('RestoreBytes', 'Bytes', 'source'),
  // Drill (drill-record).
  drillRto: metric('DrillRto', 'Seconds', 'plan'),
  drillRpo: metric('DrillRpo', 'Seconds', 'plan'),
  /** 1 when the drill PASSED, 0 otherwise (FAILED or OBJECTIVE_MISSED). */
  drillPassed: metric('DrillPassed', 'Count', 'plan'),
  /** 1 when the drill FAILED or missed an objective, per drill (the alarm watches LastDrillNotPassed). */
  drillNotPassed: metric('DrillNotPassed', 'Count', 'plan'),
  // Scrub (scrub-vaults): per run, both vaults together.
  scrubObjectsRead: metric('ScrubObjectsRead', 'Count', 'environment'),
  scrubCorrupt: metric('ScrubCorrupt', 'Count', 'environment'),
  scrubUnrepaired: metric('ScrubUnrepaired', 'Count', 'environment'),
  /** Prune (prune-vault, once per finished run, through publishPruneMetrics). */
  pruneBytesFreed: metric('PruneBytesFreed', 'Bytes', 'environment'),
  /**
   * Damaged packs the run met (its report's `damaged`): a live blob in them failed authentication, bit rot in a kept
   * backup. The run still succeeds (nothing it deletes is at risk); the prune-damage alarm watches the watchdog's
   * LastPruneDamagedPacks of the latest run's record, which stays up until a later run meets none.
   */
  pruneDamagedPacks: metric('PruneDamagedPacks', 'Count', 'environment'),
  // The watchdog (backup-age-watch), every few minutes: ages from the catalog, so a plan that stopped running is seen.
  lastCommittedBackupAge: metric('LastCommittedBackupAge', 'Seconds', 'plan'),
  lastReplicatedBackupAge: metric('LastReplicatedBackupAge', 'Seconds', 'plan'),
  // The watchdogs' state gauges (operations-watch.ts), every few minutes from the newest record of each: they stay up
  // while the fact holds, where the per-run counts above go quiet an hour after the run that published them (audit a58C F2).
  /** Entries the plan's newest committed backup left out (its record's sources' `skipped`): what the entries-skipped alarm watches. */
  lastBackupEntriesSkipped: metric('LastBackupEntriesSkipped', 'Count', 'plan'),
  /** 1 when the plan's newest drill of the watchdog's vault (its region's catalog) did not PASS, 0 when it did: what the drill alarm watches. */
  lastDrillNotPassed: metric('LastDrillNotPassed', 'Count', 'plan'),
  /** Since the start of the plan's newest drill of the vault its drill schedule drills (plans with `drill` only): the drill-age alarm. */
  lastDrillAge: metric('LastDrillAge', 'Seconds', 'plan'),
  /** Since the start of the latest scrub run (scheduled or not): the scrub-age alarm. */
  lastScrubAge: metric('LastScrubAge', 'Seconds', 'environment'),
  /** Objects the latest scrub record leaves damaged or missing in a vault (its `outstanding`, whichever run found them): the scrub-damage alarm. */
  scrubOutstandingObjects: metric('ScrubOutstandingObjects', 'Count', 'environment'),
  /** Damaged packs the vault's latest prune run met (its record's `damagedPacks`; each region's watchdog its vault's): the prune-damage alarm. */
  lastPruneDamagedPacks: metric('LastPruneDamagedPacks', 'Count', 'environment'),
  /**
   * 1 from each run of a region's watchdog that got through its measures (operations-watch.ts), in that region: the heartbeat
   * alarm's figure. The gauges' alarms keep their state without figures, so only this says that a watchdog stopped.
   */
  watchdogHeartbeat: metric('WatchdogHeartbeat', 'Count', 'environment'),
} as const;

export type LifeboatMetricKey = keyof typeof LIFEBOAT_METRICS;
