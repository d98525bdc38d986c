import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { DEFAULT_REPLICATION_LAG_MINUTES } from '../../lib/lifeboat-defaults';
import { type BackupRecord, type BackupStatus, type CopyStatus } from '../../lambdas/catalog/backup-record';
import { type DrillRecord } from '../../lambdas/catalog/drill-record';
import { startsInFuture } from '../../lambdas/catalog/future-start';
import { newestFirst } from '../../lambdas/catalog/newest-first';
import { recordInstant } from '../../lambdas/catalog/record-instant';
import { listedOutstanding, type NotListedGroup, type OutstandingScrubObject, type ScrubRunRecord } from '../../lambdas/catalog/scrub-record';
import { otherCopyKind, type OtherCopyKind } from '../../lambdas/catalog/other-copy-kind';
import { inCarriedLostGroup } from '../../lambdas/catalog/scrub-carried-group-entries';
import { groupLost } from '../../lambdas/catalog/scrub-group-lost';
import { failingDrills, lastDrillsByVault, type LastDrills, type LastDrillStatus, newestDrillStatus } from './drill-status';
import { type DrillScheduleStatus } from './drill-schedule-status';
import { type SourceMirrorStatus } from './mirror-status';
import { type NextRun } from './next-run';
import { type PruneStatus } from './prune-status';
import { secondsBetween } from '../../lambdas/operations/seconds-between';
import { idFromKey, SNAPSHOTS_PREFIX } from '../../vault';

/**
 * One plan's line of `lifeboat status`, computed from what the catalogs hold (no I/O here, so the
 * rules are unit-tested). The plan is within its objectives when its newest committed backup is no
 * older than the RPO, the newest drill of each vault that has been drilled PASSED (drill-status.ts: a
 * PASSED primary drill does not vouch for the DR region), and each mirror of its sources is within them
 * (mirror-status.ts: last check passed, not older than twice the check's schedule, lag within the
 * RPO), and the newest backup the DR vault holds is no older than the RPO plus the replication-lag
 * threshold (the rule of the plan's dr-copy-age alarm: DrCopyObjectiveStatus), and no object the scrub found with no good
 * copy in either vault, still outstanding, hits one of its committed backups (ScrubStatus; an object whose other copy is
 * an archived copy, not verified, is a warning, not judged); only these decide the ✓/✗ and the exit code. Vault figures, prune and the rest of the scrub are shown, not judged. A record that starts
 * further ahead of now than clock skew explains (lambdas/catalog/future-start.ts) is judged by none of
 * these, as the backup-age watchdog passes it over: it is listed in `lastBackup.inFuture`, shown with `!`. So is one whose
 * startedAt is no time (`lastBackup.untimed`). The others are judged newest first by the instant their start stands for
 * (newest-first.ts), not in the catalog's (text) order.
 */

export { type DrillObjectiveStatus, type LastDrills, type LastDrillStatus } from './drill-status';

export type LastBackupStatus = {
  /** The newest run of any status: a FAILED or RUNNING one after the last commit is shown next to it. */
  newest?: { backupId: string; status: BackupStatus; startedAt: string; error?: string };
  /** The newest COMMITTED backup: its age (from its start, what a restore of it loses) against the RPO. */
  /** `leftOut`: the source entries that backup did not hold (archived S3 objects, unreadable files), per source; shown, not judged. */
  lastCommitted?: { backupId: string; startedAt: string; endedAt?: string; ageSeconds: number; leftOut?: { entries: number; bySource: Record<string, number> } };
  rpoSeconds: number;
  withinRpo: boolean;
  /**
   * Records of any status that start more than FUTURE_START_TOLERANCE_MS after now, newest first: the clock that wrote
   * them or the catalog is wrong. Left out of `newest`, `lastCommitted` and the DR copy (each would read 0 s old until
   * that date and hide a plan whose backups stopped); the vault figures count them. Absent when there is none.
   */
  inFuture?: { backupId: string; status: BackupStatus; startedAt: string }[];
  /**
   * Records of any status whose startedAt is no time (recordInstant: NaN; a hand-edited record), in catalog order. Left
   * out of `newest`, `lastCommitted` and the DR copy as `inFuture` ones are (their age is unknown: measured, the plan read
   * "NaNd ago" and ✗ while the age watch passed them over and was OK); the vault figures count them. Absent when none.
   */
  untimed?: { backupId: string; status: BackupStatus; startedAt: string }[];
};

