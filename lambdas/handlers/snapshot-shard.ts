import { shardTaskSchema } from '../backup/backup-plan-document';
import { snapshotShard, type ShardResult } from '../backup/snapshot-shard';
import { classifyError } from '../runtime/errors';
import { functionContext } from '../runtime/function-context';
import { parseInput } from '../runtime/parse-input';

/** One Map iteration: one shard of one source into the vault (packs, index, manifest part). */
export async function handler(event: unknown): Promise<ShardResult> {
  const task = parseInput(shardTaskSchema, event, 'shard task');
  const ctx = functionContext();
  try {
    return await snapshotShard(task, {
      s3: ctx.clients.s3Client(),
      dynamodb: ctx.clients.dynamoDbClient(),
      vault: await ctx.vault({ create: false }),
    });
  } catch (err) {
    throw classifyError(err);
  }
}
