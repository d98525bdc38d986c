import { isS3PermissionRefusal, mapBounded, type Snapshot, snapshotKey, type SnapshotScanOptions, type UnreadableSnapshot, type Vault } from '../../vault';
import { type BackupCatalog } from './backup-catalog';
import { type BackupRecord, backupRecordSchema, type LegalHold, type BackupSourceRecord, snapshotFieldsOfSource, sourceTypeSchema, sumBackupTotals } from './backup-record';
import { backupIdOfTags, type BackupSnapshotTags, readBackupSnapshotTags } from './backup-snapshot-tags';
import { CatalogItemInvalidError } from './catalog-errors';
import { notPermissionRefusalAdvice } from '../replication/not-permission-refusal-advice';
import { BACKUP_ID_PLACEHOLDER } from './pasted-id-word';
import { type CatalogRebuildMarker } from './catalog-rebuild-marker';
import { compareRebuildOrder, inRebuildOrder, type RebuildPosition } from './catalog-rebuild-order';
import { catalogRebuildSnapshotLimit } from './catalog-rebuild-memory';
import { SCAN_READS, scanTimeCheck, type ScanTimeProjection } from './catalog-rebuild-scan-time';
import { CatalogRebuildTooManySnapshotsError } from './catalog-rebuild-too-many-snapshots-error';

export type { RebuildPosition } from './catalog-rebuild-order';

/**
 * Rebuilds the catalog's records of committed backups from a vault's snapshot objects (issue 11:
 * a lost catalog costs nothing but time). Every backup workflow snapshot is tagged with its run
 * (backup-snapshot-tags.ts); the snapshots of one backup id make one COMMITTED record and its
 * per-source index items, field for field what the commit step wrote.
 *
 * Never a downgrade, and idempotent: a record already in the table is the workflow's own and is
 * kept as it is — RUNNING and FAILED ones included; a COMMITTED one's index items are written again
 * (the same items). It never records a DR copy (copiesOf): only replication vouches for one. A backup with a source's snapshot missing is not recorded (the commit protocol never
 * shows a partial backup), and a catalog record whose snapshot the vault lacks is reported, never
 * changed or deleted: the vault may be the damaged side.
 *
 * Legal holds are not rebuilt: a hold lives in the catalogs only, so every created record lists `hold` among what it
 * does not recover and the report warns once (HOLD_NOT_REBUILT, holdsWarning). Until 2026-12-06 they were dropped
 * without a word (audit c5-3), and retention could forget a backup under a legal hold. On a vault with Object Lock,
 * `lifeboat backups hold` also sets the S3 legal hold on the backup's objects, so a created record whose snapshot
 * objects are held there gets a hold again (HELD_BY_OBJECT_LOCK: its reason and author are in no vault).
 * Each created record says so itself (`rebuilt: { at, holdRebuilt }`), and a rebuild that finds such a record already
 * there counts its hold again (`rebuiltEarlier`): until review rL R1/R2 only the run that created a record said it
 * lacked its hold, so a round retried after a throttle, or the machine run that finishes a failed runbook, found the
 * records `unchanged` and warned of nothing.
 *
 * Newest first, and cut by a deadline (the runbook's Lambda has 15 minutes): a run out of time leaves the catalog
 * holding the newest backups, which a point-in-time restore, latestBackupOfSource and failover choose, and says what
 * is left (`progress`). Until 2026-12-06 it wrote oldest first with no deadline, so a run Lambda killed left only the
 * oldest months, every record COMMITTED, and a DR restore silently chose a backup months old (audit aV1-1). A later
 * round skips what an earlier one of the same run completed (`doneAbove`) from one listing of the plans' records,
 * with no request per backup (audit aV1-2). Every round scans the whole vault first, SCAN_READS objects at once, and to its
 * end: a scan that stopped early at half the round's time (f5c916f4, review rD F1/F2) threw before the marker below was
 * written, and refused vaults a round would have finished. A vault with more snapshots than the function's memory holds
 * is refused once listed, before any is read (CatalogRebuildTooManySnapshotsError, catalog-rebuild-memory.ts), and one
 * whose scan its steady rate shows would leave the round no time to write, as soon as it does (catalog-rebuild-scan-time.ts).
 *
 * Unfinished, it says so in the catalog itself (catalog-rebuild-marker.ts): before its first write it puts a marker
 * holding the position from which the catalog is whole, moves it to where each round stopped, and deletes it once
 * every backup was looked at. A restore by point in time reads it and refuses to choose a backup older than that
 * (BackupCatalog.backupAsOf), which until review rH F2 it did without a word, choosing an older record the table held.
 */

export type VaultSide = 'primary' | 'dr';

/** The catalog operations a rebuild needs (BackupCatalog has them). */
export type RebuildCatalog = Pick<BackupCatalog, 'getBackup' | 'putRebuiltBackup' | 'indexCommittedBackup' | 'listBackupsOfPlan'> & {
  rebuildMarker(): Pick<CatalogRebuildMarker, 'write' | 'remove'>;
};

