import { restoreShardBatchSchema } from '../restore/restore-plan-document';
import { restoreShardBatch } from '../restore/restore-shard';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/**
 * Restores a batch of shards of one plan, each a contiguous range of the manifest written into the
 * target and read back (shard-checks.ts), in order: a child execution of the restore runbook's Distributed Map (`{ BatchInput, Items }`
 * from its ItemBatcher), or one iteration of the drill's and the failover's inline Map (a batch of one).
 * Near the Lambda's deadline it stops (a DynamoDB shard after a completed BatchWriteItem batch) and answers
 * done=false with the batch and a cursor (`resume`), which the child execution hands to it again
 * (lambdas/restore/restore-shard.ts, "Resumable").
 */
export const handler = lifeboatHandler({ schema: restoreShardBatchSchema, describes: 'restore shard batch' }, async (batch, runtime, invocation) =>
  restoreShardBatch(batch, { ...runtime.restoreIo(), ...(invocation ? { deadline: () => invocation.getRemainingTimeInMillis() } : {}) }),
);
