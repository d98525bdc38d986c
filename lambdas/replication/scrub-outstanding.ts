import { type CopiedInNotListed, listedOutstanding, type NotListedGroup, OUTSTANDING_BACKUPS_LISTED, OUTSTANDING_COPIED_IN_LISTED, OUTSTANDING_GROUPS_KEPT, OUTSTANDING_LISTED } from '../catalog/scrub-record';
import { type OutstandingScrub, type OutstandingScrubObject, type ScrubRunRecord } from '../catalog/scrub-record';
import { CONFIG_KEY, DATA_PREFIX, idFromKey, SNAPSHOTS_PREFIX } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type DamagedObject } from './scrub-damage';
import { type CarriedCopiedIn } from './copied-in-recheck';
import { copiedInIdGroups, OUTSTANDING_COPIED_IN_IDS_KEPT } from '../catalog/copied-in-ids';
import { type ScrubFinding, type ScrubReport } from './scrub-report';
import { namesCopiedInCount } from './copied-in-count-clear';
import { compareByCodeUnit } from './sorted-keys';
import { groupLost } from '../catalog/scrub-group-lost';
import { backupsInTurns } from './backups-in-turns';

/** How the run went besides its report: the vault it could not open (so it could not tell what is missing in the other). */
export type ScrubRunVaults = {
  readonly unopened?: readonly VaultSide[];
  /**
   * The `until` of the count of copied-in entries the previous record keeps whose backups an operator verified (lifeboat
   * scrub --clear-copied-in-count <until>): dropped only when it is still that count (copied-in-count-clear.ts); one a
   * later run added to holds entries nobody checked, and is kept.
   */
  readonly clearCopiedInCount?: string;
  /**
   * How many backups this run's damage hits past those its record lists (`affectedBackupsNotListed`, scrub-record.ts):
   * a group of them marked `backupsKnown` judged a plan whose backups fell past the cap "within objectives" (review r65S F1).
   */
  readonly affectedBackupsNotListed?: number;
};

/**
 * What is still damaged or missing once this run is done (scrub-record.ts, `outstanding`): the objects it left unrepaired
 * or repairable, and those the previous record held that it did not read again — a scheduled run reads a seventh of the
 * vault, so without this the damage of one day was gone from `lifeboat status` the next (audit aS2-2). An object
 * of an earlier run is dropped only when this run covered it in that vault with the other vault open to compare with: a
 * corrupt one read in its slice and found nothing (good, or gone and not missing), a missing one by the comparison of the
 * full listings, whatever the slice; or when this run repaired it. A run of one vault keeps the other's untouched; an
 * archived pack of the slice was not read; a run whose other vault did not open drops nothing (review rY F4); a run whose
 * deadline cut its work-out of what a vault lacking something needs (`notWorkedOut`) drops no missing data/, index/ or
 * manifest/ object of that vault that is among the keys it left not worked out (`notWorkedOutKeys`): it found none
 * missing there, whatever the vault lacks (audit aU2-1); one its listings show the vault no longer lacks it drops, or
 * it stayed outstanding till a run had time to work it out (review rZ3 F3). A snapshot object a scrub copied into a vault
 * without showing its tree reads there (`copiedIn`) is never missing again, so no comparison drops it: only a run that
 * checked it again (the report's `copiedInRechecked`: readable, gone from both vaults, or found again) does; dropped
 * by the comparison, an unverified or lost copy left the record at the next run unchecked (reviews r57G R2, r57K F1);
 * one whose object this run read damaged or found missing, not checked again, keeps the flag (stillCopiedIn: f58A), and
 * takes another verdict only from a check of its tree (`copiedInChecked`: the check again, or the look after a copy).
 * Such entries are listed apart (`copiedInObjects`, copiedInListed), so they neither take the places of other objects
 * nor fall into groups.
 */
