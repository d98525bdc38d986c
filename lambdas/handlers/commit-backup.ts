import { z } from 'zod';
import { commitBackup, type CommittedBackup } from '../backup/commit-backup';
import { classifyError } from '../runtime/errors';
import { functionContext } from '../runtime/function-context';
import { parseInput } from '../runtime/parse-input';

const inputSchema = z.object({ backup: z.object({ backupId: z.string().min(1), planKey: z.string().min(1) }) });

/** Commits every source of the run as a vault snapshot, then marks the backup COMMITTED in the catalog. */
export async function handler(event: unknown): Promise<CommittedBackup> {
  const { backup } = parseInput(inputSchema, event, 'commit request');
  const ctx = functionContext();
  try {
    return await commitBackup(backup, { vault: await ctx.vault({ create: false }), catalog: ctx.catalog });
  } catch (err) {
    throw classifyError(err);
  }
}
