import { type BackupRecord, type SourceType } from '../../lambdas/catalog/backup-record';
import { DEFAULT_TARGET_BYTES_PER_SEGMENT } from '../../lambdas/sources/dynamodb-segment-count';
import { DEFAULT_BYTES_PER_S3_SHARD, DEFAULT_KEYS_PER_S3_SHARD } from '../../lambdas/sources/s3-shard-size';
import { shellWord } from '../../lambdas/runtime/shell-word';
import { newestFirst } from '../../lambdas/catalog/newest-first';
import { recordInstant } from '../../lambdas/catalog/record-instant';
import { scaledTierMeasures, type TierMeasures } from './storage-tier-split';

/**
 * What the catalog measured of one plan, reduced to the figures an estimate prices (docs/COSTS.md,
 * "Measured figures"). No I/O: built from the plan's backup records, so the arithmetic is tested on
 * a fixed fixture.
 *
 * A "typical run" is the mean over the plan's committed backups except the oldest when there are two
 * or more: the first backup of a plan reads and stores everything, the runs after it are what a
 * month of the schedule repeats.
 */

/** The figures of one backup run (or the mean of several). */
export type RunMeasures = {
  /** Entries of the backup (all sources). */
  entries: number;
  /** Logical bytes (what a restore writes). */
  bytes: number;
  /** Bytes read from the sources: entries whose change token did not change are not read. */
  bytesScanned: number;
  /** Bytes the run added to the vault, compressed and encrypted. */
  bytesStored: number;
  shards: number;
  sources: number;
  /** Wall time of the backup, start to commit (catalog startedAt → endedAt). */
  durationSeconds: number;
  /** Objects of S3 sources, their logical bytes (what the planner lists and cuts into shards), and how many of them were read (the rest reused by change token). */
  s3Entries: number;
  s3Bytes: number;
  s3EntriesRead: number;
  /** Bytes scanned from DynamoDB tables (a Scan reads every item, each run). */
  dynamoDbBytesScanned: number;
};

/** What AWS Backup would hold for one source type of the plan (docs/COSTS.md, "AWS Backup"). */
export type AwsBackupMeasures = {
  /** Warm storage: the oldest retained backup in full plus, per later backup, what changed (S3, files: an incremental chain, whatever Lifeboat's strategy), or every backup's whole size (DynamoDB backups are full). */
  warmBytes: number;
  /** Bytes one run copies to the DR region: the typical run's changed bytes (S3, files) or the table's size (DynamoDB). */
  copyBytesPerRun: number;
};

export type PlanMeasures = {
  plan: string;
  committedBackups: number;
  /** The protected data: the newest committed backup's logical bytes. */
  protectedBytes: number;
  /** Σ bytesStored of the committed backups: the primary vault's share of this plan. */
  storedBytes: number;
  /** Σ bytesStored of the committed backups whose DR copy is COMMITTED: the DR vault's share. */
  replicatedBytes: number;
  /** Newest committed backup's logical bytes ÷ the bytes stored for all retained backups (dedup and compression together). */
  storedRatio?: number;
  typicalRun: RunMeasures;
  /** How many committed backups the typical run is the mean of. */
  typicalOf: number;
  awsBackup: Partial<Record<SourceType, AwsBackupMeasures>>;
  /**
   * Index objects the plan's committed backups wrote to the vault (docs/COSTS.md, "Index loads"): every
   * vault open of a run GETs each of them. A shard writes one when it stored new blobs, which the catalog
   * does not record per shard: a backup that stored anything counts its shardCount (an upper bound; at
   * scale, with even a 1 % change, every shard stores something).
   */
  vaultIndexObjects: number;
  /**
   * Committed backups whose startedAt is no time (recordInstant: NaN), absent when none: which ran first is unknown, so
   * they are left out of the typical run and of the oldest backup (their stored bytes are counted). Sorted last, one was
   * taken as the plan's first backup and the real first full run was averaged into the typical run (review r65E F3).
   * Equal to committedBackups, nothing can be ordered: every backup is measured in the typical run, the first full one
   * included, and its wall time is unknown (review r65N F4).
   */
  untimedStarts?: number;
  /** Runs of the typical run whose endedAt is no time while their startedAt is one, absent when none: left out of its wall time (review r65E F4, r65N F4). */
  untimedEnds?: number;
  /**
   * True when no run of the typical run has a wall time (every start, or every end, no time), absent otherwise: its
   * wall time is then 0 s, so the shards' Lambda GB-seconds are not counted, and the Lambda line says so (review r65T F3).
   */
  wallTimeUnknown?: true;
  /** A plan with `storage`: its stored bytes by storage class in the month estimated (storage-tier-split.ts). Absent: all in S3 Standard. */
  tiers?: TierMeasures;
};

