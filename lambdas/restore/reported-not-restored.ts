import { z } from 'zod';

const count = z.number().int().nonnegative();

/**
 * A RestoreReport's `notRestored` (verify-restore.ts) as the workflows that run restores read it from their state (the
 * drill, the failover): `count` every entry or attribute the target lacks, `first` the report's own list, where an item
 * said once for many entries (a loss of the platform calls) has their number as `entries`; `kinds` the distinct reasons
 * of every item the verify step read (absent from a verify step before review r58I F3). Those workflows bound the list
 * before they keep it (lambdas/drill/drill-shortfall.ts).
 */
export const reportedNotRestoredSchema = z.object({
  count,
  kinds: z.array(z.string()).optional(),
  first: z.array(z.object({ path: z.string(), what: z.string(), entries: count.optional() })),
});
