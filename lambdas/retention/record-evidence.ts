import { type BackupRecord } from '../catalog/backup-record';
import { CLOCK_SKEW_MS } from '../catalog/future-start';
import { comparedInstant } from '../catalog/compared-instant';
import { recordInstant } from '../catalog/record-instant';
import { shownItemKeyPart } from '../catalog/shown-item-key';
import { shownSnapshotId } from '../catalog/shown-snapshot-id';
import { type SnapshotArrivals } from './snapshot-arrivals';

/** A record the run counts, and when its snapshots reached the vault (the last of them), when the vault says. */
export type CountedRecord = { record: BackupRecord; arrivedAt: string | undefined };

export type RecordEvidence = {
  counted: CountedRecord[];
  /**
   * Committed records none of whose snapshots is in the vault: forged, broken, or forgotten by a run
   * that died before marking them. Never counted; forget may still mark them (it has nothing to delete).
   */
  ghosts: BackupRecord[];
  /** Records neither counted nor forgotten, with why. */
  notCounted: { backupId: string; reason: string }[];
};

/**
 * Weighs a plan's live records against what the vault itself says (docs/SECURITY.md, "Catalog records
 * as an attack"): the catalog of a DR vault in another account is written by the primary account's
 * roles, so a record alone must not decide what the DR account deletes. Left out of the count, each
 * for a reason no backup of this environment can have:
 * - a start after this run's clock (beyond CLOCK_SKEW_MS);
 * - a snapshot that another live record (of any plan: `namers`, snapshot id → backup ids) names too:
 *   a snapshot is one backup's, so one of the two records is forged or broken, and neither may push
 *   other backups out;
 * - a snapshot that reached the vault before the start its record claims (S3's LastModified, which no
 *   writer chooses): a backup's snapshots are written after it starts.
 * The others are counted, with when their snapshots arrived: forget-backups.ts decides at both times.
 * A record's start, snapshot ids and backup ids (and those `namers` gives: a record that cannot be read is named
 * `<its backup id or key> (unreadable)`, raw) are any strings (backupRecordSchema): each is shown escaped in a
 * reason, here and only here, as a newline or ESC in one would forge the report's `not counted` lines (f62T), and
 * cut at 40, a start shown as the instant it parses to: to 200, one spelled another record's delete three lines above
 * the report's real `delete:` lines (review r63U F2). `namers` holds them raw, so that a record is told from another
 * by its own id.
 */
export function weighRecords(live: readonly BackupRecord[], arrivals: SnapshotArrivals, now: Date, namers: ReadonlyMap<string, ReadonlySet<string>>): RecordEvidence {
  const evidence: RecordEvidence = { counted: [], ghosts: [], notCounted: [] };
  const latest = now.getTime() + CLOCK_SKEW_MS;
  const leaveOut = (record: BackupRecord, reason: string): void => {
    evidence.notCounted.push({ backupId: record.backupId, reason: `${reason}; neither counted nor forgotten` });
  };
  for (const record of live) {
    // Zoneless read as UTC, as decideRetention orders them: the same record is not another age on each machine.
    const started = recordInstant(record.startedAt);
    if (Number.isNaN(started)) {
      leaveOut(record, `its startedAt ${shownItemKeyPart(record.startedAt)} is not a time: no rule can place it`);
      continue;
    }
    if (started > latest) {
      leaveOut(record, `starts ${shownStart(record.startedAt)}, after this run's clock (${now.toISOString()}): no backup of this environment does`);
      continue;
    }
    const arrived = record.sources.map((s) => arrivals.get(s.snapshotId)).filter((d): d is Date => d !== undefined);
    if (record.status === 'COMMITTED' && record.sources.length > 0 && arrived.length === 0) {
      evidence.ghosts.push(record);
      continue;
    }
    const shared = record.sources.flatMap((s) => [...(namers.get(s.snapshotId) ?? [])].filter((id) => id !== record.backupId).map((id) => ({ snapshotId: s.snapshotId, id })));
    if (shared.length > 0) {
      leaveOut(record, `its snapshot ${shownSnapshotId(shared[0]?.snapshotId ?? '')} is named by the record of ${[...new Set(shared.map((x) => shownNamer(x.id)))].join(', ')} too`);
      continue;
    }
    const firstArrival = Math.min(...arrived.map((d) => d.getTime()));
    if (arrived.length > 0 && firstArrival < started - CLOCK_SKEW_MS) {
      leaveOut(record, `its snapshot reached this vault at ${new Date(firstArrival).toISOString()}, before the start it claims (${shownStart(record.startedAt)})`);
      continue;
    }
    // An arrival after this run's clock means one of the two clocks is off (a rehearsal run with a set
    // clock, as `lifeboat backups forget` takes in tests): no evidence of age then. In AWS, S3 stamps an
    // object when it is written, so nothing a writer does yields an arrival after the forget's now.
    const lastArrival = Math.max(...arrived.map((d) => d.getTime()));
    evidence.counted.push({ record, arrivedAt: arrived.length > 0 && lastArrival <= latest ? new Date(lastArrival).toISOString() : undefined });
  }
  return evidence;
}

/**
 * A record's start as a reason says it: the instant it was judged as (comparedInstant: a zoneless text as UTC, as
 * recordInstant read it above; parsedInstant showed it in the process's zone, another instant than the one judged:
 * review r65N F5), or that it is none, never the text.
 */
function shownStart(startedAt: string): string {
  return comparedInstant(startedAt) ?? 'a startedAt that is not a time';
}

/** Marks a namer that is an unreadable record's (forget-backups.ts, snapshotNamers): kept whole after the cut id. */
const UNREADABLE = ' (unreadable)';

/** A backup naming a snapshot, cut at 40 as one of a damaged item's keys; an unreadable record's mark kept after it. */
function shownNamer(id: string): string {
  return id.endsWith(UNREADABLE) ? `${shownItemKeyPart(id.slice(0, -UNREADABLE.length))}${UNREADABLE}` : shownItemKeyPart(id);
}