export function outstandingAfter(report: ScrubReport, startedAt: string, previous: ScrubRunRecord | undefined, run: ScrubRunVaults = {}): OutstandingScrub {
  const sides: readonly VaultSide[] = report.scope === 'both' ? ['primary', 'dr'] : [report.scope];
  const before = previousOutstanding(previous);
  const beforeListed = listedOutstanding(before);
  const id = (o: { vault: VaultSide; key: string }): string => `${o.vault} ${o.key}`;
  const earlier = new Map(beforeListed.map((o) => [id(o), o]));
  // In turns from each plan, newest first: the newest of all kept an hourly plan's and left a daily plan sharing the pack ✓ (reviews f58A, r58B F2).
  const backupIds = (d: DamagedObject): string[] => backupsInTurns(d.affects, OUTSTANDING_BACKUPS_LISTED).listed;
  const mappedDamage = [...report.damage, ...(report.archivedCopyDamage ?? [])];
  const backupsOf = new Map(mappedDamage.map((d) => [d.key, backupIds(d)]));
  // A snapshot object the mapping maps to no snapshot reads in neither vault (scrub-damage.ts: a note instead): its
  // backup is unknown to it, not none.
  const unnamedSnapshots = new Set(mappedDamage.filter((d) => d.affects.length === 0 && idFromKey(SNAPSHOTS_PREFIX, d.key) !== null).map((d) => d.key));
  // A mapping the deadline cut named no backup of any object: unknown, not none (backupsOfFound). Nor does it know a
  // carried copied-in entry's whose snapshot reads nowhere: the entry named them (review r58B F1), or the catalog does.
  const mapped = (key: string, was: OutstandingScrubObject | undefined): string[] | undefined =>
    report.backupsNotWorkedOut || (was?.copiedIn === true && unnamedSnapshots.has(key)) ? undefined : (backupsOf.get(key) ?? []);
  const read = readInThisRun(report);
  // A missing object is found by comparing the full listings, whatever the slice: only when the other vault was open.
  const compared = (side: VaultSide): boolean => !(run.unopened ?? []).includes(side === 'primary' ? 'dr' : 'primary');
  // Of a vault whose work-out was cut, the comparison tells only of snapshots and the config (always counted missing),
  // and of the keys its listing showed it does not lack: the data/, index/ and manifest/ objects it lacks made no
  // finding, needed or not, so an earlier one among them is still lacked; one not among them it holds again, or the
  // other vault no longer holds (rZ3 F3). A report that does not name them (`notWorkedOutKeys`) drops none. Sorted
  // again here: a key the bisection missed in a list out of order would be dropped unchecked.
  const lackedKeys = new Map(Object.entries(report.notWorkedOutKeys ?? {}).map(([side, keys]) => [side, [...keys].sort(compareByCodeUnit)]));
  // Snapshots whose record the run did not read (`snapshotsNotWorkedOut`) made no finding either: one recorded is kept.
  const unreadSnapshots = new Map(Object.entries(report.snapshotsNotWorkedOut ?? {}).map(([side, ids]) => [side, ids.map((id) => `${SNAPSHOTS_PREFIX}${id}`).sort(compareByCodeUnit)]));
  const workedOut = (side: VaultSide, first?: string, last: string | undefined = first): boolean => {
    const unread = unreadSnapshots.get(side);
    if (unread !== undefined && (first === undefined || last === undefined || anyWithin(unread, first, last))) return false;
    if (report.notWorkedOut?.[side] === undefined || alwaysCounted(first, last)) return true;
    const lacked = lackedKeys.get(side);
    return lacked !== undefined && first !== undefined && last !== undefined && !anyWithin(lacked, first, last);
  };
  const cycle = report.nextCursor.cycle - (report.cycleComplete ? 1 : 0);
  const groupsBefore = previousGroups(before, previous?.startedAt ?? startedAt);
  const { kept: keptUnheld, recounted } = unlistedGroupsAfter(groupsBefore, report, { sides, compared, workedOut, read, cycle });
  // A lost group holding an object this run found in its range without reading its other copy (`inLostGroup`) is kept as
  // it was, read again or not: it may count that object, and recounted, a real loss there read "within objectives"
  // (review r64AB F2). Only a run that reads those copies counts its objects afresh.
  // Carried, a group's backups are not among this run's affectedBackups: it loses `backupsKnown` (review r65J F1).
  const kept = [...keptUnheld, ...groupsBefore.filter((g) => !keptUnheld.includes(g) && holdsUnreadLoss(g, report.findings))].map(withoutBackupsKnown);
  // Whether an earlier group that counts only objects whose other copy was refused (`refused`) counted this one: only a
  // group of this one key tells, and none that counts others may hold it. A group of a range counts some keys within it,
  // not every one: given to each, a new object between two refused ones, never read, came back refused (review r64T F3).
  const refusedInGroup = (f: { vault: VaultSide; key: string; problem: 'corrupt' | 'missing' }): boolean => {
    const holding = groupsBefore.filter((g) => g.problem === f.problem && g.vaults.includes(f.vault) && (g.first === undefined || g.last === undefined || (f.key >= g.first && f.key <= g.last)));
    return holding.length > 0 && holding.every((g) => g.refused === true && g.first === f.key && g.last === f.key);
  };
  const unrepairedFindings = report.findings.filter((f) => f.outcome !== 'repaired');
  const recountedSince = sinceOfRecounted(
    unrepairedFindings.filter((f) => !earlier.has(id(f))),
    recounted,
  );
  // Checked again by this run (its tree read, whatever came of it): its turn comes after the others' (review r57P F1).
  const checkedNow = new Set(Object.entries(report.copiedInChecked ?? {}).flatMap(([side, keys]) => keys.map((key) => `${side} ${key}`)));
  const found = unrepairedFindings
    .map((f): OutstandingScrubObject => {
      const unrepaired = f.outcome === 'unrepaired' && f.goodCopy !== true;
      // Not a good copy, not lost either: its backups are kept so that status names them (review rAA F1, rJJ F3).
      const otherCopy = unrepaired ? f.otherCopy : undefined;
      const was = earlier.get(id(f));
      // Kept so that status does not promise that the next scrub verifies a copy it will be refused again (review r63AB
      // F2). A finding left unverified without a read (the repair cutoff came first) learnt nothing of the permission, so
      // it keeps an earlier refusal; a good copy, a repair or a damaged copy has none (review r64C F1), nor has a snapshot
      // this run copied in (copiedIn), whatever its look after the copy found: the copy read the other vault's (r64J F1).
      // One counted in an earlier run's group (past the listed ones) keeps it from the group's `refused` (review r64P F1).
      const refusedBefore = f.copiedIn !== true && (was === undefined ? refusedInGroup(f) : was.otherCopy === 'unverified' && was.otherCopyRefused === true);
      const refused = otherCopy === 'unverified' && (f.otherCopyRefused === true || refusedBefore) ? { otherCopyRefused: true as const } : {};
      const since = was?.since ?? recountedSince.get(id(f)) ?? startedAt;
      const lastChecked = checkedNow.has(id(f)) ? startedAt : was?.lastChecked;
      const copiedIn = f.copiedIn === true ? { copiedIn: true as const, ...(lastChecked !== undefined ? { lastChecked } : {}) } : {};
      const entry: OutstandingScrubObject = unrepaired
        ? { vault: f.vault, key: f.key, problem: f.problem, goodCopy: false, ...(otherCopy !== undefined ? { otherCopy } : {}), ...refused, since, ...backupsOfFound(f.key, mapped(f.key, was), was), ...copiedIn, ...(f.listedBy !== undefined ? { listedBy: f.listedBy } : {}) }
        : { vault: f.vault, key: f.key, problem: f.problem, goodCopy: true, since, backups: [], ...copiedIn };
      // Only this run's check of its tree (the check again, or the look after a copy: copiedInChecked) gives a carried
      // copied-in entry its verdict (review r58B).
      const checkedAgain = f.copiedIn === true && checkedNow.has(id(f));
      return was?.copiedIn === true && !checkedAgain ? stillCopiedIn(entry, was, lastChecked) : entry;
    });
  const foundNow = new Set(found.map(id));
  // The record's affectedBackups hold the backups of what this run found with both vaults open and its mapping worked
  // out; status judges a group of only such objects per plan, as listed losses (`backupsKnown`, review r65J F1). Not a
  // snapshot object the mapping named no backup of (it reads in neither vault): the catalog knows it, a group does not.
  // Nor any when the record lists only some of the backups hit (`affectedBackupsNotListed`): a group's may be past them (r65S F1).
  const allListed = (run.affectedBackupsNotListed ?? 0) === 0;
  const backupsKnown = (o: OutstandingScrubObject): boolean =>
    allListed && foundNow.has(id(o)) && (run.unopened ?? []).length === 0 && report.backupsNotWorkedOut !== true && o.backupsNotWorkedOut !== true && !(o.backups.length === 0 && idFromKey(SNAPSHOTS_PREFIX, o.key) !== null);
  const byKnown = (objs: readonly OutstandingScrubObject[]): OutstandingScrubObject[][] => [objs.filter(backupsKnown), objs.filter((o) => !backupsKnown(o))];
  // A missing object is in neither listing, so a slice covering its key says nothing of it: only the comparison does. A
  // corrupt one is read when its key is in the slice and still listed; gone since, only the comparison tells whether it is
  // now missing (and found again) or no longer needed, so without the other vault it is kept.
  // A copied-in snapshot is neither: only its check again tells (recheckCopiedIn).
  const rechecked = new Set(Object.entries(report.copiedInRechecked ?? {}).flatMap(([side, keys]) => keys.map((key) => `${side} ${key}`)));
  // A pack no vault holds that an index object lists is in neither listing either, so no comparison finds it again: only
  // a slice that reads that index object again in its vault does, and finding nothing settles it (lost-listed-packs.ts).
  const settled = (o: OutstandingScrubObject): boolean =>
    o.copiedIn === true ? rechecked.has(id(o)) : o.listedBy !== undefined ? read(o.vault, o.listedBy) : o.problem === 'missing' ? workedOut(o.vault, o.key) : read(o.vault, o.key);
  const resolved = (o: OutstandingScrubObject): boolean => sides.includes(o.vault) && compared(o.vault) && settled(o);
  const carried = beforeListed
    .filter((o) => !foundNow.has(id(o)) && !resolved(o))
    .map((o) => (o.copiedIn === true && checkedNow.has(id(o)) ? { ...o, lastChecked: startedAt } : o))
    .map(withoutSnapshotFlag);
  // Copied-in snapshots in their own list: a group keeps no flag, and counted in one such an entry was dropped unchecked
  // by the next comparison (review r57P F3); listed first among the others, they pushed this run's lost objects, and the
  // backups status judges by, out to the groups (review r57U U1, U2). Of the others, objects with no good copy (what
  // status judges) first, then those whose other copy was not verified, then the oldest.
  const byRank = (a: OutstandingScrubObject, b: OutstandingScrubObject): number => rank(a) - rank(b) || compareByCodeUnit(a.since, b.since) || compareByCodeUnit(a.vault, b.vault) || compareByCodeUnit(a.key, b.key);
  const remaining = [...found, ...carried];
  const copiedIn = copiedInListed(remaining.filter((o) => o.copiedIn === true).sort(byRank), before.copiedInNotListed, { cycle, startedAt, ...(run.clearCopiedInCount !== undefined ? { clear: run.clearCopiedInCount } : {}) });
  const all = remaining.filter((o) => o.copiedIn !== true).sort(byRank);
  const objects = all.slice(0, OUTSTANDING_LISTED);
  const overflow = all.slice(OUTSTANDING_LISTED);
  // This run's overflow, in groups a later run can tell it has read again: the corrupt ones it read (keys within its
  // slice), the corrupt ones carried (keys anywhere), the missing ones (read again by any comparison).
  const corrupt = overflow.filter((o) => o.problem === 'corrupt');
  // Those whose other copy's read was refused in groups of their own, which keep that (`refused`: review r64P F1).
  const corruptGroups = byKnown(corrupt).flatMap((objs) => byRefusal(objs).flatMap((part) => groupOf('corrupt', part, cycle, backupsKnown)));
  // Split in full whatever the earlier groups take: a short budget is made by merging groups (boundedGroups), not by
  // one group over the whole overflow per vault, which every cut run kept (review rE F2).
  const missing = byKnown(overflow.filter((o) => o.problem === 'missing')).flatMap((objs) => byRefusal(objs).flatMap((part) => missingGroups(part, MISSING_GROUPS_PER_RUN, cycle, backupsKnown)));
  const groups = boundedGroups([...kept, ...corruptGroups, ...missing], startedAt);
  const notListed = groups.reduce((n, g) => n + g.count, 0);
  if (notListed === 0) return { objects, ...copiedIn, notListed };
  const since = groups.map((g) => g.since).sort(compareByCodeUnit)[0];
  return { objects, ...copiedIn, notListed, ...(since !== undefined ? { notListedSince: since } : {}), notListedGroups: groups };
}

