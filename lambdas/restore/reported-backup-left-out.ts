import { z } from 'zod';

const count = z.number().int().nonnegative();

/**
 * A RestoreReport's `backupLeftOut` (backup-left-out.ts) as the workflows that run restores read it from their state (the
 * drill, the failover): the counts of what the restored backup did not hold whole of the source and its first reason
 * lines, or `unknown`, why that could not be told. Those workflows bound the lines before they keep them
 * (lambdas/drill/drill-shortfall.ts).
 */
export const reportedBackupLeftOutSchema = z.union([
  z.object({ skipped: count, skippedExamples: z.array(z.string()), vanished: count, changedDuringRead: count }),
  z.object({ unknown: z.string() }),
]);
