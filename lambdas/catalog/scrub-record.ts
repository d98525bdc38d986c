import { z } from 'zod';
import { copiedInIdEntries, copiedInIdGroupsSchema } from './copied-in-ids';

const count = z.number().int().nonnegative();
const notWorkedOutCauseSchema = z.enum(['deadline', 'memory']);
/** What cut a scrub's work-out of which objects a vault lacking some needs (vault-needs-work-out.ts): the repair cutoff, or the function's memory. */
export type NotWorkedOutCause = z.infer<typeof notWorkedOutCauseSchema>;
const cursorSchema = z.object({ cycle: z.number().int().positive(), after: z.string().nullable() });

/** Objects an outstanding list names; the others are counted (`notListed`). */
export const OUTSTANDING_LISTED = 100;
/** Backup ids kept per outstanding object: a pack's blobs are often in every later backup of a source. */
export const OUTSTANDING_BACKUPS_LISTED = 20;
/**
 * Backup ids a scrub record names in `affectedBackups`. Unbounded, a lost pack shared by an hourly plan kept 90 days hits
 * about 2,160 backups, and a few plans sharing such packs passed the room the item leaves (about 6,300 ids) and the
 * record's write failed (review r57W F3). 2,000 ids take about 52 KB: the fullest record, every list at its cap, stays
 * under DynamoDB's 400 KB (scrub-outstanding.test.ts weighs it).
 */
export const AFFECTED_BACKUPS_LISTED = 2_000;

/**
 * Copied-in entries an outstanding record lists (`copiedInObjects`), apart from the OUTSTANDING_LISTED others. A record
 * is one DynamoDB item (under 400 KB, attribute names included): an entry is at most about 850 bytes (a snapshot key,
 * OUTSTANDING_BACKUPS_LISTED backup ids, the flags and dates), so 200 of them take about 170 KB beside the about 90 KB
 * of the 100 listed objects, the groups and `unrepairedKeys` (scrub-outstanding.test.ts weighs the fullest record).
 * One repair run copying a DR vault's week of missed snapshots back in leaves at most what its look after the copy
 * could not show to read; the checks again (5 a vault a run) clear them over the following runs.
 */
export const OUTSTANDING_COPIED_IN_LISTED = 200;

/**
 * One object in one vault a run left damaged or missing, kept in every later record until a run reads it again in that
 * vault and finds it good, repairs it, or finds it gone (scrub-outstanding.ts). `goodCopy`: the other vault's copy
 * verified when it was last read (REPAIRABLE); without it the object has no good copy (DAMAGED), unless `otherCopy` says
 * the other copy exists but was not verified (REPAIRABLE, its backups named): `archived`, an archived copy (probably good,
 * but only a thaw tells, and until then the backups it hits cannot be restored from this vault), or `unverified`, a copy
 * the run's deadline left unread (the next scrub with repair reads it; it may be damaged too, so it is not a good copy). `since`: the start of the run that first found it. `backups`:
 * OUTSTANDING_BACKUPS_LISTED of the backups it hits, taken in turns from each plan (its snapshots' `plan:` tag), newest
 * first, so that each of up to OUTSTANDING_BACKUPS_LISTED plans hit keeps its newest; past that many plans, those whose
 * newest backup is oldest keep none and read ✓ once the object is carried (objects without `goodCopy` only;
 * backups-in-turns.ts: the newest of all, an hourly plan's crowded out a daily one's, review f58A; by source, a daily
 * plan's older backups of a source since moved to an hourly plan, review r58B F2).
 */
