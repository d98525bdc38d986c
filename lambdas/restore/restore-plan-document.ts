import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { objectPieceSchema } from './object-pieces';
import { resolvedRestoreSchema } from './resolved-restore';
import { restoreShardCursorSchema } from './restore-shard-cursor';
import { isMissingS3Object } from '../sources/s3-missing-object';

/**
 * The plan of one restore, stored as JSON in the primary vault bucket under `restore-plans/` (a
 * prefix the vault format ignores). Only its key and shard indexes travel through the state machine;
 * the shard indexes, for the restore runbook's Distributed Map, as a JSON Lines manifest beside it.
 * A shard is a contiguous range of the manifest, `first` to `last` inclusive, in manifest order, or
 * (with `piece`) a byte range of one large S3 entry (`first` = `last` = its path; object-pieces.ts).
 */
export const restoreShardSchema = z.object({
  index: z.number().int().min(0),
  first: z.string(),
  last: z.string(),
  entries: z.number().int(),
  bytes: z.number(),
  piece: objectPieceSchema.optional(),
});
export type RestoreShard = z.infer<typeof restoreShardSchema>;

export const restorePlanDocumentSchema = z.object({
  restore: resolvedRestoreSchema,
  entries: z.number().int(),
  bytes: z.number(),
  shards: z.array(restoreShardSchema),
  /** DynamoDB targets: each shard's share of the write budget, WCU a second (absent in plans made before budgets: unpaced). */
  writeUnitsPerShard: z.number().positive().optional(),
  /** DynamoDB targets: each shard's share of the read budget of its read-back, RCU a second (absent in plans made before: unpaced). */
  readUnitsPerShard: z.number().positive().optional(),
  /** DynamoDB targets: the table's key attributes (partition, then sort), by which each shard reads back the items it wrote. */
  tableKey: z.array(z.string().min(1)).min(1).max(2).optional(),
  /**
   * DynamoDB targets restored with `"timeToLive": "off"` from a source with TTL: the attribute the backup's schema names, for
   * the verify step's report. Kept here so verify reads no snapshot for it: the snapshot may be forgotten by then (review r57Q F1).
   * Absent otherwise, and in plans made before it (their report then has no timeToLiveOff).
   */
  ttlLeftOff: z.object({ attribute: z.string().min(1) }).optional(),
});
export type RestorePlanDocument = z.infer<typeof restorePlanDocumentSchema>;

const restorePlanKeySchema = z.string().regex(/^restore-plans\/[0-9A-Za-z_-]+\.json$/, 'must be a restore plan key');

/** One shard of a plan, as a core call names it. */
export const restoreShardTaskSchema = z.object({ restoreId: z.string(), planKey: restorePlanKeySchema, shardIndex: z.number().int().min(0) });
export type RestoreShardTask = z.infer<typeof restoreShardTaskSchema>;

/** One line of a restore's shard manifest (JSON Lines, one line per shard, in shard order): the Distributed Map's items. */
export const restoreShardItemSchema = z.object({ shardIndex: z.number().int().min(0) });
export type RestoreShardItem = z.infer<typeof restoreShardItemSchema>;

/**
 * What each Restore shard invocation receives: shards of one plan, restored in the order given. The
 * Distributed Map's ItemBatcher makes it (BatchInput + the manifest lines of one child execution); the
 * inline Map of the drill and the failover iterates batches of one shard, made by the planner. A
 * batch called again after it stopped at its deadline also carries `resume`, and the fields of the
 * previous call's answer beside it, which are ignored.
 */
export const restoreShardBatchSchema = z.object({
  BatchInput: z.object({ restoreId: z.string(), planKey: restorePlanKeySchema }),
  Items: z.array(restoreShardItemSchema).min(1, 'must name at least one shard'),
  /** Where a call that stopped at its deadline left off (restore-shard-cursor.ts); absent: from the batch's first shard. */
  resume: restoreShardCursorSchema.optional(),
});
export type RestoreShardBatch = z.infer<typeof restoreShardBatchSchema>;

export const RESTORE_PLANS_PREFIX = 'restore-plans/';

export function restorePlanKey(restoreId: string): string {
  return `${RESTORE_PLANS_PREFIX}${restoreId}.json`;
}

/** The shard manifest of a restore, next to its plan (the items key pattern of the state machine's read grant is `restore-plans/*`). */
export function restoreShardManifestKey(restoreId: string): string {
  return `${RESTORE_PLANS_PREFIX}${restoreId}.shards.jsonl`;
}

/** Writes the shard manifest: one `{"shardIndex": n}` line per shard, in shard order. */
export async function putRestoreShardManifest(s3: S3Client, bucket: string, restoreId: string, shards: readonly RestoreShard[]): Promise<string> {
  const key = restoreShardManifestKey(restoreId);
  const lines = shards.map((s) => `${JSON.stringify({ shardIndex: s.index } satisfies RestoreShardItem)}\n`).join('');
  // The length said explicitly: an empty manifest (a restore with no shard) has a body the SDK cannot
  // measure, and it would warn in the function's log that a stream of unknown length was sent.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: lines, ContentLength: Buffer.byteLength(lines), ContentType: 'application/x-ndjson' }));
  return key;
}

export async function putRestorePlan(s3: S3Client, bucket: string, plan: RestorePlanDocument): Promise<string> {
  const key = restorePlanKey(plan.restore.restoreId);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(plan), ContentType: 'application/json' }));
  return key;
}

/**
 * The text of an object the restore steps keep beside the plan (piece records, check records), or undefined when there
 * is none. In AWS a missing record answers 403, not 404: the restore functions may list the vault only under some
 * prefixes (restore-plans/ among them, lib/constructs/restore-functions.ts), so a 403 is checked with a listing.
 */
export async function getPlanObjectText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await Body?.transformToString();
  } catch (err) {
    if (await isMissingS3Object(s3, bucket, key, err)) return undefined;
    throw err;
  }
}

export async function getRestorePlan(s3: S3Client, bucket: string, key: string): Promise<RestorePlanDocument> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return restorePlanDocumentSchema.parse(JSON.parse((await Body?.transformToString()) ?? 'null'));
}