export type CatalogRebuildDeps = {
  /** The vault the records are rebuilt from. */
  vault: Vault;
  side: VaultSide;
  catalog: RebuildCatalog;
  /** The environment acted on: the record's `environment` for snapshots older than its tag. */
  environment: string;
  /** Plans whose catalog records are checked against the vault (the environment's; plans named by snapshots are added). */
  plans: readonly string[];
  /**
   * Rebuilding from the primary vault: whether the DR vault holds a snapshot object (by name: the
   * replica's objects are the primary's, byte for byte). Given: the DR vault was reached, and rebuilt
   * records get copies.dr PENDING whatever it holds (copiesOf). Absent or null: it could not be
   * reached, and rebuilt records leave copies.dr out (unknown).
   */
  drHolds?: ((snapshotId: string) => Promise<boolean>) | null;
  /** The `at` of a hold recovered from Object Lock, and the clock the deadline is read on (default: the system clock). */
  now?: () => Date;
  /** When to stop writing (ms since the epoch, on `now`'s clock): a backup is started only before it. Absent: no limit (the CLI). */
  deadline?: number;
  /** The function's memory size, which bounds the snapshots a rebuild holds (catalogRebuildSnapshotLimit). Absent: no bound (the CLI). */
  memoryMb?: number;
  /**
   * Where an earlier round of this run stopped (its `progress.resumeBelow`, the last backup it completed): that one and every newer one had
   * its record and index items written then, so one the catalog lists COMMITTED is not indexed again.
   */
  doneAbove?: RebuildPosition;
  /** The command that finishes this rebuild from a machine (catalog-rebuild-command-line.ts), for this run's refusals to name. */
  finishWith?: string;
  /**
   * The command the marker stores, which every operator's refused restore by point in time prints (PointInTimeInRebuildGapError):
   * the function's line (catalogRebuildCommandLine: the environment and --aws), never one machine's --config, which the
   * CLI's own `finishWith` carries (review r57Q F3); a CLI adds what every reader shares (rebuildMarkerCommandLine). Default: `finishWith`.
   */
  markerFinishWith?: string;
};

/**
 * How far the rebuild got: `complete`, or cut by its deadline, all older than `resumeBelow` (absent when it reached none:
 * it is the first round, and the snapshot scan took all its time) not yet looked at. `left` counts those of them the catalog
 * lacks, the records still to create; those it holds already (a partly lost or restored table) only have their index items
 * written again, so counting them would overstate what is missing (review rH F4). A restore by point in time before
 * `resumeBelow.startedAt` is refused until the rebuild is finished (the marker holds it: catalog-rebuild-marker.ts).
 */
export type RebuildProgress = { complete: true } | { complete: false; left: number; resumeBelow?: RebuildPosition };

/**
 * `updated` is no longer given (until 2026-12-05 a rebuild raised copies.dr to COMMITTED when the DR vault held a
 * backup's snapshots); it stays so that summaries keep their shape.
 */
export type RebuildOutcome = 'created' | 'updated' | 'unchanged' | 'kept' | 'skipped';

export type RebuiltBackup = {
  backupId: string;
  plan?: string;
  outcome: RebuildOutcome;
  /** Why it was kept or skipped. */
  note?: string;
  /** Fields of a created record worked out from other data (snapshots older than the full tags). */
  derived?: string[];
  /** Fields a created record lacks, or holds a stand-in for, because its snapshots do not say them. */
  unrecovered?: string[];
  /**
   * An `unchanged` record that an earlier rebuild created (its `rebuilt` field) and that this run had not counted yet (a
   * retried round, a later run): counted in the legal-hold tally as if created here, HOLD_NOT_REBUILT in `unrecovered`
   * when it is still without a hold.
   */
  rebuiltEarlier?: true;
};

export type MissingSnapshots = { backupId: string; plan: string; sources: { source: string; snapshotId: string }[] };

/** The `unrecovered` entry of every created record not held again from Object Lock: a hold is written to the catalogs, not to the vault. */
export const HOLD_NOT_REBUILT = 'hold (a legal hold is kept in the catalogs only, not in the vault: hold it again if it was held)';

/** The reason and author of a hold a rebuild recovers from the S3 legal holds of a backup's snapshot objects. */
export const HELD_BY_OBJECT_LOCK = {
  reason: 'held when the catalog was rebuilt: the S3 legal hold on its snapshot objects is ON; the original reason is not in the vault',
  by: 'catalog rebuild',
} as const;

/** GetObjectLegalHold requests in flight for one backup's snapshot objects (one per source). */
const LEGAL_HOLD_READS = 8;

