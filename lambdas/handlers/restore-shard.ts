import { restoreShardTaskSchema } from '../restore/restore-plan-document';
import { restoreShard } from '../restore/restore-shard';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/** One Map iteration of the restore: a contiguous range of the manifest written into the target. */
export const handler = lifeboatHandler({ schema: restoreShardTaskSchema, describes: 'restore shard task' }, async (task, runtime) => restoreShard(task, runtime.restoreIo()));