/**
 * How far the DR vault is behind the primary: the newest committed backup against the newest one
 * whose DR copy is COMMITTED. `lagSeconds` is the difference of their start times: what a restore
 * from the DR region loses beyond a restore from the primary. `newestCopy` is the DR copy state of
 * the newest backup (PENDING while its Replicate step runs, FAILED when replication failed).
 */
export type DrCopyStatus =
  | { state: 'up-to-date'; backupId: string }
  | { state: 'behind'; lagSeconds: number; newestCopied: string; newestCommitted: string; newestCopy: CopyStatus | 'NOT_RECORDED' }
  | { state: 'none-copied'; newestCommitted: string; newestCopy: CopyStatus | 'NOT_RECORDED' }
  | { state: 'no-backup' }
  /** Read from the DR catalog because the primary's could not be: nothing to compare the DR copies with. */
  | { state: 'primary-unreadable' };

/**
 * The DR copy against the rule of the plan's dr-copy-age alarm (lib/constructs/lifeboat-operations.ts):
 * the newest backup the DR vault holds (committed, DR copy COMMITTED), aged from its start as the
 * watchdog ages it, is within `objectiveSeconds` = the RPO + the environment's replication-lag
 * threshold (`notifications.replicationLagMinutes`, default DEFAULT_REPLICATION_LAG_MINUTES); with no
 * such backup it is not (the alarm, on missing data, is in ALARM too). A restore from the DR region
 * loses at least that age. Absent when not judged apart: the plan has no committed backup, or its
 * backups were read from the DR catalog (the RPO is then judged on what the DR vault holds).
 */
export type DrCopyObjectiveStatus = { newestCopied?: { backupId: string; ageSeconds: number }; objectiveSeconds: number; met: boolean };

/**
 * The plan's share of the vault. `storedBytes`: the sum of `totals.bytesStored` over the plan's
 * committed backups — the compressed, encrypted bytes each one added to the vault (chunks another
 * plan wrote first count for that plan; what a prune frees is not subtracted). `dedupRatio`: the
 * logical bytes of all those backups (what restoring each of them would write) ÷ `storedBytes`;
 * undefined when nothing is stored.
 */
export type VaultUsage = { committedBackups: number; latestLogicalBytes: number; logicalBytes: number; storedBytes: number; dedupRatio?: number };

/**
 * Damage earlier scrub runs found that the latest run did not read again (its slice or its vault did not cover it): still
 * there, as far as anyone knows (scrub-record.ts, `outstanding`). `objects` counts keys; `outcome` is DAMAGED when one has
 * no good copy; `since` is when the first of them was found.
 */
export type OutstandingScrubDamage = { objects: number; outcome: 'DAMAGED' | 'REPAIRABLE'; since: string };

/**
 * The environment's latest scrub (scrubs cover whole vaults), the damage earlier runs found that it did not read again
 * (`outstanding`), and the backups of this plan that objects with no good copy hit (found by it or outstanding): any
 * makes the plan ✗.
 */