export type CatalogRebuildReport = {
  vault: VaultSide;
  /** Readable snapshot objects in the vault. */
  snapshots: number;
  /** Snapshots without a backupId tag (not written by the backup workflow, e.g. `lifeboat vault backup`): ignored. */
  untaggedSnapshots: number;
  unreadableSnapshots: UnreadableSnapshot[];
  /** How copies.dr was decided (docs/RUNBOOKS.md, "Catalog rebuild"). */
  drCopies: 'this-vault-is-dr' | 'checked-in-dr-vault' | 'unknown';
  backups: RebuiltBackup[];
  /** COMMITTED catalog records (of the DR copy, for the DR vault) whose snapshots this vault lacks: left as they are. */
  missingFromVault: MissingSnapshots[];
  /** What a reader must act on although nothing was left out (legalHoldWarnings); absent when there is nothing. */
  warnings?: string[];
  /** Why the S3 legal holds of the vault's snapshot objects could not be read (a denied s3:GetObjectLegalHold); absent when they could, or were not asked. */
  legalHoldsUnread?: string;
  /** Whether every backup was looked at; cut by the deadline, `backups` lists only those it reached. */
  progress: RebuildProgress;
};

/**
 * Legal holds of the records a rebuild created: `notRebuilt` created without one, `recovered` held again from Object Lock,
 * `refused` why the S3 legal holds could not be read (a denied s3:GetObjectLegalHold), when they could not.
 * `presumedNotRebuilt`: how many of `notRebuilt` are records of earlier rounds whose holds were not carried (a runbook
 * execution started before the rounds carried them, review rL R4), counted as without a hold since that is not known.
 */
export type LegalHoldTally = { notRebuilt: number; recovered: number; refused?: string; presumedNotRebuilt?: number };

type Candidate = { record: BackupRecord; derived: string[]; unrecovered: string[]; oldShape: boolean };

export async function rebuildCatalog(deps: CatalogRebuildDeps): Promise<CatalogRebuildReport> {
  const clock = deps.now ?? (() => new Date());
  const { snapshots, unreadable } = await deps.vault.scanSnapshots(scanBounds(deps, () => clock().getTime()));
  const byId = new Map(snapshots.map((s) => [s.id, s]));
  const groups = new Map<string, Snapshot[]>();
  let untagged = 0;
  for (const snapshot of snapshots) {
    const backupId = backupIdOfTags(snapshot.tags);
    if (backupId === undefined) untagged++;
    else groups.set(backupId, [...(groups.get(backupId) ?? []), snapshot]);
  }

  const backups: RebuiltBackup[] = [];
  const candidates: Candidate[] = [];
  for (const [backupId, group] of groups) {
    const built = await candidateRecord(backupId, group, byId, deps);
    if ('skipped' in built) backups.push({ backupId, ...(built.plan ? { plan: built.plan } : {}), outcome: 'skipped', note: built.skipped });
    else candidates.push(built);
  }
  const plans = new Set([...deps.plans, ...candidates.map((c) => c.record.plan)]);
  // One listing of the plans' records (a Query page holds hundreds), read before anything is written: what the catalog
  // has needs no GetItem per backup, and a record this run creates has all its snapshots, so it is never missing.
  const listed = new Map<string, BackupRecord>();
  for (const plan of plans) for (const record of await deps.catalog.listBackupsOfPlan(plan)) listed.set(record.backupId, record);
  const rebuilt = new Map(candidates.map((c) => [c.record.backupId, c.record]));
  // Oldest first, in memory, before any write: a derived baseBackupId needs its parent's, derived the same way.
  const ordered = inRebuildOrder(candidates, (c) => c.record);
  for (const candidate of ordered) await deriveBase(candidate, rebuilt, listed, deps.catalog);
  // Written newest first: a run cut short leaves the backups a restore by point in time chooses, not the oldest.
  ordered.reverse();
  const { holdOf, refused } = objectLockHolds(deps);
  const marker = deps.catalog.rebuildMarker();
  const finishWith = deps.markerFinishWith ?? deps.finishWith;
  const mark = async (reliableFrom: RebuildPosition): Promise<void> =>
    marker.write({ reliableFrom: { startedAt: reliableFrom.startedAt, backupId: reliableFrom.backupId }, vault: deps.side, writtenAt: clock().toISOString(), ...(finishWith !== undefined ? { finishWith } : {}) });
  // Before the first write: nothing older than the newest backup (or the earlier round's mark) is known to be there yet.
  const first = deps.doneAbove ?? ordered[0]?.record;
  if (first) await mark(first);
  let progress: RebuildProgress = { complete: true };
  for (const [i, candidate] of ordered.entries()) {
    const done = doneEarlier(candidate.record, listed.get(candidate.record.backupId), deps.doneAbove);
    if (done) {
      backups.push(done);
      continue;
    }
    if (deps.deadline !== undefined && clock().getTime() >= deps.deadline) {
      // Never above where an earlier round stopped (this one may be cut among backups newer than that, new since, with the
      // older ones still done); with nothing reached and no earlier round, everything is left.
      const reached = ordered[i - 1]?.record;
      const last = reached && deps.doneAbove && compareRebuildOrder(reached, deps.doneAbove) > 0 ? deps.doneAbove : (reached ?? deps.doneAbove);
      const left = ordered.slice(i).filter((c) => !listed.has(c.record.backupId)).length;
      progress = { complete: false, left, ...(last ? { resumeBelow: { startedAt: last.startedAt, backupId: last.backupId } } : {}) };
      break;
    }
    // Below an earlier round's mark (or with none) nothing of this run counted a record already there: one an earlier,
    // failed attempt of this round created is counted now. Above it an earlier round counted it (the plan index lagging).
    const uncounted = !deps.doneAbove || compareRebuildOrder(candidate.record, deps.doneAbove) < 0;
    backups.push(await applyCandidate(candidate, deps.catalog, holdOf, listed.get(candidate.record.backupId), { at: clock().toISOString(), uncounted }));
  }
  // Cut: the mark moves to where this round stopped (a round that reached nothing leaves the one written above).
  // Complete: removed, also when an earlier run's was left and this one had nothing to write.
  if (progress.complete) await marker.remove();
  else if (progress.resumeBelow) await mark(progress.resumeBelow);

  const missingFromVault: MissingSnapshots[] = [];
  for (const record of listed.values()) {
    if (record.status !== 'COMMITTED') continue;
    // Retention forgot it (its snapshot objects deleted on purpose): not missing. Until 2026-12-04 every
    // forgotten backup was reported here, so a rebuild after any retention run exited 3 and said to restore.
    if (record.forgottenAt !== undefined) continue;
    // A DR vault is expected to hold only what the catalog says was copied there.
    if (deps.side === 'dr' && record.copies?.dr !== 'COMMITTED') continue;
    const absent = record.sources.filter((s) => !byId.has(s.snapshotId)).map((s) => ({ source: s.name, snapshotId: s.snapshotId }));
    if (absent.length > 0) missingFromVault.push({ backupId: record.backupId, plan: record.plan, sources: absent });
  }
  backups.sort((a, b) => a.backupId.localeCompare(b.backupId));
  const denied = refused();
  const warnings = legalHoldWarnings(legalHoldTally({ backups, ...(denied !== undefined ? { legalHoldsUnread: denied } : {}) }), deps.vault.store.location);
  return {
    vault: deps.side,
    snapshots: snapshots.length,
    untaggedSnapshots: untagged,
    unreadableSnapshots: unreadable,
    drCopies: deps.side === 'dr' ? 'this-vault-is-dr' : deps.drHolds ? 'checked-in-dr-vault' : 'unknown',
    backups,
    missingFromVault,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(denied !== undefined ? { legalHoldsUnread: denied } : {}),
    progress,
  };
}

