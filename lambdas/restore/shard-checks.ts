import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { mapBounded } from '../../vault';
import { NOT_RESTORED_KINDS } from './not-restored-kinds';
import { getPlanObjectText, RESTORE_PLANS_PREFIX } from './restore-plan-document';

/**
 * What a restore shard found when it read back the entries it wrote, stored beside the plan
 * (`restore-plans/<restoreId>.checks/<shard>.json`). The verify step fails the restore on any
 * mismatch a shard recorded, and on any shard that recorded nothing: a shard that never finished
 * has checked nothing. A retried shard writes its record again, so the last attempt's counts.
 */
const shardCheckSchema = z.object({
  restoreId: z.string(),
  shardIndex: z.number().int().min(0),
  checked: z.number().int().min(0),
  /** DynamoDB targets: the items read back. */
  items: z.number().int().min(0).optional(),
  /** The first SHARD_CHECK_LISTED mismatches, sorted; `mismatchCount` counts them all. */
  mismatches: z.array(z.string()),
  mismatchCount: z.number().int().min(0),
  /** The first SHARD_CHECK_LISTED entries not restored (an item may stand for many: `entries`); `notRestoredCount` counts the entries. */
  /** `below`: a said-once line's directory as the manifest spells it (name-too-long.ts), which its text shows for display only. */
  notRestored: z.array(z.object({ path: z.string(), what: z.string(), entries: z.number().int().min(2).optional(), below: z.string().optional() })),
  notRestoredCount: z.number().int().min(0),
  /**
   * The distinct reasons of every entry not restored, taken before the list was cut (not-restored-kinds.ts): 120 FIFOs
   * under a/ took the list, and the extended attributes lost under b/ went unnamed (review r59A F2). A record of an
   * older shard has none: the verify step takes its listed items' reasons.
   */
  notRestoredKinds: z.array(z.string()).max(NOT_RESTORED_KINDS).optional(),
});
export type ShardCheck = z.infer<typeof shardCheckSchema>;

export type ShardCheckStore = { planS3: S3Client; planBucket: string };

/** Mismatches and not-restored entries a record lists: the rest are counted (a shard of a bad restore may find thousands). */
export const SHARD_CHECK_LISTED = 100;

/** Records the verify step reads at once. */
const RECORDS_READ_AT_ONCE = 16;

export function shardCheckKey(restoreId: string, shardIndex: number): string {
  return `${RESTORE_PLANS_PREFIX}${restoreId}.checks/${shardIndex}.json`;
}

export async function putShardCheck(store: ShardCheckStore, check: ShardCheck): Promise<void> {
  const body = JSON.stringify(shardCheckSchema.parse(check));
  await store.planS3.send(new PutObjectCommand({ Bucket: store.planBucket, Key: shardCheckKey(check.restoreId, check.shardIndex), Body: body, ContentType: 'application/json' }));
}

/** The records of the given shards, in their order; undefined where a shard recorded nothing for this restore. */
export async function readShardChecks(store: ShardCheckStore, restoreId: string, shardIndexes: readonly number[]): Promise<Array<ShardCheck | undefined>> {
  return mapBounded(shardIndexes, RECORDS_READ_AT_ONCE, async (shardIndex) => {
    const record = await readRecord(store, shardCheckKey(restoreId, shardIndex));
    return record?.restoreId === restoreId && record.shardIndex === shardIndex ? record : undefined;
  });
}

async function readRecord(store: ShardCheckStore, key: string): Promise<ShardCheck | undefined> {
  const text = await getPlanObjectText(store.planS3, store.planBucket, key);
  // A record that does not parse was not written by a finished shard of this version: as good as none.
  const parsed = shardCheckSchema.safeParse(safeJson(text ?? ''));
  return parsed.success ? parsed.data : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
