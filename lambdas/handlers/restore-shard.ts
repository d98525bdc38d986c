import { restoreShardTaskSchema } from '../restore/restore-plan-document';
import { restoreContext } from '../restore/restore-context';
import { restoreShard, type RestoreShardResult } from '../restore/restore-shard';
import { classifyError } from '../runtime/errors';
import { parseInput } from '../runtime/parse-input';
import { resolveSourceRoot } from '../sources/directory-source';

/** One Map iteration of the restore: a contiguous range of the manifest written into the target. */
export async function handler(event: unknown): Promise<RestoreShardResult> {
  const task = parseInput(restoreShardTaskSchema, event, 'restore shard task');
  const ctx = restoreContext();
  try {
    return await restoreShard(task, {
      openVault: ctx.openVault,
      planS3: ctx.vaultS3('primary'),
      planBucket: ctx.vaultBucket('primary'),
      targetS3: ctx.clients.s3Client(),
      dynamodb: ctx.clients.dynamoDbClient(),
      directory: (p) => resolveSourceRoot(p),
    });
  } catch (err) {
    throw classifyError(err);
  }
}
