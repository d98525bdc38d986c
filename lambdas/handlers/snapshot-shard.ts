import { shardBatchSchema, shardMetricsOf, snapshotShardBatch } from '../backup/snapshot-shard-batch';
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
  for (const metrics of shardMetricsOf(progress, Date.now() - started)) publishShardMetrics(runtime.environment, metrics);
  return { done: progress.done, shards: progress.shards.map(({ shardIndex, entries, bytesScanned, bytesNew, done }) => ({ shardIndex, entries, bytesScanned, bytesNew, done })) };
});
