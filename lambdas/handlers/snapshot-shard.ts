import { shardBatchSchema, snapshotShardBatch } from '../backup/snapshot-shard-batch';
import { publishShardMetrics } from '../operations/operation-metrics';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/**
 * One child execution's batch of the Snapshot shards Distributed Map: its shards into the vault
 * (packs, index, manifest parts), one after another. Near the Lambda's deadline a shard stops at an
 * entry boundary and keeps a cursor in the vault; the answer is then done=false and the child calls
 * again with the same batch (lambdas/backup/snapshot-shard.ts, "Resumable").
 */
export const handler = lifeboatHandler({ schema: shardBatchSchema, describes: 'shard batch' }, async (batch, runtime, invocation) => {
  const started = Date.now();
  const progress = await snapshotShardBatch(batch, {
    s3: runtime.clients.s3Client(),
    dynamodb: runtime.clients.dynamoDbClient(),
    vault: await runtime.openVault('primary'),
    ...(invocation ? { deadline: () => invocation.getRemainingTimeInMillis() } : {}),
  });
  // Metrics once per finished shard; a shard's time is not measured alone, so the invocation's time is shared among the shards it ran.
  const durationMs = (Date.now() - started) / Math.max(1, progress.shards.length);
  for (const shard of progress.shards) if (shard.done) publishShardMetrics(runtime.environment, { plan: shard.plan, source: shard.source, durationMs, bytesScanned: shard.bytesScanned });
  return { done: progress.done, shards: progress.shards.map(({ shardIndex, entries, bytesScanned, bytesNew, done }) => ({ shardIndex, entries, bytesScanned, bytesNew, done })) };
});