export type ScrubStatus =
  | { state: 'never' }
  | { state: 'unreadable' }
  | {
      state: 'ran';
      startedAt: string;
      /** Absent when `startedAt` is no time (a hand-edited record): its age is unknown, not NaN (review r65T F2). */
      ageSeconds?: number;
      outcome: ScrubRunRecord['outcome'];
      scope: ScrubRunRecord['scope'];
      /**
       * The plan's committed backups an object with no good copy in either vault hits: those the scrub named, and those
       * whose sources list a lost snapshot object, which the catalog names (backupsOfLostSnapshots; review r58F F2).
       */
      affectedBackupsOfPlan: string[];
      /**
       * Backups of this plan (not among `affectedBackupsOfPlan`) that objects whose other copy is an archived copy, not
       * verified, hit: not restorable from the vault the object is bad in until a thaw, probably restorable after it.
       * Shown as a warning, not judged (the copy is most likely good). Absent when none.
       */
      archivedCopyBackupsOfPlan?: string[];
      /**
       * As `archivedCopyBackupsOfPlan`, for objects whose other copy a run's deadline left unread (`otherCopy:
       * 'unverified'`): a scrub with repair reads and copies it, the next one a missing object, one whose slice holds it a
       * corrupt one. Absent when none.
       */
      unverifiedCopyBackupsOfPlan?: string[];
      /** The problems of the objects behind `unverifiedCopyBackupsOfPlan` (the advice differs: whenRepairedAgain). Absent with it. */
      unverifiedCopyProblems?: ('corrupt' | 'missing')[];
      /**
       * As `unverifiedCopyBackupsOfPlan`, for objects whose other copy's read was refused (`otherCopyRefused`): the next
       * scrub is refused the same way, so no scrub verifies it until the permission is fixed (review r63AB F2). Not among
       * `unverifiedCopyBackupsOfPlan`. Absent when none.
       */
      refusedCopyBackupsOfPlan?: string[];
      /** The problems of the objects behind `refusedCopyBackupsOfPlan` (a corrupt one is read again by a scrub whose slice holds it). Absent with it. */
      refusedCopyProblems?: ('corrupt' | 'missing')[];
      /**
       * Objects with no good copy in either vault whose backups no run worked out (scrub-record.ts,
       * `backupsNotWorkedOut`: a scheduled run's deadline cut the mapping): they may hit any backup of the environment's
       * vault, so every plan is ✗ until a scrub names them (review rS F1). `keys`: the first few, sorted; `vaults`: those a
       * scrub must read to name them all (the primary for every object outstanding there, the DR vault for the others).
       * Never a snapshot object: its backup is the one whose sources list it, among `affectedBackupsOfPlan` (review r58F F1, F2).
       */
      lostWithoutBackups?: LostWithoutBackups;
      /**
       * Copied-in snapshot objects the record only counts (scrub-record.ts, `copiedInNotListed`), some with no good copy
       * in either vault: neither their ids nor their backups are kept, so they may hit any backup of the environment and
       * every plan is ✗, from the run that counted them on, until an operator verifies those backups and clears the
       * count (review r57W F2). `since`, `until`: the first and the latest run that counted some. Absent when none.
       */
      copiedInLostNotListed?: { count: number; since: string; until?: string };
      /**
       * Objects the record only counts, in groups some of which have no good copy in either vault (scrub-record.ts,
       * `notListedGroups`, judged by groupLost) and whose backups the record does not name (no `backupsKnown`: carried
       * from an earlier run, or the mapping cut): a group keeps neither their keys nor their backups, so they may hit any
       * backup and every plan is ✗ until a run reads them again with its mapping worked out (review r65J F1). A group carried by runs that left the other vault unread
       * (the DR vault unopened) came with no backups and a CLEAN or REPAIRABLE run, and the plan read "within
       * objectives" while its scrub cell said "still DAMAGED" (review r65A F1, F5). `since`: the earliest found.
       */
      lostNotListed?: { count: number; since: string; backupsNotListed?: number };
      outstanding?: OutstandingScrubDamage;
      /**
       * The run's deadline came before it read its whole slice (scrub-record.ts, `cut`): shown, not judged, since the
       * next run goes on from where it stopped; cut day after day, the fraction is too large. Absent when it was not.
       */
      cut?: true;
    };