export class NoCommittedBackupError extends Error {
  override readonly name = 'NoCommittedBackupError';
  /** `targetOptions`: the estimate's own --env, --config and --aws or --data-dir (target-options-line.ts), which the backup it names must run with. */
  constructor(
    readonly plan: string,
    targetOptions = '',
  ) {
    super(`plan ${plan} has no committed backup in the catalog: nothing was measured; run \`lifeboat backup --plan ${shellWord(plan)}${targetOptions}\` first (or give --protected-bytes with a measured plan)`);
  }
}

/**
 * A run's wall time, read as the catalog reads a record's time (recordInstant, zoneless = UTC); undefined when its end
 * is no time. Counted as 0 s, such a run pulled the typical run's wall time down silently (review r65E F4): it is left
 * out of the mean (meanRun) and counted (untimedEnds). A run with no end counts no wall time, as before.
 */
const seconds = (b: BackupRecord): number | undefined => {
  if (!b.endedAt) return 0;
  const took = (recordInstant(b.endedAt) - recordInstant(b.startedAt)) / 1000;
  return Number.isNaN(took) ? undefined : Math.max(0, took);
};

/** A run's figures, its wall time undefined when its end is no time (seconds). */
type MeasuredRun = Omit<RunMeasures, 'durationSeconds'> & { durationSeconds: number | undefined };

function runOf(b: BackupRecord): MeasuredRun {
  const t = b.totals ?? { entries: 0, bytes: 0, bytesScanned: 0, bytesStored: 0 };
  let s3Entries = 0;
  let s3Bytes = 0;
  let s3EntriesRead = 0;
  let dynamoDbBytesScanned = 0;
  for (const s of b.sources) {
    if (s.type === 's3') {
      s3Entries += s.entries;
      s3Bytes += s.bytes;
      // Entries read: in proportion to the bytes read (the record counts bytes, not entries, read).
      s3EntriesRead += s.bytes > 0 ? Math.round((s.entries * s.bytesScanned) / s.bytes) : 0;
    } else if (s.type === 'dynamodb') dynamoDbBytesScanned += s.bytesScanned;
  }
  return {
    entries: t.entries,
    bytes: t.bytes,
    bytesScanned: t.bytesScanned,
    bytesStored: t.bytesStored,
    shards: b.shardCount,
    sources: Math.max(b.sources.length, b.sourceNames.length),
    durationSeconds: seconds(b),
    s3Entries,
    s3Bytes,
    s3EntriesRead,
    dynamoDbBytesScanned,
  };
}

/** The mean of the runs; their wall time the mean of those whose end is a time (0 when none is). */
function meanRun(runs: readonly MeasuredRun[]): RunMeasures {
  const keys = Object.keys(runs[0] ?? {}).filter((key) => key !== 'durationSeconds') as Exclude<keyof RunMeasures, 'durationSeconds'>[];
  const mean = { durationSeconds: 0 } as RunMeasures;
  for (const key of keys) mean[key] = runs.reduce((sum, r) => sum + r[key], 0) / runs.length;
  const timed = runs.flatMap((r) => (r.durationSeconds === undefined ? [] : [r.durationSeconds]));
  if (timed.length > 0) mean.durationSeconds = timed.reduce((sum, d) => sum + d, 0) / timed.length;
  return mean;
}

