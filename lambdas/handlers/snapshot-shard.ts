import { shardTaskSchema } from '../backup/backup-plan-document';
import { snapshotShard } from '../backup/snapshot-shard';
import { publishShardMetrics } from '../operations/operation-metrics';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/** One Map iteration: one shard of one source into the vault (packs, index, manifest part). */
export const handler = lifeboatHandler({ schema: shardTaskSchema, describes: 'shard task' }, async (task, runtime) => {
  const started = Date.now();
  const result = await snapshotShard(task, {
    s3: runtime.clients.s3Client(),
    dynamodb: runtime.clients.dynamoDbClient(),
    vault: await runtime.openVault('primary'),
  });
  publishShardMetrics(runtime.environment, { plan: result.plan, source: result.source, durationMs: Date.now() - started, bytesScanned: result.bytesScanned });
  return result;
});
