import { z } from 'zod';

/**
 * Where a planning invocation stopped, for the next one (scale contract §3): small JSON that travels
 * through the state machine (well under 8 KB: two S3 keys of at most 1 KiB each, an MD5 and a few numbers).
 * The sources before `sourceIndex` are planned; `s3.startAfter` is the last shard boundary of the
 * source at `sourceIndex` (its listing resumes after it).
 */
export const planContinuationSchema = z.strictObject({
  planKey: z.string().min(1),
  /** The number of the next shard manifest (the invocation that stopped wrote seq - 1). */
  seq: z.number().int().min(1),
  /** The global index of the next shard. */
  nextShardIndex: z.number().int().min(0),
  sourceIndex: z.number().int().min(0),
  s3: z
    .strictObject({
      startAfter: z.string(),
      /** The inventory report the source is planned from: every invocation reads the same one. */
      inventoryManifest: z.string().optional(),
      /** The MD5 (hex) of that manifest as chosen: a later invocation fails the run if the manifest is no longer it. */
      inventoryManifestMd5: z.string().regex(/^[0-9a-f]{32}$/).optional(),
      /** The report's data file that holds startAfter: the next invocation reads from it, not from the first file. */
      inventoryFile: z.number().int().min(0).optional(),
    })
    .optional(),
});
export type PlanContinuation = z.infer<typeof planContinuationSchema>;