const outstandingObjectSchema = z.object({
  vault: z.enum(['primary', 'dr']),
  key: z.string().min(1),
  problem: z.enum(['corrupt', 'missing']),
  goodCopy: z.boolean(),
  /** Absent unless the other copy exists but was not verified (never with `goodCopy`); absent in records written before it was kept. */
  otherCopy: z.enum(['archived', 'unverified']).optional(),
  /**
   * With `otherCopy: 'unverified'`: the run's read of that copy was refused (an AccessDenied; ScrubFinding
   * `otherCopyRefused`), so the next scrub is refused the same way until the permission is fixed, and `lifeboat status`
   * says so instead of saying the next scrub with repair verifies it (review r63AB F2). Absent otherwise, and in records
   * written before it was kept, which read as unverified as before. Optional, so no CATALOG_FORMAT raise: a CLI from
   * before drops it when its `lifeboat scrub` carries the object (z.object drops keys it does not know), which only
   * brings back the unverified wording; the object stays REPAIRABLE with its backups named either way.
   */
  otherCopyRefused: z.literal(true).optional(),
  since: z.string().min(1),
  backups: z.array(z.string()).max(OUTSTANDING_BACKUPS_LISTED),
  /**
   * `backups` is empty because no run worked them out: the run that found it had its mapping to backups cut by its
   * deadline (lambdas/replication/unrepaired-damage-mapping.ts, describeDamageUntil) and no earlier record named them. Without it a lost object read as
   * hitting no backup and `lifeboat status` judged every plan ✓ (review rS F1); with it, a lost object makes every plan ✗
   * and names the scrub that works them out. Never on a snapshot object: status names its backup from the catalog (the
   * records whose sources list it), and flagged, one no mapping can name kept every plan ✗ for good (review r58F F1;
   * status passes over the flag on one in records written before). Absent once a run names them, and in records written before it was kept.
   * A CLI from before drops it (z.object drops keys it does not know) and its `lifeboat scrub`, carrying the object,
   * wrote it without the flag, so status read ✓ again with data lost in both vaults: CATALOG_FORMAT 3 refuses such a
   * CLI's writes (audit aY1-1).
   */
  backupsNotWorkedOut: z.literal(true).optional(),
  /**
   * A snapshot object a scrub copied into this vault whose tree was not shown to read there (lost: it reads in neither
   * vault; `otherCopy: 'unverified'`: the check could not finish; `goodCopy`: it reads only across both vaults). Copied
   * in, it is never missing again, so a comparison that does not find it missing says nothing of it: it is dropped only
   * when a run with its vault in scope checks it again and it reads there, or it is gone from both vaults
   * (scrub-outstanding.ts, copied-in-recheck.ts; reviews r57G R2, r57K F1). A run that reads the snapshot object itself
   * damaged, or finds it missing, keeps the flag, with the worse copy of the two (review f58A: its finding took the
   * entry's place, and a lost tree whose object had a good copy read REPAIRABLE). Kept in the record's own list
   * (`copiedInObjects`), never among the OUTSTANDING_LISTED others nor counted in `notListedGroups`, which keep no flag
   * (reviews r57P F3, r57U U1, U2). Absent in records written before it was kept, whose
   * entries are dropped as before. A CLI from before drops it (z.object drops keys it does not know): its `lifeboat scrub`
   * of both vaults drops the entry unchecked (the comparison no longer finds it missing), and one of a vault writes it
   * without the flag for the next run to drop, so an unverified or lost copy left the record unchecked again:
   * CATALOG_FORMAT 4 refuses such a CLI's writes (review r57P F5).
   */
  copiedIn: z.literal(true).optional(),
  /**
   * Of a `copiedIn` entry, the start of the last run that checked it again (read its tree, whatever came of it;
   * copied-in-recheck.ts): each run checks the least recently checked first, so that entries found lost again do not
   * take every run's checks (review r57P F1). Absent until a run checks it again, and in records written before it was kept.
   */
  lastChecked: z.string().min(1).optional(),
  /**
   * A pack no vault holds that an index object of this vault lists (lambdas/replication/lost-listed-packs.ts), that
   * object's key: in neither listing, no comparison finds it again, so the entry is kept till a run's slice reads that
   * object again in this vault and it no longer names a lost pack (scrub-outstanding.ts; fix f58R: a scrub found none of
   * these, and a backup deduplicating against such an index referenced data no vault holds). Absent otherwise. A CLI from
   * before drops it (z.object drops keys it does not know), and its `lifeboat scrub` then drops the entry at its next
   * comparison, so status read ✓ again with the pack lost: CATALOG_FORMAT 5 refuses such a CLI's writes.
   */
  listedBy: z.string().min(1).optional(),
});
export type OutstandingScrubObject = z.infer<typeof outstandingObjectSchema>;
/** What is known of the other vault's copy of an object with no good copy: it exists, but was not verified (see above). */
export type OtherCopy = NonNullable<OutstandingScrubObject['otherCopy']>;