/**
 * The outcome of a backup an earlier round of this run completed (`doneAbove` or newer), with no request: the
 * listing has its record COMMITTED (that round wrote its index items too) or another status (kept, as then). Undefined
 * when it must be looked at: older than the mark, or not listed (the plan index lags a write by a moment; or its item is
 * not a valid record, which applyCandidate reports).
 */
function doneEarlier(record: BackupRecord, existing: BackupRecord | undefined, doneAbove: RebuildPosition | undefined): RebuiltBackup | undefined {
  if (!doneAbove || !existing || compareRebuildOrder(record, doneAbove) < 0) return undefined;
  const base = { backupId: record.backupId, plan: record.plan };
  if (existing.status !== 'COMMITTED') return { ...base, outcome: 'kept', note: keptNote(existing) };
  return { ...base, outcome: 'unchanged', ...differNote(existing, record) };
}

function keptNote(existing: BackupRecord): string {
  return `the catalog has it ${existing.status}; a rebuild never overrides the workflow's own record (its snapshots are left-overs of that run)`;
}

function differNote(existing: BackupRecord, record: BackupRecord): { note?: string } {
  const differs = existing.sources.some((s) => record.sources.find((r) => r.name === s.name)?.snapshotId !== s.snapshotId);
  return differs ? { note: 'the catalog names other snapshots than the vault holds for this backup; the catalog record is kept' } : {};
}

/** The legal holds of what one rebuild (or round) created, as counts. */
export function legalHoldTally(report: Pick<CatalogRebuildReport, 'backups' | 'legalHoldsUnread'>): LegalHoldTally {
  const created = report.backups.filter((b) => b.outcome === 'created' || b.rebuiltEarlier === true);
  const notRebuilt = created.filter((b) => b.unrecovered?.includes(HOLD_NOT_REBUILT)).length;
  return { notRebuilt, recovered: created.length - notRebuilt, ...(report.legalHoldsUnread !== undefined ? { refused: report.legalHoldsUnread } : {}) };
}

