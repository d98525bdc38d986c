import { z } from 'zod';
import { drillCleanupSchema, drillErrorSchema, drillSourceResultSchema } from '../catalog/drill-record';
import { reportedBackupLeftOutSchema } from '../restore/reported-backup-left-out';
import { reportedNotRestoredSchema } from '../restore/reported-not-restored';
import { restoreTargetSchema } from '../restore/restore-request';
import { drillStartSchema } from './drill-start';

/**
 * The drill workflow's state as its later steps receive it, validated at each step's door: what the
 * first step, the restore chain (per source: its report, or its failure), the comparison and the
 * cleanup returned, and the errors a Catch stored (a step's, the cleanup's). Unknown fields are dropped.
 */

const count = z.number().int().nonnegative();

/** A source's RestoreReport (lambdas/restore/verify-restore.ts), as far as the drill reads it. */
export const restoredSourceSchema = z.looseObject({
  restoreId: z.string().min(1),
  backupId: z.string().min(1),
  source: z.string().min(1),
  snapshotId: z.string().min(1),
  vault: z.enum(['primary', 'dr']),
  target: restoreTargetSchema,
  targetDescription: z.string(),
  entries: count,
  /** DynamoDB targets: the items written (and read back by key); `entries` counts their pages. */
  items: count.optional(),
  bytes: count,
  verified: z.looseObject({ entries: count, mismatches: count }),
  /** A partial restore (the report's own lists; the drill's report bounds them: drill-shortfall.ts). */
  notRestored: reportedNotRestoredSchema.optional(),
  backupLeftOut: reportedBackupLeftOutSchema.optional(),
  durationMs: z.number().nonnegative(),
});

/** What a Catch stores (`ResultPath: $.error`); `step` when the workflow adds it. */
export const caughtErrorSchema = z.object({ Error: z.string().min(1), Cause: z.string().optional(), step: z.string().optional() });

/**
 * An iteration of `Restore sources` whose restore failed: its Catch (lib/constructs/drill-workflow.ts, `Source not
 * restored`) turns the failure into this item, so that the Map goes on with the other sources and the drill reports
 * every one of them. `target`: the scratch target it was restored into, `error`: the child restore's own error.
 */
export const failedSourceRestoreSchema = z.object({ source: z.string().min(1), failed: z.literal(true), target: restoreTargetSchema, error: caughtErrorSchema });
export type FailedSourceRestore = z.infer<typeof failedSourceRestoreSchema>;

/** An item of `$.restored`: the source's RestoreReport, or its failure; told apart by `failed`, so an error names the fields of the one it is. */
export const sourceRestoreSchema = z.discriminatedUnion('failed', [failedSourceRestoreSchema, restoredSourceSchema.extend({ failed: z.undefined().optional() })]);

export function isFailedRestore<T extends object>(item: T | FailedSourceRestore): item is FailedSourceRestore {
  return 'failed' in item && item.failed === true;
}

/** The sources of `$.restored` that were restored and verified. */
export function restoredOnly<T extends object>(items: readonly (T | FailedSourceRestore)[]): T[] {
  return items.filter((item): item is T => !isFailedRestore(item));
}

export const drillComparisonSchema = z.object({
  verifiedAt: z.string().min(1),
  sources: z.array(z.object({ source: z.string().min(1), sampled: drillSourceResultSchema.shape.sampled })),
  errors: z.array(drillErrorSchema),
});

export const drillStateSchema = z.object({
  input: z.unknown(),
  execution: z.string().min(1),
  startedAt: z.string().min(1),
  drill: drillStartSchema.optional(),
  restored: z.array(sourceRestoreSchema).optional(),
  comparison: drillComparisonSchema.optional(),
  cleanup: drillCleanupSchema.optional(),
  error: caughtErrorSchema.optional(),
  /** What the Catch of `Clean up scratch` stored when that step failed (`ResultPath: $.cleanupError`). */
  cleanupError: caughtErrorSchema.optional(),
});
