import { restoreShardTaskSchema } from '../restore/restore-plan-document';
import { restoreContext } from '../restore/restore-context';
import { restoreShard, type RestoreShardResult } from '../restore/restore-shard';
import { classifyError } from '../runtime/errors';
import { parseInput } from '../runtime/parse-input';

/** One Map iteration of the restore: a contiguous range of the manifest written into the target. */
export async function handler(event: unknown): Promise<RestoreShardResult> {
  const task = parseInput(restoreShardTaskSchema, event, 'restore shard task');
  const ctx = restoreContext();
  try {
    return await restoreShard(task, ctx.io());
  } catch (err) {
    throw classifyError(err);
  }
}