/**
 * The report's warnings of legal holds, from their counts (one run, or the runbook's rounds added up: a later round finds
 * the records an earlier one created, so only the sum says what the run created without a hold). `location`: the vault read.
 */
export function legalHoldWarnings(holds: LegalHoldTally, location: string): string[] {
  return [
    holdsWarning(holds.notRebuilt, holds.recovered),
    holds.refused === undefined
      ? undefined
      : `the S3 legal holds of the snapshot objects in ${location} could not be read (${holds.refused}), so no hold was recovered from Object Lock: ` +
        `s3:GetObjectLegalHold on its snapshots/* must be allowed to the credentials that rebuild by their IAM policy and, for a vault in another account ` +
        `(a DR vault with drAccount), by that bucket's policy too (a DR stack deployed since audit g7-1 allows it there); allow it, or hold the backups again by hand`,
    (holds.presumedNotRebuilt ?? 0) > 0
      ? `${holds.presumedNotRebuilt} of the records counted as not held were created by rounds of this execution that ran before a deploy made the rounds carry their legal holds: ` +
        'whether any was held again from Object Lock is not known, so each is counted as not held'
      : undefined,
  ].filter((w): w is string => w !== undefined);
}


/**
 * Why the created records have no legal hold, and what to do before retention forgets one that had: the lost catalog
 * was one of two places a hold was written (`lifeboat backups hold` writes both regions' catalogs), so the other
 * region's catalog is where to look.
 */
function holdsWarning(notRebuilt: number, recovered: number): string | undefined {
  // The hold line gives no --reason: one given replaced the real reason the other catalog keeps (review r65Q F2), and
  // without one `backups hold` keeps that catalog's hold and writes it where the rebuild left none.
  const fromObjectLock =
    `${recovered} legal hold(s) recovered from Object Lock: the S3 legal hold on the snapshot objects of ${recovered} record(s) created here is ON, ` +
    `so each is held again ("${HELD_BY_OBJECT_LOCK.reason}"); the other region's catalog, the one this rebuild did not write, may keep the original reason.`;
  if (notRebuilt === 0) return recovered > 0 ? fromObjectLock : undefined;
  // The other catalog is named by what this rebuild did not write, not by the vault it read: `--vault dr` writes the
  // primary catalog by default (review r15: the warning sent the operator to the catalog it had just rebuilt).
  return (
    (recovered > 0 ? `${fromObjectLock} ` : '') +
    `legal holds are not rebuilt: a hold is kept in the catalogs only, not in the vault, so none of the ${notRebuilt} ${recovered > 0 ? 'other ' : ''}record(s) created here is held, ` +
    `and retention would forget a backup that was. Before retention next runs, hold each backup under a legal hold again ` +
    `(\`lifeboat backups hold ${BACKUP_ID_PLACEHOLDER}\`: without --reason it sets again the hold the other region's catalog, the one this rebuild did not write, keeps, ` +
    `its reason, by and at, in both catalogs; that catalog keeps the holds written while it was reachable, ` +
    `and your legal cases name the rest: for a backup neither catalog holds, give --reason). On a vault with Object Lock the S3 legal holds on the backups' objects are kept and still stop their deletion.`
  );
}

/**
 * The scan, refused rather than killed with no message: a vault whose snapshots the function's memory cannot hold, before
 * any is read; with a deadline, a scan whose recent reads show, for 10 s on end, it would leave less than
 * SCAN_WRITE_WINDOW_MS of the round to write, or that still reads when only that is left (catalog-rebuild-scan-time.ts,
 * review rK F3, rP F1).
 */
function scanBounds(deps: CatalogRebuildDeps, now: () => number): SnapshotScanOptions {
  const state = deps.doneAbove ? { earlierMark: deps.doneAbove.startedAt } : {};
  let listed = 0;
  let check: ((read: number) => ScanTimeProjection | undefined) | undefined;
  return {
    concurrency: SCAN_READS,
    afterListing: (count) => {
      listed = count;
      const limit = catalogRebuildSnapshotLimit(deps.memoryMb);
      if (deps.memoryMb !== undefined && listed > limit) {
        throw new CatalogRebuildTooManySnapshotsError(listed, { why: 'memory', limit, memoryMb: deps.memoryMb }, deps.finishWith, state);
      }
      if (deps.deadline !== undefined) check = scanTimeCheck(listed, deps.deadline, now);
    },
    afterRead: (read) => {
      const projection = check?.(read);
      // Once: the reads still in flight settle and report too, after the first refusal has stopped the scan.
      if (projection !== undefined) {
        check = undefined;
        throw new CatalogRebuildTooManySnapshotsError(listed, { why: 'time', ...projection }, deps.finishWith, state);
      }
    },
  };
}

