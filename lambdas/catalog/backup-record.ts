import { z } from 'zod';
import { type Snapshot } from '../../vault';

/**
 * A backup as the catalog records it (pk BACKUP#<backupId>, sk BACKUP). The schemas are the types:
 * every item read from the table is parsed with them (backup-catalog.ts), so a hand-edited or
 * half-migrated item fails with an error naming it instead of travelling on as a wrong shape.
 * Unknown attributes (the table keys, attributes of a later version) are dropped on read.
 */

export const backupStatusSchema = z.enum(['RUNNING', 'COMMITTED', 'FAILED']);
export type BackupStatus = z.infer<typeof backupStatusSchema>;

export const backupStrategySchema = z.enum(['full', 'incremental', 'differential']);
export type BackupStrategy = z.infer<typeof backupStrategySchema>;

export const sourceTypeSchema = z.enum(['s3', 'dynamodb', 'filesystem']);
export type SourceType = z.infer<typeof sourceTypeSchema>;

const count = z.number().int().nonnegative();

/** Counters of a backup or of one of its sources, from the vault's snapshot statistics. */
export const backupTotalsSchema = z.object({
  entries: count,
  /** Logical size: the sum of the entries' sizes (what a restore writes). */
  bytes: count,
  /** Bytes read from the source (unchanged entries reused by change token are not read). */
  bytesScanned: count,
  /** Bytes of chunks the vault did not hold yet (before compression). */
  bytesNew: count,
  /** Bytes those new chunks take in the vault (compressed and encrypted). */
  bytesStored: count,
  blobsNew: count,
});
export type BackupTotals = z.infer<typeof backupTotalsSchema>;

/** The totals of a backup: its sources' counters summed. */
export function sumBackupTotals(sources: readonly BackupTotals[]): BackupTotals {
  const totals: BackupTotals = { entries: 0, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 };
  for (const s of sources) {
    totals.entries += s.entries;
    totals.bytes += s.bytes;
    totals.bytesScanned += s.bytesScanned;
    totals.bytesNew += s.bytesNew;
    totals.bytesStored += s.bytesStored;
    totals.blobsNew += s.blobsNew;
  }
  return totals;
}

/** What a source's record takes from its vault snapshot: the snapshot and root ids and the snapshot's counters. */
export function snapshotFieldsOfSource(snapshot: Pick<Snapshot, 'id' | 'manifest' | 'stats'>): Pick<BackupSourceRecord, 'snapshotId' | 'rootHash'> & BackupTotals {
  const { stats } = snapshot;
  return {
    snapshotId: snapshot.id,
    rootHash: snapshot.manifest,
    entries: stats.entries,
    bytes: stats.bytes,
    bytesScanned: stats.bytesScanned,
    bytesNew: stats.bytesNew,
    bytesStored: stats.bytesStored,
    blobsNew: stats.blobsNew,
  };
}

/** One source of a committed backup: its vault snapshot (one per source per run). */
export const backupSourceRecordSchema = backupTotalsSchema.extend({
  name: z.string().min(1),
  type: sourceTypeSchema,
  snapshotId: z.string().min(1),
  /** The manifest root's id: fixes every entry and byte of the snapshot. */
  rootHash: z.string().min(1),
  /** The snapshot this one was written against (reuse by change token), absent for a full read. */
  parentSnapshotId: z.string().min(1).optional(),
  /** Entries that changed while they were read, entries that vanished between listing and reading, entries skipped as unreadable. */
  changedDuringRead: count.optional(),
  vanished: count.optional(),
  skipped: count.optional(),
  /** The first reason lines of the entries skipped (`<key or path>: <why and what to do>`), a few at most: the count is in `skipped`. */
  skippedExamples: z.array(z.string()).optional(),
});
export type BackupSourceRecord = z.infer<typeof backupSourceRecordSchema>;

export const copyStatusSchema = z.enum(['PENDING', 'COMMITTED', 'FAILED']);
export type CopyStatus = z.infer<typeof copyStatusSchema>;

/** A legal hold on a backup (`lifeboat backups hold`): every retention policy keeps it until it is released. */
export const legalHoldSchema = z.object({
  reason: z.string().min(1),
  /** Who set it (the operator's name or ARN, as the CLI knows it). */
  by: z.string().min(1),
  /** When (ISO time). */
  at: z.string().min(1),
});
export type LegalHold = z.infer<typeof legalHoldSchema>;

/**
 * A restore pin (docs/RUNBOOKS.md, "Running restores"): a running restore's claim that retention must
 * keep the backup until `until`. Keyed by the restore's id in the record's `pins`; the restore's last
 * step removes it, and a restore that dies elsewhere leaves it until `until` (its workflow's timeout).
 */