/** Whether a lost group's range holds a finding of its problem and vaults whose other copy went unread (`inLostGroup`). */
function holdsUnreadLoss(g: CountedGroup, findings: readonly ScrubFinding[]): boolean {
  const { first, last } = g;
  if (!g.lost || first === undefined || last === undefined) return false;
  return findings.some((f) => f.inLostGroup === true && f.problem === g.problem && g.vaults.includes(f.vault) && f.key >= first && f.key <= last);
}

/** No good copy (what status judges) first, then an other copy not verified, then a good copy elsewhere. */
const rank = (o: OutstandingScrubObject): number => (o.goodCopy ? 2 : o.otherCopy !== undefined ? 1 : 0);

/**
 * The copied-in entries a record lists (`copiedInObjects`, up to OUTSTANDING_COPIED_IN_LISTED, in `ranked` order: the
 * lost first, whose backups status judges by), those past them it keeps by snapshot id (`copiedInIds`, up to
 * OUTSTANDING_COPIED_IN_IDS_KEPT, checked again in turn with the listed ones: copied-in-recheck.ts), and those past
 * even these it counts (`copiedInNotListed`): no run can check one again without its key, so the count stays, the
 * earlier run's added, until an operator clears it (`clear`: lifeboat scrub --clear-copied-in-count <until>, only while
 * the count still ends there: review r57Z F1), whatever cycle
 * completes: none finds again an object lost in both vaults (review r57W F2). Never dropped unsaid.
 */
