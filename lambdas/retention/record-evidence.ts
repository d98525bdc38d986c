import { type BackupRecord } from '../catalog/backup-record';
import { type SnapshotArrivals } from './snapshot-arrivals';

/**
 * A backup cannot start later than now, give or take the clocks of the regions involved. A record that
 * says it does was not written by a backup of this environment (or by one whose clock is far off):
 * counted, it would be the "newest backup" that `keepWithin` measures from and that bumps `keepLast`,
 * and every real backup could be forgotten behind it.
 */
export const CLOCK_SKEW_MS = 15 * 60 * 1000;

/**
 * How long after its start a backup's snapshots may reach a vault and still count from the start the
 * record gives: the backup's own run, then replication. A record whose snapshots arrived later counts
 * from their arrival, so a record cannot pass for older than the vault has known its snapshots: a
 * forged record could otherwise claim the daily, weekly and monthly slots of the past and push the real
 * backups there out of every rule. A backup that legitimately reached the vault late (a DR region that
 * was down, a backup that ran for more than a day) only counts as younger, and is kept longer.
 */
export const ARRIVAL_TOLERANCE_MS = 24 * 60 * 60 * 1000;

/** A record the run counts, at the time it counts from (`startedAt` unless its snapshots arrived late). */
export type CountedRecord = { record: BackupRecord; countsFrom: string };

export type RecordEvidence = {
  counted: CountedRecord[];
  /**
   * Committed records none of whose snapshots is in the vault: forged, broken, or forgotten by a run
   * that died before marking them. Never counted; forget may still mark them (it has nothing to delete).
   */
  ghosts: BackupRecord[];
  /** Records neither counted nor forgotten, with why. */
  notCounted: { backupId: string; reason: string }[];
  /** Records counted from their snapshots' arrival instead of their start. */
  retimed: { backupId: string; startedAt: string; countsFrom: string }[];
};

/**
 * Weighs a plan's live records against what the vault itself says (docs/SECURITY.md, "Catalog records
 * as an attack"): the catalog of a DR vault in another account is written by the primary account's
 * roles, so a record alone must not decide what the DR account deletes.
 */
export function weighRecords(live: readonly BackupRecord[], arrivals: SnapshotArrivals, now: Date): RecordEvidence {
  const evidence: RecordEvidence = { counted: [], ghosts: [], notCounted: [], retimed: [] };
  const latestStart = now.getTime() + CLOCK_SKEW_MS;
  for (const record of live) {
    const started = Date.parse(record.startedAt);
    if (started > latestStart) {
      evidence.notCounted.push({ backupId: record.backupId, reason: `starts ${record.startedAt}, after this run's clock (${now.toISOString()}): no backup of this environment does; neither counted nor forgotten` });
      continue;
    }
    const arrived = record.sources.map((s) => arrivals.get(s.snapshotId)).filter((d): d is Date => d !== undefined);
    if (record.status === 'COMMITTED' && record.sources.length > 0 && arrived.length === 0) {
      evidence.ghosts.push(record);
      continue;
    }
    // An arrival after this run's clock means one of the two clocks is off (a rehearsal run with a set
    // clock, as `lifeboat backups forget` takes in tests): no evidence of age then. In AWS, S3 stamps an
    // object when it is written, so nothing a writer does yields an arrival after the forget's now.
    const lastArrival = Math.max(...arrived.map((d) => d.getTime()));
    if (arrived.length > 0 && lastArrival <= latestStart && lastArrival > started + ARRIVAL_TOLERANCE_MS) {
      const countsFrom = new Date(lastArrival).toISOString();
      evidence.retimed.push({ backupId: record.backupId, startedAt: record.startedAt, countsFrom });
      evidence.counted.push({ record, countsFrom });
    } else evidence.counted.push({ record, countsFrom: record.startedAt });
  }
  return evidence;
}
