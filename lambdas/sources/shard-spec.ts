import { z } from 'zod';

/**
 * One unit of snapshot work, as stored in the backup's plan document in the vault. Only a shard's
 * index travels through Step Functions; the snapshot Lambda reads its spec from the plan.
 */
export const shardSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('s3'),
    index: z.number().int().min(0),
    source: z.string(),
    bucket: z.string(),
    prefix: z.string(),
    /** Exclusive lower bound of keys (ListObjectsV2 StartAfter); absent = from the start. */
    startAfter: z.string().optional(),
    /** Inclusive upper bound of keys; absent = to the end. */
    endAt: z.string().optional(),
    /** Keys of this range that s3-range shards back up instead (objects above the shard's byte budget): this shard skips them. */
    splitKeys: z.array(z.string()).optional(),
  }),
  z.object({
    /** One byte range of an object larger than a shard's byte budget (docs/ARCHITECTURE.md, "Objects split by byte ranges"). */
    kind: z.literal('s3-range'),
    index: z.number().int().min(0),
    source: z.string(),
    bucket: z.string(),
    key: z.string(),
    /** The ETag listed at planning: every piece reads with If-Match on it, so all pieces are of one version. */
    etag: z.string(),
    /** The whole object's size. */
    size: z.number().int().min(0),
    /** First byte of the piece (inclusive). */
    start: z.number().int().min(0),
    /** End of the piece (exclusive): the piece is bytes [start, end). */
    end: z.number().int().min(1),
    piece: z.number().int().min(0),
    pieces: z.number().int().min(2),
  }),
  z.object({
    kind: z.literal('dynamodb'),
    index: z.number().int().min(0),
    source: z.string(),
    table: z.string(),
    segment: z.number().int().min(0),
    totalSegments: z.number().int().min(1),
    /** This segment's share of the source's read budget, in RCU a second (dynamodb-capacity-budget.ts); absent (plans made before budgets): unpaced. */
    readUnitsPerSecond: z.number().positive().optional(),
    /** The table's average item size when planned (DescribeTable), to size the first Scan page of the budget. */
    averageItemBytes: z.number().nonnegative().optional(),
  }),
  z.object({
    kind: z.literal('filesystem'),
    index: z.number().int().min(0),
    source: z.string(),
    root: z.string(),
    /** Top-level entries (relative to root) whose subtrees this shard covers; '' = files directly in root. */
    paths: z.array(z.string()),
    /** Whether this is the first shard of its source (informational: the root itself has no entry, as in vault/archiver/directory-source.ts). */
    includeRoot: z.boolean(),
  }),
]);

export type ShardSpec = z.infer<typeof shardSpecSchema>;