/** Groups of unlisted objects a record keeps; past it groups of one problem are merged, neighbouring keys first (scrub-outstanding.ts). */
export const OUTSTANDING_GROUPS_KEPT = 30;

/**
 * Objects past the listed ones that one run counted, of one problem: corrupt ones it read in its slice, corrupt ones
 * carried from earlier runs, or missing ones (found by comparing the listings, whatever the slice). `first`/`last`: their
 * lowest and highest key (absent: unknown, a record from before groups were kept); `cycle`: the scrub cycle of that run.
 * A later run that reads them all again (scrub-outstanding.ts) counts them afresh in place of the group. `lost`: some of
 * them have no copy in the other vault (no good copy, none archived or left unverified: DAMAGED); false, each has one
 * (REPAIRABLE). Absent in records written before it was kept: `lifeboat status` then judges the group as it did, by the
 * last listed object (listed with no good copy first), and the next run fills it in the same way. Optional, so no
 * CATALOG_FORMAT raise: a CLI from before reads a record with it (z.object drops keys it does not know) and, carrying
 * the group, writes it without, which reads as before (a date lent by a group may be earlier than a re-found object
 * was first found: scrub-outstanding.ts, review rN F1). `mixedSince`: its `since` (its oldest object's) is not that of
 * every object it may hold in its range: groups merged (a record keeps at most OUTSTANDING_GROUPS_KEPT; the range spans
 * the gap between them, where neither counted one), or one run's group of objects first found on several days. A run counting it afresh gives none of its findings that `since` (scrub-outstanding.ts, review rI
 * F1). Optional as `lost`; a CLI from before writes the group without it, and its findings then take its `since`, as
 * before.
 */
const notListedGroupSchema = z.object({
  problem: z.enum(['corrupt', 'missing']),
  first: z.string().min(1).optional(),
  last: z.string().min(1).optional(),
  vaults: z.array(z.enum(['primary', 'dr'])).min(1),
  count: z.number().int().positive(),
  since: z.string().min(1),
  cycle: z.number().int().positive(),
  lost: z.boolean().optional(),
  mixedSince: z.literal(true).optional(),
  /**
   * Every object it counts had its other copy's read refused (`otherCopyRefused`): one found again while the run leaves
   * that copy unread keeps the flag, as a listed entry does; counted without it, it came back plain unverified and
   * status promised that the next scrub verifies it (review r64P F1). Only groups of such objects alone have it, and two
   * groups merge into one with it only when both have it. Optional, so no CATALOG_FORMAT raise: a CLI from before drops
   * it (z.object drops keys it does not know), bringing back only the unverified wording, as for `copiedInIds`.
   */
  refused: z.literal(true).optional(),
  /**
   * The run that wrote the record counted every object of it itself with its object→backup mapping worked out (both
   * vaults open, the mapping not cut by the deadline, no `affectedBackupsNotListed`: review r65S F1): their backups
   * are among the record's `affectedBackups`, so
   * `lifeboat status` judges a lost group as it judges listed losses, per plan. Without it (carried from an earlier run
   * and not read again, a cut mapping, or a record from before it) the group keeps no backups and a lost one makes every
   * plan ✗ (plan-status.ts, `lostNotListed`): a plan with none of its objects was ✗, and the orphan packs a `backups
   * forget --lost` leaves till prune kept every plan ✗ (review r65J F1). Dropped when the group is carried, and kept by a
   * merge only when both groups have it. Optional, so no CATALOG_FORMAT raise: a CLI from before drops it, the safe side.
   */
  backupsKnown: z.literal(true).optional(),
});
export type NotListedGroup = z.infer<typeof notListedGroupSchema>;