export type PlanStatus = {
  plan: string;
  /**
   * The catalog the backups were read from: the primary's, or, when it cannot be read (a primary
   * region outage), the DR region's, which lists exactly the backups whose copies are in the DR vault
   * — then the RPO is that of what the DR region can restore.
   */
  catalog: 'primary' | 'dr';
  withinObjectives: boolean;
  lastBackup: LastBackupStatus;
  nextRun: NextRun;
  /** The newest drill of either vault, whatever its verdict: shown for compatibility, not what is judged. */
  lastDrill?: LastDrillStatus;
  /** The newest drill of each vault drilled: what the ✓/✗ and the exit code follow. */
  lastDrills: LastDrills;
  /**
   * The plan's drill schedule against its newest drill of the vault it drills (drill-schedule-status.ts, the drill-age
   * alarm's rule): stale makes the plan ✗. Absent without a drill schedule or a drill of that vault (environment-status.ts sets it).
   */
  drillSchedule?: DrillScheduleStatus;
  drCopy: DrCopyStatus;
  /** The DR copy's age against the dr-copy-age alarm's rule: what the ✓/✗ follows; absent when not judged apart. */
  drCopyObjective?: DrCopyObjectiveStatus;
  vault: VaultUsage;
  scrub: ScrubStatus;
  /**
   * The last prune of the primary vault, the plan's; `unreadable` (with the reason) when the backups were
   * read from the DR catalog because the primary's could not be (the DR vault's prune is the environment's own line).
   */
  prune: PruneStatus;
  /** Each mirrored source of the plan, in config order; empty when none is mirrored. */
  mirrors: SourceMirrorStatus[];
};

export type PlanStatusInput = {
  plan: Pick<ProtectionPlanConfig, 'name' | 'objectives'>;
  /** The plan's backups in the catalog read, newest first (BackupCatalog.listBackupsOfPlan). */
  backups: readonly BackupRecord[];
  /** @default 'primary' */
  catalog?: 'primary' | 'dr';
  /** The plan's drills from both regions' catalogs, any order. */
  drills: readonly DrillRecord[];
  /** The environment's latest scrub run; 'unreadable' when the scrub log could not be read. */
  latestScrub?: ScrubRunRecord | 'unreadable';
  nextRun: NextRun;
  /** The last prune of the plan's (primary) vault. @default { state: 'never' } */
  prune?: PruneStatus;
  /** The plan's mirrored sources (mirror-status.ts). @default [] */
  mirrors?: readonly SourceMirrorStatus[];
  /** The environment's replication-lag threshold, `notifications.replicationLagMinutes` in seconds. @default DEFAULT_REPLICATION_LAG_MINUTES × 60 */
  replicationLagSeconds?: number;
  now: Date;
};

/**
 * The backups of a plan whose scrub damage its row shows: committed, and not forgotten nor being forgotten (a backup
 * retention forgot is no longer restorable by design: damage hitting only it is not the plan's). The environment's
 * line for objects no row names asks the same of every configured plan (environment-status.ts, review rQ F3).
 */
export function scrubJudgedBackupIds(backups: readonly BackupRecord[]): Set<string> {
  return new Set(backups.filter((b) => b.status === 'COMMITTED' && b.forgottenAt === undefined && b.forgettingAt === undefined).map((b) => b.backupId));
}