function copiedInListed(
  ranked: readonly OutstandingScrubObject[],
  counted: CopiedInNotListed | undefined,
  run: { cycle: number; startedAt: string; clear?: string },
): Pick<OutstandingScrub, 'copiedInObjects' | 'copiedInIds' | 'copiedInNotListed'> {
  const listed = ranked.slice(0, OUTSTANDING_COPIED_IN_LISTED);
  const byId = ranked.slice(OUTSTANDING_COPIED_IN_LISTED, OUTSTANDING_COPIED_IN_LISTED + OUTSTANDING_COPIED_IN_IDS_KEPT);
  const past = ranked.slice(OUTSTANDING_COPIED_IN_LISTED + OUTSTANDING_COPIED_IN_IDS_KEPT);
  const kept = counted !== undefined && run.clear !== undefined && namesCopiedInCount(counted, run.clear) ? undefined : counted;
  const since = [...past.map((o) => o.since), ...(kept ? [kept.since] : [])].sort(compareByCodeUnit)[0];
  const count = past.length + (kept?.count ?? 0);
  const until = past.length > 0 ? run.startedAt : kept?.until;
  const notListed: CopiedInNotListed | undefined =
    since !== undefined && count > 0
      ? { count, since, ...(until !== undefined ? { until } : {}), cycle: past.length > 0 ? run.cycle : (kept?.cycle ?? run.cycle), lost: past.some(hasNoCopy) || (kept?.lost ?? false) }
      : undefined;
  const ids = copiedInIdGroups(byId);
  return { ...(listed.length > 0 ? { copiedInObjects: listed } : {}), ...(ids.length > 0 ? { copiedInIds: ids } : {}), ...(notListed ? { copiedInNotListed: notListed } : {}) };
}

/**
 * The entries of the `previous` record's listed objects that a run checks again (scrubVaults' `copiedInOutstanding`):
 * snapshot objects a scrub copied in without showing their tree reads there, listed apart (`copiedInObjects`; records of
 * the same format written before listed them among `objects`, first), and those past OUTSTANDING_COPIED_IN_LISTED kept by
 * id (`copiedInIds`, read back without backups: listedOutstanding). Only those past even these are counted
 * (`copiedInNotListed`): no key, no check. A lost one (no good copy, none unverified) whose backups a run worked out is
 * `lostAndNamed`: checking it again tells little new (recheckCopiedIn takes it last). Since review r58F every lost one
 * is: the catalog names a snapshot object's backups (flagsUnnamed); one a record from before flags is not.
 */
export function copiedInOutstanding(previous: ScrubRunRecord | undefined): CarriedCopiedIn[] {
  return listedOutstanding(previousOutstanding(previous)).flatMap((o) =>
    o.copiedIn === true
      ? [
          {
            vault: o.vault,
            key: o.key,
            problem: o.problem,
            since: o.since,
            ...(o.lastChecked !== undefined ? { lastChecked: o.lastChecked } : {}),
            lostAndNamed: !o.goodCopy && o.otherCopy === undefined && o.backupsNotWorkedOut !== true,
          },
        ]
      : [],
  );
}

/**
 * Per vault, how many of the snapshots it lacks whose record this run did not read (missing-objects-work-out.ts,
 * `snapshotsNotWorkedOut`) are not already outstanding: one an earlier run found missing is kept in `outstanding`
 * (outstandingAfter), where status shows it; counted here as well, status showed it twice (review rQ F3). The
 * `previous` record's listed objects only: one in its unlisted groups is counted here, as before. Absent when none.
 */
export function snapshotsNotWorkedOutCounts(report: ScrubReport, previous: ScrubRunRecord | undefined): Partial<Record<VaultSide, number>> | undefined {
  const kept = new Set(listedOutstanding(previousOutstanding(previous)).filter((o) => o.problem === 'missing').map((o) => `${o.vault} ${o.key}`));
  const counts: Partial<Record<VaultSide, number>> = {};
  for (const [side, ids] of Object.entries(report.snapshotsNotWorkedOut ?? {}) as [VaultSide, readonly string[]][]) {
    const count = ids.filter((id) => !kept.has(`${side} ${SNAPSHOTS_PREFIX}${id}`)).length;
    if (count > 0) counts[side] = count;
  }
  return Object.keys(counts).length > 0 ? counts : undefined;
}

