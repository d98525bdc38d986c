/** A backup as the catalog records it (pk BACKUP#<backupId>, sk BACKUP). */
export type BackupStatus = 'RUNNING' | 'COMMITTED' | 'FAILED';

export type BackupStrategy = 'full' | 'incremental' | 'differential';

export type SourceType = 's3' | 'dynamodb' | 'filesystem';

/** Counters of a backup or of one of its sources, from the vault's snapshot statistics. */
export type BackupTotals = {
  entries: number;
  /** Logical size: the sum of the entries' sizes (what a restore writes). */
  bytes: number;
  /** Bytes read from the source (unchanged entries reused by change token are not read). */
  bytesScanned: number;
  /** Bytes of chunks the vault did not hold yet (before compression). */
  bytesNew: number;
  /** Bytes those new chunks take in the vault (compressed and encrypted). */
  bytesStored: number;
  blobsNew: number;
};

/** One source of a committed backup: its vault snapshot (one per source per run). */
export type BackupSourceRecord = BackupTotals & {
  name: string;
  type: SourceType;
  snapshotId: string;
  /** The manifest root's id: fixes every entry and byte of the snapshot. */
  rootHash: string;
  /** The snapshot this one was written against (reuse by change token), absent for a full read. */
  parentSnapshotId?: string;
  /** Entries that changed while they were read, entries that vanished between listing and reading, entries skipped as unreadable. */
  changedDuringRead?: number;
  vanished?: number;
  skipped?: number;
};

export type CopyStatus = 'PENDING' | 'COMMITTED' | 'FAILED';

export type BackupRecord = {
  backupId: string;
  plan: string;
  environment: string;
  /** Names of the plan's sources, known from planning on (sources[] is filled at commit). */
  sourceNames: string[];
  /** Per source snapshot and counters; empty until the backup is COMMITTED. */
  sources: BackupSourceRecord[];
  /** The strategy applied: an incremental or differential run without any earlier backup to build on is recorded as full. */
  strategy: BackupStrategy;
  /** What was asked for (schedule or request), when it differs from `strategy`. */
  requestedStrategy?: BackupStrategy;
  /** Incremental: the latest committed backup; differential: the latest full backup. Its snapshots are the parents. */
  parentBackupId?: string;
  /** The full backup the chain of parents starts from (the parent itself for a differential). */
  baseBackupId?: string;
  status: BackupStatus;
  startedAt: string;
  endedAt?: string;
  trigger?: string;
  shardCount: number;
  /** Sums over sources, set at commit. */
  totals?: BackupTotals;
  /** Where the backup's data is committed: always the primary vault once COMMITTED; the DR copy is replicated later. */
  copies?: { primary: 'COMMITTED'; dr?: CopyStatus };
  error?: string;
  cause?: string;
};