export function planStatus(input: PlanStatusInput): PlanStatus {
  const inFuture = input.backups.filter((b) => startsInFuture(b.startedAt, input.now));
  const untimed = input.backups.filter((b) => Number.isNaN(recordInstant(b.startedAt)));
  // The catalog lists by the start's text: an offset or zoneless start, or one that is no time, is out of place there
  // (review r64U F1: 'hand-edited' sorted first and was shown as the last committed backup, NaNd old, the plan ✗).
  const judged = newestFirst(input.backups.filter((b) => !inFuture.includes(b) && !untimed.includes(b)));
  const committed = judged.filter((b) => b.status === 'COMMITTED');
  const stored = input.backups.filter((b) => b.status === 'COMMITTED');
  const lastBackup = lastBackupStatus(input, judged, committed[0]);
  if (inFuture.length > 0) lastBackup.inFuture = inFuture.map((b) => ({ backupId: b.backupId, status: b.status, startedAt: b.startedAt }));
  if (untimed.length > 0) lastBackup.untimed = untimed.map((b) => ({ backupId: b.backupId, status: b.status, startedAt: b.startedAt }));
  const lastDrill = newestDrillStatus(input.drills, input.now);
  const lastDrills = lastDrillsByVault(input.drills, input.now);
  const drillOk = failingDrills(lastDrills).length === 0;
  const committedIds = scrubJudgedBackupIds(input.backups);
  const catalog = input.catalog ?? 'primary';
  const drCopyObjective = catalog === 'dr' || committed.length === 0 ? undefined : drCopyObjectiveStatus(input, committed);
  const scrub = scrubStatus(input.latestScrub, committedIds, input.backups, input.now);
  // A backup with an object no vault holds a good copy of cannot be restored whole: the plan is not within its objectives.
  const scrubOk = scrub.state !== 'ran' || (scrub.affectedBackupsOfPlan.length === 0 && scrub.lostWithoutBackups === undefined && scrub.copiedInLostNotListed === undefined && scrub.lostNotListed === undefined);
  return {
    plan: input.plan.name,
    catalog,
    withinObjectives: lastBackup.withinRpo && drillOk && (drCopyObjective?.met ?? true) && (input.mirrors ?? []).every((m) => m.withinObjectives) && scrubOk,
    lastBackup,
    nextRun: input.nextRun,
    ...(lastDrill ? { lastDrill } : {}),
    lastDrills,
    drCopy: catalog === 'dr' ? { state: 'primary-unreadable' } : drCopyStatus(committed),
    ...(drCopyObjective ? { drCopyObjective } : {}),
    vault: vaultUsage(stored),
    scrub,
    prune: input.prune ?? { state: 'never' },
    mirrors: [...(input.mirrors ?? [])],
  };
}

function scrubStatus(latest: PlanStatusInput['latestScrub'], committedIds: ReadonlySet<string>, backups: readonly BackupRecord[], now: Date): ScrubStatus {
  if (latest === 'unreadable') return { state: 'unreadable' };
  if (!latest) return { state: 'never' };
  // Copied-in entries are listed apart from the others (review r57U U2): the backups of both are judged.
  const objects = listedOutstanding(latest.outstanding);
  // What this run found is its outcome; what runs before it found and it did not read again is shown beside it.
  const earlier = objects.filter((o) => o.since < latest.startedAt);
  const lost = objects.filter(isLost);
  const lostBackups = [...lost.flatMap((o) => o.backups), ...backupsOfLostSnapshots(lost, backups)];
  const hit = [...new Set([...latest.affectedBackups, ...lostBackups])].filter((id) => committedIds.has(id)).sort();
  const ofPlan = (o: OutstandingScrubObject): string[] => o.backups.filter((id) => committedIds.has(id) && !hit.includes(id));
  const ofOtherCopy = (kind: OtherCopyKind): string[] => [...new Set(objects.filter((o) => otherCopyKind(o) === kind).flatMap(ofPlan))].sort();
  const archivedCopy = ofOtherCopy('archived');
  const unverifiedCopy = ofOtherCopy('unverified');
  const refusedCopy = ofOtherCopy('refused');
  const problemsOf = (kind: OtherCopyKind): ('corrupt' | 'missing')[] => [...new Set(objects.filter((o) => otherCopyKind(o) === kind && ofPlan(o).length > 0).map((o) => o.problem))].sort();
  return {
    state: 'ran',
    startedAt: latest.startedAt,
    ...(Number.isNaN(recordInstant(latest.startedAt)) ? {} : { ageSeconds: secondsBetween(latest.startedAt, now) }),
    outcome: latest.outcome,
    scope: latest.scope,
    affectedBackupsOfPlan: hit,
    ...(archivedCopy.length > 0 ? { archivedCopyBackupsOfPlan: archivedCopy } : {}),
    ...(unverifiedCopy.length > 0 ? { unverifiedCopyBackupsOfPlan: unverifiedCopy, unverifiedCopyProblems: problemsOf('unverified') } : {}),
    ...(refusedCopy.length > 0 ? { refusedCopyBackupsOfPlan: refusedCopy, refusedCopyProblems: problemsOf('refused') } : {}),
    ...lostWithoutBackups(objects),
    ...copiedInLostNotListed(latest),
    ...lostNotListed(latest),
    ...outstandingDamage(latest, earlier),
    ...(latest.cut ? { cut: true as const } : {}),
  };
}

