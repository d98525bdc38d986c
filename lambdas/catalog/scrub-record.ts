import { z } from 'zod';

const count = z.number().int().nonnegative();
const cursorSchema = z.object({ cycle: z.number().int().positive(), after: z.string().nullable() });

/**
 * The summary of one scrub run as the catalog keeps it (`pk = SCRUB#RUNS`, `sk = <startedAt ISO>`):
 * what was read, found and repaired, the keys left damaged (the first 100) and the backups they
 * affect, and `nextCursor` — where the next run starts, so the latest record is also the scrub's
 * position in its cycle. `status` shows the latest; validated whenever read.
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
});
export type ScrubRunRecord = z.infer<typeof scrubRunRecordSchema>;

export const SCRUB_RUNS_PK = 'SCRUB#RUNS';