/**
 * What AWS Backup's incremental chain (S3, file systems) would store for one backup of a source type:
 * what changed since the backup before it. An incremental run's bytesScanned is that (the entries read
 * because their change token moved); a full run reads everything and a differential one the change since
 * the last full, so neither measures it: AWS Backup stays incremental whatever Lifeboat's strategy is.
 * For those, the plan's incremental runs' change rate × the backup's bytes, never below its bytesNew
 * (the bytes of chunks the vault did not hold: a lower bound of the change); without incremental runs,
 * bytesNew alone.
 */
function changedBytesOf(committed: readonly BackupRecord[], type: SourceType): (b: BackupRecord) => number {
  const ofType = (b: BackupRecord) => b.sources.filter((s) => s.type === type);
  const sum = (b: BackupRecord, field: 'bytes' | 'bytesScanned' | 'bytesNew') => ofType(b).reduce((total, s) => total + s[field], 0);
  const incremental = committed.filter((b) => b.strategy === 'incremental');
  const incrementalBytes = incremental.reduce((total, b) => total + sum(b, 'bytes'), 0);
  const rate = incrementalBytes > 0 ? incremental.reduce((total, b) => total + sum(b, 'bytesScanned'), 0) / incrementalBytes : undefined;
  return (b) => (b.strategy === 'incremental' ? sum(b, 'bytesScanned') : Math.max(sum(b, 'bytesNew'), rate === undefined ? 0 : rate * sum(b, 'bytes')));
}

function awsBackupOf(committed: readonly BackupRecord[], steady: readonly BackupRecord[]): PlanMeasures['awsBackup'] {
  const measures: PlanMeasures['awsBackup'] = {};
  const newest = committed[0];
  const oldest = committed.at(-1);
  if (!newest || !oldest) return measures;
  for (const type of ['s3', 'dynamodb', 'filesystem'] as const) {
    const bytesOf = (b: BackupRecord) => b.sources.filter((s) => s.type === type).reduce((sum, s) => sum + s.bytes, 0);
    if (!newest.sources.some((s) => s.type === type)) continue;
    // DynamoDB backups are each a full copy of the table; an S3 or file-system chain adds each backup's change.
    const perBackup = type === 'dynamodb' ? bytesOf : changedBytesOf(committed, type);
    const perRun = steady.map(perBackup);
    measures[type] = {
      // A chain holds its oldest backup in full and, for each later one, what changed since its parent.
      warmBytes: type === 'dynamodb' ? committed.reduce((sum, b) => sum + bytesOf(b), 0) : bytesOf(oldest) + committed.slice(0, -1).reduce((sum, b) => sum + perBackup(b), 0),
      copyBytesPerRun: perRun.reduce((a, b) => a + b, 0) / Math.max(1, perRun.length),
    };
  }
  return measures;
}

/**
 * The measures of a plan from its backups (any order; RUNNING and FAILED runs are not counted). `targetOptions` ends the
 * backup command NoCommittedBackupError names: without them it would back up the local cloud's env dev.
 */