function outstandingDamage(latest: ScrubRunRecord, earlier: NonNullable<ScrubRunRecord['outstanding']>['objects']): { outstanding?: OutstandingScrubDamage } {
  const o = latest.outstanding;
  // Objects past the listed ones are counted only, in groups that say whether some have no copy in the other vault
  // (`lost`): the listed ones may all be gone while the counted ones have a good copy (review rB F2). A group of a record
  // from before that flag is judged by the last listed object (listed with no good copy first, so one without shows them
  // DAMAGED too). Only the groups earlier runs found are shown here, as the listed objects are: the latest run's own
  // are its outcome, and counted here they made an earlier group with a good copy read DAMAGED (review rE F3). A record
  // from before groups has one count, with the earliest `since` of all.
  const last = o?.objects.at(-1);
  const lastLost = last === undefined || isLost(last);
  const groups: readonly NotListedGroup[] | undefined = o?.notListedGroups?.length ? o.notListedGroups : undefined;
  const legacy = o && o.notListed > 0 && o.notListedSince !== undefined ? [{ count: o.notListed, since: o.notListedSince }] : [];
  // Copied-in entries past the record's list are counted as a group is (scrub-record.ts, `copiedInNotListed`).
  const copiedInCounted = o?.copiedInNotListed ? [o.copiedInNotListed] : [];
  const unlisted = earlierUnlisted([...(groups ?? legacy), ...copiedInCounted], latest.startedAt, lastLost);
  if (earlier.length === 0 && !unlisted) return {};
  const since = [...earlier.map((e) => e.since), ...(unlisted ? [unlisted.since] : [])].sort()[0] ?? latest.startedAt;
  const lost = earlier.some(isLost) || (unlisted?.lost ?? false);
  // An entry listed within the range of an earlier lost group carried for it (its other copy unread) may be one the group
  // counts: counted in both, 2 bad objects read "4 still DAMAGED", every run (review r65A F4).
  const inCarried = inCarriedLostGroup(latest);
  const listedApart = new Set(earlier.filter((e) => !inCarried(e)).map((e) => e.key)).size;
  return { outstanding: { objects: listedApart + (unlisted?.count ?? 0), outcome: lost ? 'DAMAGED' : 'REPAIRABLE', since } };
}

/** Of the groups of unlisted objects, those found before `startedAt` (the latest run's): their count, earliest `since`, whether any is lost. */
function earlierUnlisted(groups: readonly Pick<NotListedGroup, 'count' | 'since' | 'lost'>[], startedAt: string, lastLost: boolean): { count: number; since: string; lost: boolean } | undefined {
  const earlier = groups.filter((g) => g.since < startedAt);
  const since = earlier.map((g) => g.since).sort()[0];
  if (since === undefined) return undefined;
  return { count: earlier.reduce((n, g) => n + g.count, 0), since, lost: earlier.some((g) => g.lost ?? lastLost) };
}

/**
 * The groups of unlisted objects the record counts with some lost and their backups unknown (ScrubStatus,
 * `lostNotListed`); nothing when none. A group the record's run counted with its mapping worked out (`backupsKnown`)
 * has its backups among `affectedBackups`, judged per plan as listed losses are: an orphan pack's (no backup) judges no
 * plan; as every plan's, a plan with none of its objects was ✗, and so was every plan after `backups forget --lost`
 * till prune deleted the orphans (review r65J F1).
 */