/**
 * The backups a record keeps of an object this run left with no good copy: those its mapping named; when the mapping
 * could not name them (`undefined`: the deadline cut it, scrub-vaults.ts, backupsNotWorkedOut; or a carried copied-in
 * snapshot that reads nowhere), those the earlier record named, or none and `backupsNotWorkedOut` when it named none
 * either because none had been worked out (nor for an earlier entry with a good copy, which keeps none). Replaced by [],
 * a cut run turned the ✗ of every plan an earlier run's backups named into ✓ (review rS F2), and so did the check again
 * of a lost copied-in snapshot (review r58B F1); an earlier list worked out empty stays empty. Never the flag on a
 * snapshot object (flagsUnnamed).
 */
function backupsOfFound(key: string, mapped: string[] | undefined, was: OutstandingScrubObject | undefined): Pick<OutstandingScrubObject, 'backups' | 'backupsNotWorkedOut'> {
  if (mapped !== undefined) return { backups: mapped };
  const flag = flagsUnnamed(key) ? { backupsNotWorkedOut: true as const } : {};
  if (was === undefined || was.goodCopy) return { backups: [], ...flag };
  return { backups: was.backups, ...(was.backupsNotWorkedOut === true ? flag : {}) };
}

/**
 * Whether an object with no good copy whose backups no run named is flagged `backupsNotWorkedOut` (every plan ✗ in
 * status): not a snapshot object, whose backup the catalog names (the records whose sources list it), and status
 * names it so (plan-status.ts, backupsOfLostSnapshots). Flagged, a copied-in one checked again that reads nowhere kept
 * the flag for good, no mapping ever naming it, and every plan stayed ✗ (review r58F F1).
 */
const flagsUnnamed = (key: string): boolean => idFromKey(SNAPSHOTS_PREFIX, key) === null;

/** An entry carried from a record written before review r58F without the flag on a snapshot object (flagsUnnamed). */
function withoutSnapshotFlag(o: OutstandingScrubObject): OutstandingScrubObject {
  if (o.backupsNotWorkedOut !== true || flagsUnnamed(o.key)) return o;
  const { backupsNotWorkedOut: _dropped, ...rest } = o;
  return rest;
}

/**
 * A copied-in entry (`was`) whose object this run found damaged by reading it in its slice or by the comparison (`found`),
 * or whose look after this run's copy of it stopped before it knew (review r58B), not by checking its tree again: the
 * finding is of the snapshot object alone, while the entry is of its tree, which no run has shown to read. Replaced by
 * the finding, the entry left the copied-in list and its check again, and a lost tree whose object's other copy verified
 * read as a good copy (REPAIRABLE, no backup): status judged its plan ✓ and the repair of the object dropped it (review
 * f58A, after r57P); the stopped look gave a lost one an unverified copy, which status does not judge ✗. So the entry
 * stays copied-in, with its last check, the run's problem (what its object now is) and the worse of the two copies
 * (lost, then a copy not verified, then a good one), with the backups of both: either may be the one status judges by.
 */
function stillCopiedIn(found: OutstandingScrubObject, was: OutstandingScrubObject, lastChecked: string | undefined): OutstandingScrubObject {
  const worse = rank(was) < rank(found) ? was : found;
  const backups = newestBackups([...found.backups, ...was.backups]);
  const notWorkedOut = backups.length === 0 && hasNoCopy(worse) && flagsUnnamed(found.key) && (found.backupsNotWorkedOut === true || was.backupsNotWorkedOut === true);
  return {
    vault: found.vault,
    key: found.key,
    problem: found.problem,
    goodCopy: worse.goodCopy,
    ...(worse.otherCopy !== undefined ? { otherCopy: worse.otherCopy } : {}),
    // This run's finding says whether the read is still refused (refused again, or not tried: outstandingAfter), not
    // the earlier entry's: an older refusal outlived the run that verified the other copy (review r64C F2).
    ...(worse.otherCopy === 'unverified' && found.otherCopyRefused === true ? { otherCopyRefused: true as const } : {}),
    since: found.since,
    backups: worse.goodCopy ? [] : backups,
    ...(notWorkedOut ? { backupsNotWorkedOut: true as const } : {}),
    copiedIn: true,
    ...(lastChecked !== undefined ? { lastChecked } : {}),
  };
}

/**
 * The `since` of the findings, not listed before, that a group this run counts afresh stands for: they were not found
 * today. A group stands for its `count` objects, not for its key range, and its `since` is its oldest object's: a merged
 * group's range spans gaps where it counted nothing, and one whose objects were found on several days lent the oldest
 * day to every finding in its range, each of which made the next group take it again; repeated merges spread it over all
 * of data/, so every new missing pack took the first day's date and `lifeboat status` said "since" it for months while
 * the oldest damage was much newer (review rI F1). So only a group that is neither (no `mixedSince`) lends its `since`,
 * to at most `count` findings in its range (the oldest groups first; findings in key order); the other
 * findings take the run's start. A group records a count and a range, not its keys: once its objects were repaired
 * and others went missing in its range (for missing groups over uniform pack keys, the pack or two in flight of each
 * run), those take its `since`, earlier than they were found by up to the group's age (review rN F1: about a third as
 * often as before this rule). Lending nothing would date every re-found object today, hiding how long real damage has
 * lasted; we chose the bounded error.
 */
function sinceOfRecounted(findings: readonly { vault: VaultSide; key: string; problem: 'corrupt' | 'missing' }[], recounted: readonly CountedGroup[]): Map<string, string> {
  const since = new Map<string, string>();
  const byKey = [...findings].sort((a, b) => compareByCodeUnit(a.key, b.key));
  const lenders = recounted.filter((g) => g.mixedSince !== true).sort((a, b) => compareByCodeUnit(a.since, b.since));
  for (const g of lenders) {
    const { first, last } = g;
    if (first === undefined || last === undefined) continue;
    let left = g.count;
    for (const f of byKey) {
      if (left === 0) break;
      const fid = `${f.vault} ${f.key}`;
      if (since.has(fid) || f.problem !== g.problem || !g.vaults.includes(f.vault) || f.key < first || f.key > last) continue;
      since.set(fid, g.since);
      left--;
    }
  }
  return since;
}

