import { z } from 'zod';

const count = z.number().int().nonnegative();
const cursorSchema = z.object({ cycle: z.number().int().positive(), after: z.string().nullable() });

/** Objects an outstanding list names; the others are counted (`notListed`). */
export const OUTSTANDING_LISTED = 100;
/** Backup ids kept per outstanding object: a pack's blobs are often in every later backup of a source. */
export const OUTSTANDING_BACKUPS_LISTED = 20;

/**
 * One object in one vault a run left damaged or missing, kept in every later record until a run reads it again in that
 * vault and finds it good, repairs it, or finds it gone (scrub-outstanding.ts). `goodCopy`: the other vault's copy
 * verified when it was last read (REPAIRABLE); without it the object has no good copy (DAMAGED). `since`: the start of
 * the run that first found it. `backups`: the first OUTSTANDING_BACKUPS_LISTED backups it hits (objects with no good copy only).
 */
const outstandingObjectSchema = z.object({
  vault: z.enum(['primary', 'dr']),
  key: z.string().min(1),
  problem: z.enum(['corrupt', 'missing']),
  goodCopy: z.boolean(),
  since: z.string().min(1),
  backups: z.array(z.string()).max(OUTSTANDING_BACKUPS_LISTED),
});
export type OutstandingScrubObject = z.infer<typeof outstandingObjectSchema>;

/**
 * What is still damaged or missing after a run, whichever run found it: the run's own findings left unrepaired and those
 * of earlier runs this run did not read (its slice or scope did not cover them). A run reads a seventh of the vault: this
 * is what keeps the damage of the run before in `lifeboat status` until the object is read again. Objects past the
 * first OUTSTANDING_LISTED are counted in `notListed` (the earliest found `notListedSince`, the last cycle they were found
 * in `notListedCycle`) and dropped once a run of both vaults completes a later cycle, which read every object again;
 * a run that reads their whole range again counts them afresh (`notListedRange`).
 */
export const outstandingScrubSchema = z.object({
  objects: z.array(outstandingObjectSchema).max(OUTSTANDING_LISTED),
  notListed: count,
  notListedSince: z.string().min(1).optional(),
  notListedCycle: z.number().int().positive().optional(),
  /**
   * The first and last key of the unlisted objects and the vaults they are in: a run that reads that range again in each
   * of those vaults counts them afresh rather than on top (scrub-outstanding.ts). Absent in records written before it was kept.
   */
  notListedRange: z.object({ first: z.string().min(1), last: z.string().min(1), vaults: z.array(z.enum(['primary', 'dr'])).min(1) }).optional(),
});
export type OutstandingScrub = z.infer<typeof outstandingScrubSchema>;

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
  objects: count,
  read: z.object({ primary: count.optional(), dr: count.optional() }),
  /** Archived packs of the slice not read (a read needs a thaw: docs/ARCHITECTURE.md, "Storage tiers"); absent when none. */
  archivedNotRead: z.object({ primary: count.optional(), dr: count.optional() }).optional(),
  corrupt: count,
  missing: count,
  repaired: count,
  repairable: count,
  unrepaired: count,
  /**
   * CLEAN: nothing found; REPAIRED: everything found was repaired; REPAIRABLE: found, not repaired (a run without
   * repair, or a repair something stood in the way of: a prune of the vault, Object Lock, another account), a good
   * copy exists of each; DAMAGED: something has no good copy.
   */
  outcome: z.enum(['CLEAN', 'REPAIRED', 'REPAIRABLE', 'DAMAGED']),
  unrepairedKeys: z.array(z.string()).max(100),
  affectedBackups: z.array(z.string()),
  /** Absent in records written before it was kept: their `unrepairedKeys` stand for it (scrub-outstanding.ts). */
  outstanding: outstandingScrubSchema.optional(),
});
export type ScrubRunRecord = z.infer<typeof scrubRunRecordSchema>;

export const SCRUB_RUNS_PK = 'SCRUB#RUNS';
