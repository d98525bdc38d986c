import { z } from 'zod';

/** The partition key of a source's mirror state in the catalog: one item per mirrored source, the latest check. */
export const mirrorPk = (source: string): string => `MIRROR#${source}`;
export const MIRROR_SK = 'MIRROR';

/** A difference between a source and its mirror: the key (S3 key, DynamoDB item key as JSON) and what differs. */
export const mirrorDifferenceSchema = z.object({ key: z.string(), reason: z.string() });
export type MirrorDifference = z.infer<typeof mirrorDifferenceSchema>;

/**
 * The latest mirror check of one source (`pk = MIRROR#<source>`, `sk = MIRROR`) in the catalog of the
 * region the check runs in (the DR region's): whether the window compared was equal, the first
 * difference, the replication lag, and where the next check's window starts. `checkedAt` is the last
 * comparison that ran; an attempt that could not reach the source (its region down) leaves the
 * comparison as it was and is recorded under `lastAttempt`, so a failover during an outage still
 * sees the mirror's state from before it.
 */
export const mirrorRecordSchema = z.object({
  environment: z.string().min(1),
  source: z.string().min(1),
  plan: z.string().min(1),
  type: z.enum(['s3', 'dynamodb', 'filesystem']),
  /** Where the mirror is: `s3://<bucket>/<prefix>`, `dynamodb table <name> (<region>)`. */
  mirror: z.string().min(1),
  checkedAt: z.string().min(1),
  passed: z.boolean(),
  /** Entries of the source compared in this window. */
  compared: z.number().int().nonnegative(),
  differences: z.number().int().nonnegative(),
  /** Differences too recent to count (written within the grace, still replicating). */
  inFlight: z.number().int().nonnegative(),
  firstDifference: mirrorDifferenceSchema.optional(),
  /**
   * The replication lag in seconds: with differences, how long the oldest unreplicated write has waited;
   * without, the slowest replication seen in the window (mirror copy's time − source write's time). Null when unknown.
   */
  lagSeconds: z.number().nonnegative().nullable(),
  graceSeconds: z.number().nonnegative(),
  /** The window's last key: the next check starts after it; empty when the window reached the end (the next starts over). */
  cursor: z.string(),
  durationMs: z.number().nonnegative(),
  /** Why the check could not say more (a precondition missing, the lag not measurable here). */
  note: z.string().optional(),
  /** The last attempt that could not compare (source region unreachable), when it came after `checkedAt`. */
  lastAttempt: z.object({ at: z.string(), error: z.string() }).optional(),
});
export type MirrorRecord = z.infer<typeof mirrorRecordSchema>;