export const restorePinSchema = z.object({
  /** ISO time after which the pin counts for nothing. */
  until: z.string().min(1),
  /** What pinned: `restore <restoreId>`. */
  by: z.string().min(1),
  /** When (ISO time). */
  at: z.string().min(1),
  /**
   * Which invocation of the resolve step wrote the pin (random, per invocation). Every invocation of one
   * execution pins under the same restore id, and a later one overwrites the nonce; a resolve that fails
   * removes the pin only while the nonce is still its own (BackupCatalog.unpinBackup `onlyIf`), so a slow
   * invocation that fails never unpins the restore a retry of it is running. Absent in pins written before it.
   */
  nonce: z.string().min(1).optional(),
});
export type RestorePin = z.infer<typeof restorePinSchema>;

export const backupRecordSchema = z.object({
  backupId: z.string().min(1),
  plan: z.string().min(1),
  environment: z.string().min(1),
  /** Names of the plan's sources, known from planning on (sources[] is filled at commit). */
  sourceNames: z.array(z.string().min(1)),
  /** Per source snapshot and counters; empty until the backup is COMMITTED. */
  sources: z.array(backupSourceRecordSchema),
  /** The strategy applied: an incremental or differential run without any earlier backup to build on is recorded as full. */
  strategy: backupStrategySchema,
  /** What was asked for (schedule or request), when it differs from `strategy`. */
  requestedStrategy: backupStrategySchema.optional(),
  /** Incremental: the latest committed backup; differential: the latest full backup. Its snapshots are the parents. */
  parentBackupId: z.string().min(1).optional(),
  /** The full backup the chain of parents starts from (the parent itself for a differential). */
  baseBackupId: z.string().min(1).optional(),
  status: backupStatusSchema,
  startedAt: z.string().min(1),
  endedAt: z.string().min(1).optional(),
  trigger: z.string().optional(),
  shardCount: count,
  /** Sums over sources, set at commit. */
  totals: backupTotalsSchema.optional(),
  /** Where the backup's data is committed: always the primary vault once COMMITTED; the DR copy is replicated later. */
  copies: z.object({ primary: z.literal('COMMITTED'), dr: copyStatusSchema.optional() }).optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  hold: legalHoldSchema.optional(),
  /**
   * Set on a record a catalog rebuild created (catalog-rebuild.ts), never on the workflow's own nor on a copy Replicate
   * writes into the other region's catalog (replicate-backup.ts, review rR): when, and whether its
   * legal hold was rebuilt (from Object Lock). A hold lives in the catalogs only, so `holdRebuilt: false` means the
   * record may lack a hold it had: a rebuild that finds the record already there (a retried round, the machine run that
   * finishes a failed runbook) counts it in its legal-hold warning again (review rL R1, R2). Informational only: no
   * writer must honour it, so CATALOG_FORMAT stays; a CLI from before it drops it on read and warns of nothing, as it did.
   */
  rebuilt: z.object({ at: z.string().min(1), holdRebuilt: z.boolean() }).optional(),
  /**
   * When retention forgot the backup from the vault of this catalog's region (its snapshot objects
   * deleted there; docs/RUNBOOKS.md, "Retention"). A forgotten backup is kept as a record for the
   * history but cannot be restored or drilled from that vault.
   */
  forgottenAt: z.string().min(1).optional(),
  /** Running restores' pins by restore id (backup-catalog.ts pinBackup): retention keeps the backup while one is live. */
  pins: z.record(z.string(), restorePinSchema).optional(),
  /**
   * Counts the pins ever set. Forget claims a backup only if it is still the count its re-read saw
   * (claimForgetting), so a pin set after that re-read refuses the claim.
   */
  pinVersion: z.number().int().nonnegative().optional(),
  /**
   * When a forget run claimed the backup (claimForgetting), before deleting its snapshot objects: from then
   * on no restore pins it, and the catalog's readers pass over it as over a forgotten one; the run (or a
   * later one) marks it `forgottenAt` once the objects are gone. A later run that keeps the backup with
   * every snapshot still in the vault withdraws the claim (forget-backups.ts).
   */
  forgettingAt: z.string().min(1).optional(),
});
export type BackupRecord = z.infer<typeof backupRecordSchema>;

/** The index item of one source of a committed backup (pk SOURCE#<source>, sk BACKUP#<startedAt>#<backupId>): only what the reads use. */
export const sourceIndexItemSchema = z.object({ backupId: z.string().min(1), strategy: backupStrategySchema });
export type SourceIndexItem = z.infer<typeof sourceIndexItemSchema>;