/** A group as this run handles it: whether its objects have a copy in the other vault is known (`lost`). */
type CountedGroup = NotListedGroup & { readonly lost: boolean };

/**
 * The most groups one run's missing overflow is split into: half the record's budget, so that the groups of earlier runs
 * fit beside them, merged where they must be (boundedGroups).
 */
const MISSING_GROUPS_PER_RUN = Math.ceil(OUTSTANDING_GROUPS_KEPT / 2);

/** No good copy, and no copy in the other vault not yet verified (archived, or left unread by a deadline): DAMAGED. */
const hasNoCopy = (o: OutstandingScrubObject): boolean => !o.goodCopy && o.otherCopy === undefined;

/** Whether an object's other copy is unverified because its read was refused (`otherCopyRefused`). */
const isRefused = (o: OutstandingScrubObject): boolean => o.otherCopy === 'unverified' && o.otherCopyRefused === true;

/** `objs` split into those whose other copy's read was not refused and those whose was, for groups of each (`refused`). */
function byRefusal(objs: readonly OutstandingScrubObject[]): OutstandingScrubObject[][] {
  return [objs.filter((o) => !isRefused(o)), objs.filter(isRefused)];
}

/** `objs`, of one problem, as one group: their lowest and highest key, their vaults, whether `known` holds for each (`backupsKnown`); none when there are none. */
function groupOf(problem: 'corrupt' | 'missing', objs: readonly OutstandingScrubObject[], cycle: number, known: (o: OutstandingScrubObject) => boolean): CountedGroup[] {
  const keys = objs.map((o) => o.key).sort(compareByCodeUnit);
  const sinces = [...new Set(objs.map((o) => o.since))].sort(compareByCodeUnit);
  const [first, last, since] = [keys[0], keys.at(-1), sinces[0]];
  if (first === undefined || last === undefined || since === undefined) return [];
  const mixed = sinces.length > 1 ? { mixedSince: true as const } : {};
  const refused = objs.every(isRefused) ? { refused: true as const } : {};
  const backupsKnown = objs.every(known) ? { backupsKnown: true as const } : {};
  return [{ problem, first, last, vaults: [...new Set(objs.map((o) => o.vault))].sort(compareByCodeUnit), count: objs.length, since, cycle, lost: objs.some(hasNoCopy), ...mixed, ...refused, ...backupsKnown }];
}

/** A group carried by a run that did not count its objects: its backups are not among the run's affectedBackups. */
function withoutBackupsKnown(group: CountedGroup): CountedGroup {
  const { backupsKnown: _carried, ...rest } = group;
  return rest;
}

/**
 * A run's missing overflow in up to `parts` groups of neighbouring keys, shared between its vaults in proportion to
 * their objects, at least one each (review rB F1, rE F2). A run whose work-out
 * was cut drops a missing group only when none of the keys it left not worked out lies in its range; pack keys are
 * uniform sha-256 hex and such a run nearly always lacks a pack or two in flight, so one group over the whole overflow
 * spanned nearly all of data/ and was kept by every cut run, long after the vault held its objects again. Narrow
 * ranges are each clear of those few keys most days.
 */
function missingGroups(objs: readonly OutstandingScrubObject[], parts: number, cycle: number, known: (o: OutstandingScrubObject) => boolean): CountedGroup[] {
  const vaults = [...new Set(objs.map((o) => o.vault))].sort(compareByCodeUnit);
  return vaults.flatMap((vault) => {
    const ofVault = objs.filter((o) => o.vault === vault).sort((a, b) => compareByCodeUnit(a.key, b.key));
    const share = 1 + Math.floor((Math.max(0, parts - vaults.length) * ofVault.length) / objs.length);
    const size = Math.ceil(ofVault.length / share);
    const chunks: CountedGroup[] = [];
    for (let at = 0; at < ofVault.length; at += size) chunks.push(...groupOf('missing', ofVault.slice(at, at + size), cycle, known));
    return chunks;
  });
}

/** What this run needs to tell whether it read a group's objects again. */
type GroupReading = {
  readonly sides: readonly VaultSide[];
  compared(side: VaultSide): boolean;
  /** Whether the comparison would have found again whatever the vault still lacks with keys in [first, last] (not so where its work-out was cut and left one of them); without them, any key. */
  workedOut(side: VaultSide, first?: string, last?: string): boolean;
  read(side: VaultSide, key: string): boolean;
  readonly cycle: number;
};

/**
 * The earlier runs' groups of unlisted objects this run keeps, and those it `recounted`: read again in every vault they are
 * in, their objects still damaged are among this run's findings and counted afresh with its own; kept as well, the same
 * objects were counted again each cycle (review rY F5, rAA F2). A corrupt group is read again when its whole key range
 * is within this run's slice in each of its vaults, with or without the other vault to compare with, and no pack the
 * run passed over as archived may lie in that range: with an archive tier nearly every slice passes over some, and
 * blocking on any of them counted every group again beside its objects found again (review rDD F1). One gone since is
 * then no longer counted, where a listed one would be kept (review rY F4), as its key is unknown and keeping the count
 * would count the rest twice. A missing group is read again by any comparison of its
 * vaults' listings, but for a vault whose work-out the run cut (`notWorkedOut`) only a group of snapshots or the config,
 * which it counts missing all the same, or one whose range holds none of the keys it left not worked out. A group is dropped too once a run of both vaults completes a later cycle than its own, which read
 * every object again; one with no key range (a record from before groups) only so.
 */