/**
 * Copied-in entries past those a record lists (`copiedInObjects`) and keeps by id (`copiedInIds`,
 * OUTSTANDING_COPIED_IN_IDS_KEPT): counted, as no run can check again an entry whose key it does not know. `since`: the
 * earliest found; `until`: the start of the latest run that counted some (the runs between copied them in:
 * docs/RUNBOOKS.md, "Scrub", says how to verify their backups); `lost`: some had no copy in the other vault, whose
 * backups no record names, so status judges every plan ✗ (plan-status.ts, as for lost objects whose backups no run
 * worked out); `cycle`: the scrub cycle of that run. Each run adds those it has no room for; kept till an operator
 * clears it (`lifeboat scrub --clear-copied-in-count <until>`, the count's own `until`) once those backups are verified: no cycle finds again an object
 * lost in both vaults, so the count kept only till a later cycle was dropped unchecked (review r57W F2). `until` is
 * absent in records of the same format written before it was kept.
 */
const copiedInNotListedSchema = z.object({
  count: z.number().int().positive(),
  since: z.string().min(1),
  until: z.string().min(1).optional(),
  cycle: z.number().int().positive(),
  lost: z.boolean(),
});
export type CopiedInNotListed = z.infer<typeof copiedInNotListedSchema>;

/**
 * What is still damaged or missing after a run, whichever run found it: the run's own findings left unrepaired and those
 * of earlier runs this run did not read (its slice or scope did not cover them). A run reads a seventh of the vault: this
 * is what keeps the damage of the run before in `lifeboat status` until the object is read again. Objects past the
 * first OUTSTANDING_LISTED are counted in `notListed` (the earliest found `notListedSince`): the sum of `notListedGroups`,
 * each dropped once a run reads its objects again (they are then counted afresh) or a run of both vaults completes a
 * later cycle than its own, which read every object again.
 */
export const outstandingScrubSchema = z.object({
  objects: z.array(outstandingObjectSchema).max(OUTSTANDING_LISTED),
  /**
   * The `copiedIn` entries, the lost first, then the unverified, then the oldest; absent when none. Apart from `objects`:
   * listed among them, first, they pushed this run's lost objects (and the backups status judges by) out to the groups,
   * and past 100 they went into a group and the next run dropped them unchecked (review r57U U1, U2). Records of the
   * same format written before it keep them in `objects`, which is read as before. Under CATALOG_FORMAT 4, as `copiedIn`.
   */
  copiedInObjects: z.array(outstandingObjectSchema).max(OUTSTANDING_COPIED_IN_LISTED).optional(),
  /**
   * Copied-in entries past `copiedInObjects`, up to OUTSTANDING_COPIED_IN_IDS_KEPT, kept by snapshot id (copied-in-ids.ts)
   * and checked again in turn with the listed ones; absent when none. Past 200 they were only counted, and no run could
   * check one again (review r57W F2). Under CATALOG_FORMAT 4, as `copiedIn`.
   */
  copiedInIds: copiedInIdGroupsSchema.optional(),
  /** Copied-in entries past `copiedInIds`, counted (see above); absent when none. */
  copiedInNotListed: copiedInNotListedSchema.optional(),
  notListed: count,
  notListedSince: z.string().min(1).optional(),
  notListedGroups: z.array(notListedGroupSchema).max(OUTSTANDING_GROUPS_KEPT).optional(),
  /** Records written before `notListedGroups` (read only): the last cycle unlisted objects were found in. */
  notListedCycle: z.number().int().positive().optional(),
  /** Records written before `notListedGroups` (read only): the first and last key of the unlisted objects and their vaults. */
  notListedRange: z.object({ first: z.string().min(1), last: z.string().min(1), vaults: z.array(z.enum(['primary', 'dr'])).min(1) }).optional(),
});
export type OutstandingScrub = z.infer<typeof outstandingScrubSchema>;

/** Every entry an outstanding record names: its objects, its copied-in entries, and those it keeps by id (without backups). */
export function listedOutstanding(outstanding: OutstandingScrub | undefined): OutstandingScrubObject[] {
  return [...(outstanding?.objects ?? []), ...(outstanding?.copiedInObjects ?? []), ...copiedInIdEntries(outstanding?.copiedInIds)];
}

/**
 * The summary of one scrub run as the catalog keeps it (`pk = SCRUB#RUNS`, `sk = <startedAt ISO>`):
 * what was read, found and repaired, the keys left damaged (the first 100) and the backups they
 * affect, and `nextCursor` — where the next run starts, so the latest record is also the scrub's
 * position in its cycle; `outstanding` carries what earlier runs left damaged that this one did not read again, so the
 * latest record is also the vaults' known damage. `status` shows the latest; validated whenever read.
 */
