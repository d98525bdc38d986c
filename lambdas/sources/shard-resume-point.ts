import { z } from 'zod';

/**
 * Where a shard that stopped before its end picks up again (stored in its cursor,
 * parts/<backupId>/<shard>/cursor.json, docs/ARCHITECTURE.md "Resumable shards"). Always an entry
 * boundary: everything up to it is in the shard's stored segments, nothing after it is.
 */

/** S3: the last key whose entry is stored; the listing resumes with StartAfter = lastKey. */
export const s3ResumePointSchema = z.object({ kind: z.literal('s3'), lastKey: z.string() });
export type S3ResumePoint = z.infer<typeof s3ResumePointSchema>;

/**
 * DynamoDB: the scan's ExclusiveStartKey — the key of the last item of the last page entry stored,
 * as canonical item text (encodeItemText: binary keys survive JSON) — and the number of the next page entry.
 */
/**
 * `budgetDebtUnits`: the read units the stopped stretch's budget still owed (it returns at once instead of waiting them
 * out, which could outlast its stop margin); the next stretch's budget starts that far in debt.
 */
export const dynamoDbResumePointSchema = z.object({ kind: z.literal('dynamodb'), startKey: z.string(), nextPage: z.number().int().min(0), budgetDebtUnits: z.number().min(0).optional() });
export type DynamoDbResumePoint = z.infer<typeof dynamoDbResumePointSchema>;

/**
 * Filesystem: the last path of the shard's walk (manifest order) whose entry is stored, and the
 * hard-link groups still open there (vault OpenHardLinkGroup), so later names still point at their first.
 */
export const filesystemResumePointSchema = z.object({
  kind: z.literal('filesystem'),
  lastPath: z.string(),
  hardLinks: z.array(
    z.object({
      key: z.string(),
      path: z.string(),
      remaining: z.string().regex(/^[0-9]+$/),
      recorded: z.object({ size: z.number().int().min(0), content: z.array(z.string()) }).nullable(),
    }),
  ),
});
export type FilesystemResumePoint = z.infer<typeof filesystemResumePointSchema>;

export const shardResumePointSchema = z.discriminatedUnion('kind', [s3ResumePointSchema, dynamoDbResumePointSchema, filesystemResumePointSchema]);
export type ShardResumePoint = z.infer<typeof shardResumePointSchema>;
