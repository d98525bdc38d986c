import { z } from 'zod';
import { drillErrorSchema, drillSourceResultSchema } from '../catalog/drill-record';
import { restoreTargetSchema } from '../restore/restore-request';
import { drillStartSchema } from './drill-start';

/**
 * The drill workflow's state as its later steps receive it, validated at each step's door: what the
 * first step, the restore chain, the comparison and the cleanup returned, and the error a Catch
 * stored. Unknown fields are dropped.
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
  durationMs: z.number().nonnegative(),
});

export const drillComparisonSchema = z.object({
  verifiedAt: z.string().min(1),
  sources: z.array(z.object({ source: z.string().min(1), sampled: drillSourceResultSchema.shape.sampled })),
  errors: z.array(drillErrorSchema),
});

export const drillCleanupSchema = z.object({ removed: z.array(z.string()), swept: z.array(z.string()), errors: z.array(z.string()) });

/** What a Catch stores (`ResultPath: $.error`); `step` when the workflow adds it. */
export const caughtErrorSchema = z.object({ Error: z.string().min(1), Cause: z.string().optional(), step: z.string().optional() });

export const drillStateSchema = z.object({
  input: z.unknown(),
  execution: z.string().min(1),
  startedAt: z.string().min(1),
  drill: drillStartSchema.optional(),
  restored: z.array(restoredSourceSchema).optional(),
  comparison: drillComparisonSchema.optional(),
  cleanup: drillCleanupSchema.optional(),
  error: caughtErrorSchema.optional(),
});