function unlistedGroupsAfter(groups: readonly CountedGroup[], report: ScrubReport, r: GroupReading): { kept: CountedGroup[]; recounted: CountedGroup[] } {
  const cycleRead = report.scope === 'both' && report.cycleComplete;
  const readAgain = (g: CountedGroup): boolean =>
    g.vaults.every((side) => {
      if (!r.sides.includes(side)) return false;
      if (g.problem === 'missing') return r.compared(side) && r.workedOut(side, g.first, g.last);
      return g.first !== undefined && g.last !== undefined && r.read(side, g.first) && r.read(side, g.last) && !archivedWithin(report.notRead?.[side], g.first, g.last);
    });
  const kept: CountedGroup[] = [];
  const recounted: CountedGroup[] = [];
  for (const g of groups) {
    // A later cycle completed reads every object again, but finds no missing one it left not worked out in a vault.
    const cycleDrops = cycleRead && r.cycle > g.cycle && (g.problem !== 'missing' || g.vaults.every((side) => r.workedOut(side, g.first, g.last)));
    if (readAgain(g)) recounted.push(g);
    else if (!cycleDrops) kept.push(g);
  }
  return { kept, recounted };
}

/**
 * Whether every key in [first, last] is one the comparison counts missing whatever the work-out of what the vault needs
 * (missing-objects-work-out.ts): the config, or snapshots (no data/, index/ or manifest/ key sorts between two snapshot keys).
 */
function alwaysCounted(first: string | undefined, last: string | undefined): boolean {
  if (first === undefined || last === undefined) return false;
  return (first === CONFIG_KEY && last === CONFIG_KEY) || (first.startsWith(SNAPSHOTS_PREFIX) && last.startsWith(SNAPSHOTS_PREFIX));
}

/** Whether a key of `sorted` (in `compareByCodeUnit`) is in [first, last]: the first key not before `first`, found by bisection, is not after `last`. */
function anyWithin(sorted: readonly string[], first: string, last: string): boolean {
  let [lo, hi] = [0, sorted.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareByCodeUnit(sorted[mid] as string, first) < 0) lo = mid + 1;
    else hi = mid;
  }
  const next = sorted[lo];
  return next !== undefined && compareByCodeUnit(next, last) <= 0;
}

/**
 * Whether a pack a run passed over as archived in a vault may have a key in [first, last]: one it names there, or, when
 * it passed over more than it names, any data/ key there (as readInThisRun judges a single key).
 */
function archivedWithin(archived: { readonly archived: number; readonly first: readonly string[] } | undefined, first: string, last: string): boolean {
  if (!archived) return false;
  if (archived.first.some((key) => key >= first && key <= last)) return true;
  const holdsData = first.startsWith(DATA_PREFIX) || last.startsWith(DATA_PREFIX) || (first < DATA_PREFIX && last > DATA_PREFIX);
  return archived.archived > archived.first.length && holdsData;
}

/**
 * The previous record's groups; a record from before them stands for one group of its count, with its range when it kept
 * one. A group from before `lost` was kept is judged as `lifeboat status` judged it: lost unless the last listed object
 * has a copy in the other vault (listed with no copy first, so then every unlisted one has one too).
 */
function previousGroups(before: OutstandingScrub, recordedAt: string): CountedGroup[] {
  // A record from before groups stands for one group from before `lost`.
  const lost = groupLost({}, before);
  if (before.notListedGroups) return before.notListedGroups.map((g) => ({ ...g, lost: groupLost(g, before) }));
  if (before.notListed === 0) return [];
  const range = before.notListedRange;
  return [
    {
      problem: 'corrupt',
      ...(range ? { first: range.first, last: range.last } : {}),
      vaults: range ? range.vaults : ['primary', 'dr'],
      count: before.notListed,
      since: before.notListedSince ?? recordedAt,
      cycle: before.notListedCycle ?? 1,
      lost,
      // The unlisted objects of every run before, with the earliest `since` of all.
      mixedSince: true,
    },
  ];
}

/**
 * At most OUTSTANDING_GROUPS_KEPT groups (a record is one catalog item), made by merging two groups at a time. Only
 * groups of one problem merge: a missing object in a group labelled corrupt was dropped by the cycle rule though the run
 * had not worked out whether the vault still lacks it, and a corrupt one in a group labelled missing by a comparison
 * that never read it (review rE F1). There are two problems, so of any three groups two can merge. Of those, the pair
 * that loses least: of the same vaults, the same `lost` (a group with no copy makes its merged neighbour DAMAGED in
 * status), both with a key range or both without, then the narrowest merged range (a wide one is seldom read again at
 * once, and for a missing group nearly always holds a key a cut run left not worked out), then the oldest.
 */
function boundedGroups(groups: readonly CountedGroup[], startedAt: string): CountedGroup[] {
  const left = [...groups];
  while (left.length > OUTSTANDING_GROUPS_KEPT) {
    let best: { at: number; with: number; cost: number[] } | undefined;
    left.forEach((a, at) =>
      left.slice(at + 1).forEach((b, i) => {
        if (a.problem !== b.problem) return;
        const cost = mergeCost(a, b, startedAt);
        if (!best || lessThan(cost, best.cost)) best = { at, with: at + 1 + i, cost };
      }),
    );
    if (!best) break;
    left[best.at] = mergedGroup(left[best.at] as CountedGroup, left[best.with] as CountedGroup);
    left.splice(best.with, 1);
  }
  return left;
}

/**
 * What merging two groups of one problem loses, compared element by element (boundedGroups). First, a group this run
 * found (its `since` the run's start) and an earlier one: merged, it took the earlier `since`, and `lifeboat status`
 * counted this run's objects as earlier damage (review rI F3). Of 31 groups of two problems and two sides, two share both.
 * After `lost`, `backupsKnown` (merged with one without, a lost group judges every plan ✗), then `refused`: merged
 * with a group that is not, a refused group's objects come back plain unverified.
 */