function lostNotListed(latest: ScrubRunRecord): { lostNotListed?: { count: number; since: string; backupsNotListed?: number } } {
  const o = latest.outstanding;
  if (!o) return {};
  // A record from before groups has one count, judged as its group would be (by the last listed object).
  const groups: readonly Pick<NotListedGroup, 'count' | 'since' | 'lost' | 'backupsKnown'>[] = o.notListedGroups?.length ? o.notListedGroups : o.notListed > 0 ? [{ count: o.notListed, since: o.notListedSince ?? latest.startedAt }] : [];
  // A record that lists only some of the backups its run hit (`affectedBackupsNotListed`) may not list a group's: a plan
  // whose damaged backups fell past the cap read "within objectives" (review r65S F1).
  const allListed = (latest.affectedBackupsNotListed ?? 0) === 0;
  const lost = groups.filter((g) => groupLost(g, o) && !(g.backupsKnown === true && allListed));
  const since = lost.map((g) => g.since).sort()[0];
  if (since === undefined) return {};
  // Past the cap a scrub that hits the same backups names no more of them: the advice says so (review r65X F2).
  const pastCap = latest.affectedBackupsNotListed ?? 0;
  return { lostNotListed: { count: lost.reduce((n, g) => n + g.count, 0), since, ...(pastCap > 0 ? { backupsNotListed: pastCap } : {}) } };
}

/** The lost copied-in entries the record only counts (ScrubStatus, `copiedInLostNotListed`); nothing when none. */
function copiedInLostNotListed(latest: ScrubRunRecord): { copiedInLostNotListed?: { count: number; since: string; until?: string } } {
  const counted = latest.outstanding?.copiedInNotListed;
  if (counted === undefined || !counted.lost) return {};
  return { copiedInLostNotListed: { count: counted.count, since: counted.since, ...(counted.until !== undefined ? { until: counted.until } : {}) } };
}

/** No good copy, and no copy in the other vault not yet verified (archived, or left unread by a deadline: REPAIRABLE). */
const isLost = (o: OutstandingScrubObject): boolean => !o.goodCopy && o.otherCopy === undefined;

/**
 * The plan's backups whose sources list a snapshot object of `lost` (BackupRecord.sources[].snapshotId). A snapshot
 * object is its own backup's, and the catalog says whose: a scrub's mapping names its backups only by reading it, so one
 * that reads in neither vault was kept with none (a note sends the run's reader to the catalog), and its plan read ✓ with
 * its backup lost (review r58F F2); the check again of a copied-in one whose object now reads nowhere, and one kept by id
 * past the listed ones, name none either (r58F F1, F3). Status has the plan's records, so it names them itself.
 */
function backupsOfLostSnapshots(lost: readonly OutstandingScrubObject[], backups: readonly BackupRecord[]): string[] {
  const ids = new Set(lost.flatMap((o) => idFromKey(SNAPSHOTS_PREFIX, o.key) ?? []));
  if (ids.size === 0) return [];
  return backups.filter((b) => b.sources.some((s) => ids.has(s.snapshotId))).map((b) => b.backupId);
}

/** How many objects a row names of those lostWithoutBackups counts. */
const LOST_KEYS_NAMED = 3;

/** The lost objects whose backups no run worked out (ScrubStatus, `lostWithoutBackups`). */
export type LostWithoutBackups = { objects: number; keys: string[]; vaults: ('primary' | 'dr')[] };

/**
 * The lost objects whose backups no run worked out (ScrubStatus, `lostWithoutBackups`); nothing when none. Not a snapshot
 * object: the catalog names its backup (backupsOfLostSnapshots), so it makes its own plan ✗, not every plan. Records
 * written before review r58F flag such objects too, some with no deadline involved (a copied-in one checked again that
 * reads nowhere), and every plan stayed ✗ for good, blaming the scrub's deadline (r58F F1).
 */
function lostWithoutBackups(objects: readonly OutstandingScrubObject[]): { lostWithoutBackups?: LostWithoutBackups } {
  // The mapping is the key's, not one vault's entry's: a scoped scrub (`--vault primary`) names the backups in its vault's
  // entry and carries the other vault's, flag and all; that key is worked out (review rT F1: every plan stayed ✗).
  const named = new Set(objects.filter((o) => o.backups.length > 0).map((o) => o.key));
  const unmapped = objects.filter((o) => isLost(o) && o.backupsNotWorkedOut === true && o.backups.length === 0 && !named.has(o.key) && idFromKey(SNAPSHOTS_PREFIX, o.key) === null);
  if (unmapped.length === 0) return {};
  const keys = [...new Set(unmapped.map((o) => o.key))].sort();
  const inPrimary = new Set(unmapped.filter((o) => o.vault === 'primary').map((o) => o.key));
  const vaults = [...(inPrimary.size > 0 ? ['primary' as const] : []), ...(keys.some((k) => !inPrimary.has(k)) ? ['dr' as const] : [])];
  return { lostWithoutBackups: { objects: keys.length, keys: keys.slice(0, LOST_KEYS_NAMED), vaults } };
}

