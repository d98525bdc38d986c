import { shardTaskSchema } from '../backup/backup-plan-document';
import { plannedShardSpec } from '../backup/planned-shard-spec';
import { snapshotShard } from '../backup/snapshot-shard';
import { publishShardMetrics } from '../operations/operation-metrics';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/** One Map iteration: one shard of one source into the vault (packs, index, manifest part). */
export const handler = lifeboatHandler({ schema: shardTaskSchema, describes: 'shard task' }, async (task, runtime) => {
  const started = Date.now();
  const vault = await runtime.openVault('primary');
  // TEMP(resumable): the inline Map passes a shard index and cannot call a shard again, so the spec
  // comes from plan.shards and no deadline is given (the shard runs to its end, as before). The
  // Distributed Map's handler calls snapshotShardBatch (lambdas/backup/snapshot-shard-batch.ts) instead.
  const spec = await plannedShardSpec(vault.store, task);
  const result = await snapshotShard({ backupId: task.backupId, planKey: task.planKey, spec }, { s3: runtime.clients.s3Client(), dynamodb: runtime.clients.dynamoDbClient(), vault });
  publishShardMetrics(runtime.environment, { plan: result.plan, source: result.source, durationMs: Date.now() - started, bytesScanned: result.bytesScanned });
  return result;
});