export const scrubRunRecordSchema = z.object({
  environment: z.string().min(1),
  startedAt: z.string().min(1),
  endedAt: z.string().min(1),
  scope: z.enum(['primary', 'dr', 'both']),
  fraction: z.number().positive().max(1),
  repair: z.boolean(),
  cursor: cursorSchema,
  nextCursor: cursorSchema,
  cycleComplete: z.boolean(),
  /** The deadline came before the run read its whole slice: it read up to `nextCursor` (scrub-vaults.ts); absent when it read it whole. */
  cut: z.literal(true).optional(),
  objects: count,
  read: z.object({ primary: count.optional(), dr: count.optional() }),
  /** Archived packs of the slice not read (a read needs a thaw: docs/ARCHITECTURE.md, "Storage tiers"); absent when none. */
  archivedNotRead: z.object({ primary: count.optional(), dr: count.optional() }).optional(),
  /**
   * Per vault, the data/, index/ and manifest/ objects it lacks (the other vault holds them) of which the deadline came
   * before the run worked out which its snapshots need (missing-objects-work-out.ts, `notWorkedOut`): no finding, so without this
   * nothing in the record said the vault still lacks them (audit aU2-1); `lifeboat status` says so. Absent when none, and
   * in records written before it was kept. A CLI from before reads a record with it: z.object drops keys it does not know.
   */
  notWorkedOut: z.object({ primary: count.optional(), dr: count.optional() }).optional(),
  /**
   * Per vault of `notWorkedOut`, what cut its work-out: `deadline` (the next run may have the time) or `memory` (every
   * scheduled run meets the same bound: a scrub from a machine). Unnamed, status and the notes named both, for ever
   * (review rJ F2). Absent in records written before it was kept, which are read as before.
   */
  notWorkedOutCause: z.object({ primary: notWorkedOutCauseSchema.optional(), dr: notWorkedOutCauseSchema.optional() }).optional(),
  /**
   * Per vault, the snapshots it lacks (the other vault holds them) whose record there the run had no time to read, so
   * whether their backup discarded them was not worked out (missing-objects-work-out.ts, `snapshotsNotWorkedOut`): neither missing
   * nor a finding, so without this a snapshot really missing was in no record and the run CLEAN (review rN F2);
   * `lifeboat status` says so. Absent when none, and in records written before it was kept.
   */
  snapshotsNotWorkedOut: z.object({ primary: count.optional(), dr: count.optional() }).optional(),
  corrupt: count,
  missing: count,
  repaired: count,
  repairable: count,
  unrepaired: count,
  /**
   * CLEAN: nothing found; REPAIRED: everything found was repaired; REPAIRABLE: found, not repaired (a run without
   * repair, or a repair something stood in the way of: a prune of the vault, Object Lock, another account), a good
   * copy exists of each, or (a finding's `otherCopy`) a copy not verified, archived (to thaw and repair from) or left
   * unread by the deadline (the next scrub with repair reads it); DAMAGED:
   * something has no good copy.
   */
  outcome: z.enum(['CLEAN', 'REPAIRED', 'REPAIRABLE', 'DAMAGED']),
  unrepairedKeys: z.array(z.string()).max(100),
  /**
   * The backups objects with no good copy hit, at most AFFECTED_BACKUPS_LISTED (scrub-affected-backups.ts: in turns
   * from each plan, newest first, so each of up to that many plans hit keeps its newest); not bounded on read, so records of earlier writers,
   * which kept them all, still read.
   */
  affectedBackups: z.array(z.string()),
  /** How many more backups they hit than `affectedBackups` names; absent when none (review r57W F3). */
  affectedBackupsNotListed: count.optional(),
  /** Absent in records written before it was kept: their `unrepairedKeys` stand for it (scrub-outstanding.ts). */
  outstanding: outstandingScrubSchema.optional(),
});
export type ScrubRunRecord = z.infer<typeof scrubRunRecordSchema>;

export const SCRUB_RUNS_PK = 'SCRUB#RUNS';
