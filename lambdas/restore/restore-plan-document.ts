import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { resolvedRestoreSchema } from './resolved-restore';

/**
 * The plan of one restore, stored as JSON in the primary vault bucket under `restore-plans/` (a
 * prefix the vault format ignores). Only its key and shard indexes travel through the state machine.
 * A shard is a contiguous range of the manifest, `first` to `last` inclusive, in manifest order.
 */
export const restoreShardSchema = z.object({ index: z.number().int().min(0), first: z.string(), last: z.string(), entries: z.number().int(), bytes: z.number() });
export type RestoreShard = z.infer<typeof restoreShardSchema>;

export const restorePlanDocumentSchema = z.object({
  restore: resolvedRestoreSchema,
  entries: z.number().int(),
  bytes: z.number(),
  shards: z.array(restoreShardSchema),
  /** DynamoDB targets: each shard's share of the write budget, WCU a second (absent in plans made before budgets: unpaced). */
  writeUnitsPerShard: z.number().positive().optional(),
});
export type RestorePlanDocument = z.infer<typeof restorePlanDocumentSchema>;

/** What each Map iteration receives. */
export const restoreShardTaskSchema = z.object({
  restoreId: z.string(),
  planKey: z.string().regex(/^restore-plans\/[0-9A-Za-z_-]+\.json$/, 'must be a restore plan key'),
  shardIndex: z.number().int().min(0),
});
export type RestoreShardTask = z.infer<typeof restoreShardTaskSchema>;

export const RESTORE_PLANS_PREFIX = 'restore-plans/';

export function restorePlanKey(restoreId: string): string {
  return `${RESTORE_PLANS_PREFIX}${restoreId}.json`;
}

export async function putRestorePlan(s3: S3Client, bucket: string, plan: RestorePlanDocument): Promise<string> {
  const key = restorePlanKey(plan.restore.restoreId);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(plan), ContentType: 'application/json' }));
  return key;
}

export async function getRestorePlan(s3: S3Client, bucket: string, key: string): Promise<RestorePlanDocument> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return restorePlanDocumentSchema.parse(JSON.parse((await Body?.transformToString()) ?? 'null'));
}