function mergeCost(a: CountedGroup, b: CountedGroup, startedAt: string): number[] {
  const earlier = (g: CountedGroup): boolean => g.since < startedAt;
  const sameVaults = a.vaults.length === b.vaults.length && a.vaults.every((v) => b.vaults.includes(v));
  const ranged = (g: CountedGroup): boolean => g.first !== undefined && g.last !== undefined;
  const m = mergedGroup(a, b);
  const width = m.first !== undefined && m.last !== undefined ? keySpan(m.first, m.last) : 0;
  const newer = Math.max(Date.parse(a.since), Date.parse(b.since));
  return [earlier(a) === earlier(b) ? 0 : 1, sameVaults ? 0 : 1, a.lost === b.lost ? 0 : 1, (a.backupsKnown === true) === (b.backupsKnown === true) ? 0 : 1, (a.refused === true) === (b.refused === true) ? 0 : 1, ranged(a) === ranged(b) ? 0 : 1, width, newer];
}

/**
 * Two groups of one problem as one that keeps every count and the stricter of their rules: the range over both (read
 * again, or clear of keys not worked out, only when both are), their vaults, their earliest `since`, and their latest
 * cycle (the cycle rule drops it only once a cycle has read again the objects of both); lost if either is; `mixedSince`.
 */
function mergedGroup(a: CountedGroup, b: CountedGroup): CountedGroup {
  const range = a.first !== undefined && a.last !== undefined && b.first !== undefined && b.last !== undefined ? { first: a.first < b.first ? a.first : b.first, last: a.last > b.last ? a.last : b.last } : {};
  return {
    problem: a.problem,
    ...range,
    vaults: [...new Set([...a.vaults, ...b.vaults])].sort(compareByCodeUnit),
    count: a.count + b.count,
    since: a.since < b.since ? a.since : b.since,
    cycle: Math.max(a.cycle, b.cycle),
    lost: a.lost || b.lost,
    // Its range spans the gap between the two, where neither counted an object: it lends no `since` (sinceOfRecounted).
    mixedSince: true,
    // Refused only if every object of both was: one not refused would take the flag when found again (refusedInGroup).
    ...(a.refused === true && b.refused === true ? { refused: true as const } : {}),
    // Known only if both are: a lost group of unknown backups judges every plan (review r65J F1).
    ...(a.backupsKnown === true && b.backupsKnown === true ? { backupsKnown: true as const } : {}),
  };
}

/**
 * How much of the key space [first, last] spans, in (0, 1]: past their common prefix, the next few characters as a
 * fraction, scaled down by the prefix's length, so that data/ab/… to data/ab/… is far narrower than data/0… to data/f….
 */
function keySpan(first: string, last: string): number {
  let common = 0;
  while (common < first.length && first[common] === last[common]) common++;
  const fraction = (key: string): number => [...key.slice(common, common + 6)].reduce((n, c, i) => n + Math.min(c.charCodeAt(0), 255) / 256 ** (i + 1), 0);
  return (fraction(last) - fraction(first)) / 256 ** common;
}

const lessThan = (a: readonly number[], b: readonly number[]): boolean => {
  const at = a.findIndex((n, i) => n !== b[i]);
  return at >= 0 && (a[at] as number) < (b[at] as number);
};

/**
 * Whether this run read a key in a vault: a vault in scope, a key within its slice (objects are read in key order from
 * the cursor, scrub-slice.ts, so the slice is the keys after `cursor.after` up to `nextCursor.after`, from the first key
 * when the cursor had passed every key and a new cycle began), and not an archived pack it passed over.
 */
function readInThisRun(report: ScrubReport): (side: VaultSide, key: string) => boolean {
  const { cursor, nextCursor, cycleComplete } = report;
  // A slice that ends mid-cycle names its last key; none (no object at all) read nothing.
  if (!cycleComplete && nextCursor.after === null) return () => false;
  const restarted = nextCursor.cycle - cursor.cycle > (cycleComplete ? 1 : 0);
  const from = restarted ? null : cursor.after;
  const to = cycleComplete ? null : nextCursor.after;
  const inSlice = (key: string): boolean => (from === null || key > from) && (to === null || key <= to);
  return (side, key) => {
    if (report.read[side] === undefined || !inSlice(key)) return false;
    const archived = report.notRead?.[side];
    if (!archived) return true;
    if (archived.first.includes(key)) return false;
    // More archived packs than the report names: a pack not named may be one of them.
    return !(archived.archived > archived.first.length && key.startsWith(DATA_PREFIX));
  };
}

/** The previous record's outstanding objects; a record written before they were kept stands for its unrepaired keys in each vault of its scope. */
function previousOutstanding(previous: ScrubRunRecord | undefined): OutstandingScrub {
  if (!previous) return { objects: [], notListed: 0 };
  if (previous.outstanding) return previous.outstanding;
  const sides: readonly VaultSide[] = previous.scope === 'both' ? ['primary', 'dr'] : [previous.scope];
  const lost = previous.outcome === 'DAMAGED';
  return {
    objects: previous.unrepairedKeys.flatMap((key) =>
      sides.map((vault): OutstandingScrubObject => ({ vault, key, problem: 'corrupt', goodCopy: !lost, since: previous.startedAt, backups: lost ? newestBackups(previous.affectedBackups) : [] })),
    ),
    notListed: 0,
  };
}

/**
 * Backup ids without their sources that a record keeps of an object: the newest OUTSTANDING_BACKUPS_LISTED (ids sort by
 * start time), for a record from before `outstanding` (its `affectedBackups`) and the merge of a copied-in entry's
 * (stillCopiedIn). A mapping's, whose plans are known, are taken in turns from each plan (backupsInTurns).
 */
function newestBackups(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort().slice(-OUTSTANDING_BACKUPS_LISTED);
}