/** The lease item of a plan (pk LOCK#<plan>, sk LOCK). */
export const planLockItemSchema = z.object({ holder: z.string().min(1), acquiredAt: z.string().optional(), expiresAt: z.number().int(), execution: z.string().min(1).optional() });
export type PlanLockItem = z.infer<typeof planLockItemSchema>;

/**
 * Whether a backup item is a record of the versions before the vault (2026-11-24 and 25, commits 4e123f2 and
 * 7c54507, until 7732852 "Backups into the vault"): `sources` held the plan's source names and there was no
 * `sourceNames`. Those backups were plain copies outside the vault, so the vault holds nothing of them: no reader
 * of this version can use the record, and deleting it loses nothing (docs/DEPLOYMENT.md, "Upgrades").
 */
export function isPreVaultBackupItem(item: Readonly<Record<string, unknown>>): boolean {
  const { sources, sourceNames } = item;
  return sourceNames === undefined && Array.isArray(sources) && sources.length > 0 && sources.every((s) => typeof s === 'string');
}

/**
 * What the raw item of a backup record that does not parse still tells, read attribute by attribute: enough for a
 * reader that passes over it not to act as if it were absent (forget-backups.ts, object-legal-hold.ts).
 */
export type SalvagedBackupItem = {
  /** Its `backupId`, when that is a string. */
  readonly backupId?: string;
  /**
   * Its `startedAt` as the item holds it, parsable or not: the byPlan index's sort key, so a string on every item that
   * index lists. For a reader that chooses the newest backup, to tell whether the record passed over may be newer than
   * the one chosen (lambdas/failover/unreadable-newer-backups.ts).
   */
  readonly startedAt?: string;
  /** A record from before the vault (isPreVaultBackupItem): the vault holds nothing of it. */
  readonly preVault: boolean;
  /** It has a `hold` attribute, readable or not: a legal hold may be on it. */
  readonly mayBeHeld: boolean;
  /** Retention forgot it (its snapshots deleted on purpose): its `forgottenAt` is a non-empty string (marksForget). */
  readonly forgotten: boolean;
  /** The snapshot ids its `sources` name, as far as they read as strings. */
  readonly snapshotIds: readonly string[];
  /**
   * Every entry of its `sources` (a list, not empty) gives a snapshot id: `snapshotIds` are all its snapshots. Judged by
   * the ids alone, not by the sources' names: a name that does not read leaves the id as good. A reader takes it absent
   * (an item built by hand) as not complete.
   */
  readonly snapshotIdsComplete?: boolean;
};

/**
 * Whether a record's `forgottenAt`, as its item holds it, marks a forget: only a non-empty string does (this version's
 * ISO time, or a damaged one). Absent, null, '' or false do not: an item edited by hand or written by a tool that
 * clears the attribute so is no forget, and taking it for one would leave a live backup's lost snapshot unrepaired and
 * uncopied (review r61A F2). Nor does any other value (a number, a map, a list, true): what it means cannot be told, and
 * taking it for a forget let the prune condemn the data of a committed backup whose snapshot object was missing, and
 * failover and drills choose an older backup unwarned (review r61L F1, F2), while taking it for live costs at most a
 * stop that names the item, or a forgotten snapshot copied back. The one reading that the prune's check
 * (lambdas/retention/recorded-snapshots.ts), the forgotten set (lambdas/retention/forgotten-snapshots.ts), retention
 * and failover share for a record that does not validate: what one takes for forgotten, none asks to be kept.
 */
export function marksForget(forgottenAt: unknown): boolean {
  return typeof forgottenAt === 'string' && forgottenAt !== '';
}

export function salvageBackupItem(item: Readonly<Record<string, unknown>>): SalvagedBackupItem {
  const { backupId, startedAt, hold, forgottenAt, sources } = item;
  const snapshotIds: string[] = [];
  const entries = Array.isArray(sources) ? (sources as unknown[]) : [];
  for (const source of entries) {
    const id = typeof source === 'object' && source !== null ? (source as Record<string, unknown>).snapshotId : undefined;
    if (typeof id === 'string' && id !== '') snapshotIds.push(id);
  }
  return {
    ...(typeof backupId === 'string' && backupId !== '' ? { backupId } : {}),
    ...(typeof startedAt === 'string' ? { startedAt } : {}),
    preVault: isPreVaultBackupItem(item),
    mayBeHeld: hold !== undefined,
    forgotten: marksForget(forgottenAt),
    snapshotIds,
    snapshotIdsComplete: entries.length > 0 && snapshotIds.length === entries.length,
  };
}
