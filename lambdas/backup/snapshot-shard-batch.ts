import { z } from 'zod';
import { shardSpecSchema } from '../sources/shard-spec';
import { type ShardProgress, snapshotShard, type SnapshotShardDeps } from './snapshot-shard';

/** A Distributed Map child's input (ItemBatcher): the run's keys once, then the shards of the batch (lines of a shard manifest). */
export const shardBatchSchema = z.object({
  BatchInput: z.object({
    backupId: z.string().regex(/^[0-9A-Za-z-]+$/, 'must be a Lifeboat backup id'),
    planKey: z.string(),
  }),
  Items: z.array(shardSpecSchema).min(1),
});
export type ShardBatch = z.infer<typeof shardBatchSchema>;

/** done = every shard of the batch is; `shards`: the progress of each shard called in this invocation, in order. */
export type ShardBatchProgress = { done: boolean; shards: ShardProgress[] };

/**
 * The shards of one batch, one after another, sharing the invocation's deadline. The first shard
 * that stops at the deadline ends the call with done:false; the workflow calls again with the same
 * batch, and the shards finished already return at once (their final part exists).
 */
export async function snapshotShardBatch(batch: ShardBatch, deps: SnapshotShardDeps): Promise<ShardBatchProgress> {
  const shards: ShardProgress[] = [];
  for (const spec of batch.Items) {
    const progress = await snapshotShard({ backupId: batch.BatchInput.backupId, planKey: batch.BatchInput.planKey, spec }, deps);
    shards.push(progress);
    if (!progress.done) return { done: false, shards };
  }
  return { done: true, shards };
}