/** The COMMITTED record that the snapshots of one backup id stand for, or why there is none. */
async function candidateRecord(backupId: string, group: Snapshot[], byId: Map<string, Snapshot>, deps: CatalogRebuildDeps): Promise<Candidate | { skipped: string; plan?: string }> {
  const tagged: { snapshot: Snapshot; tags: BackupSnapshotTags }[] = [];
  for (const snapshot of group) {
    const read = readBackupSnapshotTags(snapshot.tags);
    if (!read) continue;
    if ('problems' in read) return { skipped: `snapshot ${snapshot.id} has tags this version cannot read (${read.problems.join('; ')}); upgrade Lifeboat if a newer version wrote it` };
    tagged.push({ snapshot, tags: read.tags });
  }
  // Commit writes the sources' snapshots in plan order, so time order is plan order for old snapshots too.
  tagged.sort((a, b) => a.snapshot.time.localeCompare(b.snapshot.time) || a.snapshot.id.localeCompare(b.snapshot.id));
  const first = tagged[0];
  if (!first) return { skipped: 'no readable backup tags' };
  const run = first.tags;
  const oldShape = run.startedAt === undefined;
  const derived: string[] = [];
  const unrecovered: string[] = [];

  const bySource = new Map<string, { snapshot: Snapshot; tags: BackupSnapshotTags }>();
  for (const t of tagged) {
    const other = bySource.get(t.snapshot.source.id);
    if (other) return { plan: run.plan, skipped: `two snapshots of source ${t.snapshot.source.id} (${other.snapshot.id}, ${t.snapshot.id}): left for an operator to decide which one the backup committed` };
    bySource.set(t.snapshot.source.id, t);
  }
  const sourceNames = run.backupSource ?? tagged.map((t) => t.snapshot.source.id);
  if (!run.backupSource) derived.push('sourceNames (from the snapshots found: a source whose snapshot is gone would not be noticed)');
  const missing = sourceNames.filter((n) => !bySource.has(n));
  if (missing.length > 0) {
    return { plan: run.plan, skipped: `incomplete: no snapshot of ${missing.join(', ')} in the ${deps.side} vault; not recorded (a partial backup is never shown as committed), its other snapshots stay in the vault` };
  }
  const extra = [...bySource.keys()].filter((n) => !sourceNames.includes(n));
  if (extra.length > 0) return { plan: run.plan, skipped: `snapshots of ${extra.join(', ')}, which the backup's tags do not name as its sources` };

  const sources: BackupSourceRecord[] = [];
  for (const name of sourceNames) {
    const { snapshot, tags } = bySource.get(name) as { snapshot: Snapshot; tags: BackupSnapshotTags };
    const type = sourceTypeSchema.safeParse(snapshot.source.kind);
    if (!type.success) return { plan: run.plan, skipped: `snapshot ${snapshot.id} is of a source kind "${snapshot.source.kind}" that the backup workflow does not write` };
    const counters = {
      ...(tags.changedDuringRead !== undefined ? { changedDuringRead: tags.changedDuringRead } : {}),
      ...(tags.vanished !== undefined ? { vanished: tags.vanished } : {}),
      ...(tags.skipped !== undefined ? { skipped: tags.skipped } : {}),
    };
    sources.push({
      name,
      type: type.data,
      ...snapshotFieldsOfSource(snapshot),
      ...(snapshot.parent ? { parentSnapshotId: snapshot.parent } : {}),
      ...counters,
    });
  }
  if (oldShape) unrecovered.push('sources[].changedDuringRead, vanished, skipped (left out)');
  // The tags keep the count of entries not backed up whole, not their reason lines (the commit keeps a few in the record).
  else if (sources.some((s) => (s.skipped ?? 0) > 0)) unrecovered.push('sources[].skippedExamples (the snapshot tags keep only the count)');

  const times = tagged.map((t) => t.snapshot);
  let startedAt = run.startedAt;
  if (startedAt === undefined) {
    // A snapshot's durationMs counts from the run's start, so time − durationMs is the start to the millisecond.
    startedAt = new Date(Math.min(...times.map((s) => Date.parse(s.time) - s.stats.durationMs))).toISOString();
    derived.push('startedAt (snapshot time minus its duration, to about a millisecond)');
  }
  const endedAt = times.map((s) => s.time).reduce((a, b) => (a > b ? a : b));
  if (oldShape) derived.push('endedAt (the last snapshot\'s time; the original is the catalog write moments later)');
  if (run.environment === undefined) derived.push(`environment (${deps.environment}, the environment rebuilt)`);
  if (run.requestedStrategy === undefined) unrecovered.push('requestedStrategy (presumed the strategy applied)');
  if (oldShape) unrecovered.push('trigger');
  if (run.shardCount === undefined) unrecovered.push('shardCount (recorded as 0)');

  let parentBackupId = run.parentBackupId;
  if (parentBackupId === undefined && oldShape && run.strategy !== 'full') {
    // The parent run is the newest run among the backups of the parent snapshots (parent-selection.ts).
    const parents = tagged.map((t) => (t.snapshot.parent ? byId.get(t.snapshot.parent) : undefined)).filter((s): s is Snapshot => s !== undefined);
    const newest = parents.sort((a, b) => b.time.localeCompare(a.time))[0];
    parentBackupId = newest ? backupIdOfTags(newest.tags) : undefined;
    derived.push(parentBackupId ? 'parentBackupId (from the parent snapshots\' tags)' : 'parentBackupId (unknown: the parent snapshots are not in this vault)');
  }

  const copies = copiesOf(deps);
  if (!copies.dr) unrecovered.push('copies.dr (the DR vault could not be checked)');
  unrecovered.push(HOLD_NOT_REBUILT);
  const record: BackupRecord = {
    backupId,
    plan: run.plan,
    environment: run.environment ?? deps.environment,
    sourceNames: [...sourceNames],
    sources,
    strategy: run.strategy,
    ...(run.requestedStrategy !== undefined && run.requestedStrategy !== run.strategy ? { requestedStrategy: run.requestedStrategy } : {}),
    ...(parentBackupId ? { parentBackupId } : {}),
    ...(run.baseBackupId ? { baseBackupId: run.baseBackupId } : {}),
    status: 'COMMITTED',
    startedAt,
    endedAt,
    ...(run.trigger !== undefined ? { trigger: run.trigger } : {}),
    shardCount: run.shardCount ?? 0,
    totals: sumBackupTotals(sources),
    copies,
  };
  const valid = backupRecordSchema.safeParse(record);
  if (!valid.success) return { plan: run.plan, skipped: `the snapshots make no valid record: ${valid.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  return { record, derived, unrecovered, oldShape };
}

/**
 * Where the backup is committed. From the DR vault: in both (a backup reaches the DR vault only
 * after its primary commit; the DR vault is what the DR catalog describes). From the primary vault,
 * the DR copy is PENDING even when the DR vault holds every snapshot: held there is not copied
 * (replicate-backup.ts, backupsInDr) — a pass that copied it while a DR prune swept may have left it
 * without packs it reuses, and only a complete pass checks that (vouches for it). A PENDING backup of
 * a plan is what the plan's next Replicate step names: held, it vouches for every snapshot both vaults
 * hold (one mark of the DR vault) and records the backup copied; absent, it copies it. Marked
 * COMMITTED here, no pass would check it again, and a record missing from the DR catalog would be
 * written there on the strength of the listing alone. Whether an earlier attempt had FAILED is in no vault.
 */
function copiesOf(deps: CatalogRebuildDeps): NonNullable<BackupRecord['copies']> {
  if (deps.side === 'dr') return { primary: 'COMMITTED', dr: 'COMMITTED' };
  if (!deps.drHolds) return { primary: 'COMMITTED' };
  return { primary: 'COMMITTED', dr: 'PENDING' };
}

/** baseBackupId of an old snapshot's run, from its parent's record, as parent selection set it. */
async function deriveBase(candidate: Candidate, rebuilt: Map<string, BackupRecord>, listed: Map<string, BackupRecord>, catalog: RebuildCatalog): Promise<void> {
  const { record } = candidate;
  if (!candidate.oldShape || record.baseBackupId || !record.parentBackupId) return;
  const parent = rebuilt.get(record.parentBackupId) ?? listed.get(record.parentBackupId) ?? (await catalog.getBackup(record.parentBackupId).catch(unlessInvalidItem));
  const base = parent ? (parent.strategy === 'full' ? parent.backupId : parent.baseBackupId) : undefined;
  if (base) {
    record.baseBackupId = base;
    candidate.derived.push('baseBackupId (from the parent backup)');
  } else candidate.unrecovered.push('baseBackupId');
}

/** An invalid catalog item reads as no record (the base stays unrecovered); any other error stops the rebuild. */
function unlessInvalidItem(err: unknown): undefined {
  if (err instanceof CatalogItemInvalidError) return undefined;
  throw err;
}

/**
 * Writes a candidate where the catalog has no record, or reconciles it with the one there. `listed`: its record as the
 * listing read it; absent, the conditional put tells whether one exists (an item the listing passed over as invalid, or
 * one written since, is then read).
 */
async function applyCandidate(
  candidate: Candidate,
  catalog: RebuildCatalog,
  holdOf: HoldOf,
  listed: BackupRecord | undefined,
  run: { at: string; uncounted: boolean },
): Promise<RebuiltBackup> {
  const { record } = candidate;
  const base = { backupId: record.backupId, plan: record.plan };
  let existing: BackupRecord | undefined = listed;
  try {
    // Read only for a record about to be created: a kept record keeps its own hold.
    const hold = existing ? undefined : await holdOf(record);
    if (hold) {
      record.hold = hold;
      candidate.unrecovered = candidate.unrecovered.filter((u) => u !== HOLD_NOT_REBUILT);
    }
    record.rebuilt = { at: run.at, holdRebuilt: hold !== undefined };
    if (!existing && (await catalog.putRebuiltBackup(record))) {
      await catalog.indexCommittedBackup(record);
      return {
        ...base,
        outcome: 'created',
        ...(candidate.derived.length ? { derived: candidate.derived } : {}),
        ...(candidate.unrecovered.length ? { unrecovered: candidate.unrecovered } : {}),
      };
    }
    // Written by someone else between the read and the conditional put: theirs stands.
    existing ??= await catalog.getBackup(record.backupId);
  } catch (err) {
    if (err instanceof CatalogItemInvalidError) return { ...base, outcome: 'kept', note: err.message };
    throw err;
  }
  if (!existing) return { ...base, outcome: 'skipped', note: 'its record vanished while it was rebuilt; run the rebuild again' };
  if (existing.status !== 'COMMITTED') return { ...base, outcome: 'kept', note: keptNote(existing) };
  await catalog.indexCommittedBackup(existing);
  // Its copies.dr stays as it is, even when the DR vault holds its snapshots: only replication vouches for a DR copy (copiesOf).
  return { ...base, outcome: 'unchanged', ...differNote(existing, record), ...(run.uncounted ? rebuiltEarlier(existing) : {}) };
}

/**
 * A record found in the catalog that a rebuild created: counted in the legal-hold tally again as it was created, without
 * a hold or held again from Object Lock. One whose hold changed since (held by an operator, or its rebuilt hold released)
 * is not counted: someone decided its hold after the rebuild.
 */
function rebuiltEarlier(existing: BackupRecord): Pick<RebuiltBackup, 'rebuiltEarlier' | 'unrecovered'> {
  if (existing.rebuilt === undefined || existing.rebuilt.holdRebuilt !== (existing.hold !== undefined)) return {};
  return existing.rebuilt.holdRebuilt ? { rebuiltEarlier: true } : { rebuiltEarlier: true, unrecovered: [HOLD_NOT_REBUILT] };
}

type HoldOf = (record: BackupRecord) => Promise<LegalHold | undefined>;

/** The S3 legal hold of a snapshot object could not be read (an outage, a 403 that is no want of s3:GetObjectLegalHold): the rebuild stops rather than guess; what it wrote stays. */
export class LegalHoldUnreadError extends Error {
  override readonly name = 'LegalHoldUnreadError';
}

/**
 * The hold of a record rebuilt from a vault with Object Lock: `backups hold` sets the S3 legal hold on every object of
 * the backup, its snapshot objects included, so an ON one means it was held. One GetObjectLegalHold per snapshot
 * object; a store without Object Lock (memory, a directory) has no `legalHold`, and an S3 bucket without it answers
 * null once, after which nothing more is asked.
 */
function objectLockHolds(deps: CatalogRebuildDeps): { holdOf: HoldOf; refused: () => string | undefined } {
  const store = deps.vault.store;
  const read = store.legalHold?.bind(store);
  let noObjectLock = read === undefined;
  // A denied read (no s3:GetObjectLegalHold in the credentials' IAM policy, or in another account's bucket policy) does not stop a
  // rebuild, often run in a disaster: the records are written without holds and a warning says why (see below).
  let refused: string | undefined;
  const holdOf: HoldOf = async (record) => {
    if (noObjectLock || !read) return undefined;
    const states = await mapBounded(record.sources, LEGAL_HOLD_READS, (s) =>
      read(snapshotKey(s.snapshotId)).catch((err: unknown) => {
        const problem = err instanceof Error ? err.message : String(err);
        // Only a want of s3:GetObjectLegalHold goes on unheld: a 403 for the clock or the credentials (RequestTimeTooSkewed,
        // InvalidAccessKeyId) refuses every request alike, so the run stops and says what S3 did (review r65M F4).
        if (isS3PermissionRefusal(err)) {
          refused ??= problem;
          return null;
        }
        const notRefusal = notPermissionRefusalAdvice(err, 'run the rebuild', 'the rebuild');
        throw new LegalHoldUnreadError(
          `the S3 legal hold of snapshot ${s.snapshotId} (backup ${record.backupId}) could not be read (${problem}), and a rebuild reads it to hold again a backup held under Object Lock; ` +
            (notRefusal === undefined ? `run the rebuild again (the records it wrote stay)` : `${notRefusal} (the records it wrote stay)`),
          { cause: err },
        );
      }),
    );
    if (states.includes(null)) {
      noObjectLock = true;
      return undefined;
    }
    if (!states.includes(true)) return undefined;
    return { ...HELD_BY_OBJECT_LOCK, at: (deps.now?.() ?? new Date()).toISOString() };
  };
  return { holdOf, refused: () => refused };
}