export function planMeasures(plan: string, backups: readonly BackupRecord[], targetOptions = ''): PlanMeasures {
  // Forgotten backups stay in: what a later backup deduplicated against them (their stored bytes) is still in the vault.
  const all = backups.filter((b) => b.status === 'COMMITTED');
  // Only starts that are a time tell which backup ran first; when none does, every backup is measured, none taken as the first.
  const timed = newestFirst(all.filter((b) => !Number.isNaN(recordInstant(b.startedAt))));
  const untimedStarts = all.length - timed.length;
  const ordered = timed.length > 0;
  const committed = ordered ? timed : all;
  const newest = committed[0];
  if (!newest) throw new NoCommittedBackupError(plan, targetOptions);
  const steady = ordered && committed.length > 1 ? committed.slice(0, -1) : committed;
  const steadyRuns = steady.map(runOf);
  // An end is counted as no time only beside a start that is one: with every start untimed, each valid end was counted
  // too, as if its end were at fault (review r65N F4); the screen says those runs' wall time is unknown instead.
  const untimedEnds = steady.filter((b) => !Number.isNaN(recordInstant(b.startedAt)) && seconds(b) === undefined).length;
  let storedBytes = 0;
  let replicatedBytes = 0;
  let vaultIndexObjects = 0;
  for (const b of all) {
    storedBytes += b.totals?.bytesStored ?? 0;
    if ((b.totals?.bytesStored ?? 0) > 0) vaultIndexObjects += b.shardCount;
    if (b.copies?.dr === 'COMMITTED') replicatedBytes += b.totals?.bytesStored ?? 0;
  }
  const protectedBytes = newest.totals?.bytes ?? 0;
  return {
    plan,
    committedBackups: all.length,
    protectedBytes,
    storedBytes,
    replicatedBytes,
    ...(storedBytes > 0 ? { storedRatio: protectedBytes / storedBytes } : {}),
    typicalRun: meanRun(steadyRuns),
    typicalOf: steady.length,
    awsBackup: awsBackupOf(committed, steady),
    vaultIndexObjects,
    ...(untimedStarts > 0 ? { untimedStarts } : {}),
    ...(untimedEnds > 0 ? { untimedEnds } : {}),
    ...(steadyRuns.every((r) => r.durationSeconds === undefined) ? { wallTimeUnknown: true as const } : {}),
  };
}

/**
 * The plan's measures at another size of protected data: every byte and entry figure multiplied by
 * `protectedBytes ÷ measured protectedBytes`, so the measured dedup, compression and change rates
 * carry over. The shard count becomes what the planners would cut at that size — the S3 key ranges
 * (a shard per 1 GiB listed or 20,000 keys, lambdas/sources/s3-shard-size.ts) plus the DynamoDB scan
 * segments (one per 1 GiB of table, dynamodb-segment-count.ts) — at least the measured count; a
 * shard's wall time stays as measured.
 */
export function scaledShardCount(run: RunMeasures, k: number): number {
  const s3 = run.s3Entries > 0 ? Math.ceil(Math.max((run.s3Bytes * k) / DEFAULT_BYTES_PER_S3_SHARD, (run.s3Entries * k) / DEFAULT_KEYS_PER_S3_SHARD)) : 0;
  const dynamoDb = Math.ceil((run.dynamoDbBytesScanned * k) / DEFAULT_TARGET_BYTES_PER_SEGMENT);
  return Math.max(run.shards, s3 + dynamoDb);
}

export function scaledMeasures(m: PlanMeasures, protectedBytes: number, targetOptions = ''): PlanMeasures {
  if (m.protectedBytes <= 0) throw new NoCommittedBackupError(m.plan, targetOptions);
  const k = protectedBytes / m.protectedBytes;
  const r = m.typicalRun;
  const shards = scaledShardCount(r, k);
  const awsBackup: PlanMeasures['awsBackup'] = {};
  for (const [type, a] of Object.entries(m.awsBackup) as [SourceType, AwsBackupMeasures][]) awsBackup[type] = { warmBytes: a.warmBytes * k, copyBytesPerRun: a.copyBytesPerRun * k };
  return {
    ...m,
    protectedBytes,
    storedBytes: m.storedBytes * k,
    replicatedBytes: m.replicatedBytes * k,
    typicalRun: {
      ...r,
      entries: r.entries * k,
      bytes: r.bytes * k,
      bytesScanned: r.bytesScanned * k,
      bytesStored: r.bytesStored * k,
      shards,
      s3Entries: r.s3Entries * k,
      s3Bytes: r.s3Bytes * k,
      s3EntriesRead: r.s3EntriesRead * k,
      dynamoDbBytesScanned: r.dynamoDbBytesScanned * k,
    },
    awsBackup,
    // The backups kept, each cut into as many more shards as the typical run.
    vaultIndexObjects: r.shards > 0 ? (m.vaultIndexObjects * shards) / r.shards : m.vaultIndexObjects,
    ...(m.tiers ? { tiers: scaledTierMeasures(m.tiers, k) } : {}),
  };
}