function lastBackupStatus(input: PlanStatusInput, judged: readonly BackupRecord[], last: BackupRecord | undefined): LastBackupStatus {
  const rpoSeconds = input.plan.objectives.rpoMinutes * 60;
  const newest = judged[0];
  const ageSeconds = last ? secondsBetween(last.startedAt, input.now) : undefined;
  return {
    ...(newest ? { newest: { backupId: newest.backupId, status: newest.status, startedAt: newest.startedAt, ...(newest.error !== undefined ? { error: newest.error } : {}) } } : {}),
    ...(last && ageSeconds !== undefined ? { lastCommitted: { backupId: last.backupId, startedAt: last.startedAt, ...(last.endedAt ? { endedAt: last.endedAt } : {}), ageSeconds, ...leftOutOf(last) } } : {}),
    rpoSeconds,
    withinRpo: ageSeconds !== undefined && ageSeconds <= rpoSeconds,
  };
}

function leftOutOf(record: BackupRecord): { leftOut?: { entries: number; bySource: Record<string, number> } } {
  const skipping = record.sources.filter((s) => (s.skipped ?? 0) > 0);
  if (skipping.length === 0) return {};
  return { leftOut: { entries: skipping.reduce((n, s) => n + (s.skipped ?? 0), 0), bySource: Object.fromEntries(skipping.map((s) => [s.name, s.skipped ?? 0])) } };
}

function drCopyStatus(committed: readonly BackupRecord[]): DrCopyStatus {
  const newest = committed[0];
  if (!newest) return { state: 'no-backup' };
  const copied = committed.find((b) => b.copies?.dr === 'COMMITTED');
  if (copied === newest) return { state: 'up-to-date', backupId: newest.backupId };
  const newestCopy = newest.copies?.dr ?? 'NOT_RECORDED';
  if (!copied) return { state: 'none-copied', newestCommitted: newest.backupId, newestCopy };
  const lagSeconds = Math.max(0, (recordInstant(newest.startedAt) - recordInstant(copied.startedAt)) / 1000);
  return { state: 'behind', lagSeconds, newestCopied: copied.backupId, newestCommitted: newest.backupId, newestCopy };
}

function drCopyObjectiveStatus(input: PlanStatusInput, committed: readonly BackupRecord[]): DrCopyObjectiveStatus {
  const objectiveSeconds = input.plan.objectives.rpoMinutes * 60 + (input.replicationLagSeconds ?? DEFAULT_REPLICATION_LAG_MINUTES * 60);
  const copied = committed.find((b) => b.copies?.dr === 'COMMITTED');
  if (!copied) return { objectiveSeconds, met: false };
  const ageSeconds = secondsBetween(copied.startedAt, input.now);
  // The alarm compares GreaterThanThreshold: an age exactly at the objective is within it, as for the RPO.
  return { newestCopied: { backupId: copied.backupId, ageSeconds }, objectiveSeconds, met: ageSeconds <= objectiveSeconds };
}

function vaultUsage(committed: readonly BackupRecord[]): VaultUsage {
  let logicalBytes = 0;
  let storedBytes = 0;
  for (const b of committed) {
    logicalBytes += b.totals?.bytes ?? 0;
    storedBytes += b.totals?.bytesStored ?? 0;
  }
  return {
    committedBackups: committed.length,
    latestLogicalBytes: committed[0]?.totals?.bytes ?? 0,
    logicalBytes,
    storedBytes,
    ...(storedBytes > 0 ? { dedupRatio: logicalBytes / storedBytes } : {}),
  };
}
