import { z } from 'zod';
import { classifyError } from '../runtime/errors';
import { functionContext } from '../runtime/function-context';
import { parseInput } from '../runtime/parse-input';

const inputSchema = z.object({
  lock: z.object({ backupId: z.string() }).optional(),
  error: z.object({ Error: z.string().default('Unknown'), Cause: z.string().default('') }),
});

/**
 * Catch target of the backup workflow: marks the backup FAILED (a no-op when planning never created
 * its record). A backup that had already committed stays COMMITTED and restorable from the primary
 * vault: what failed after the commit is its replication, recorded as copies.dr = FAILED (the next
 * run's Replicate step copies it).
 */
export async function handler(event: unknown): Promise<{ backupId?: string; recorded: 'FAILED' | 'DR_COPY_FAILED' | false }> {
  const input = parseInput(inputSchema, event, 'failure record');
  if (!input.lock) return { recorded: false };
  const ctx = functionContext();
  const { backupId } = input.lock;
  try {
    if (await ctx.catalog.markFailed(backupId, input.error.Error, input.error.Cause, new Date().toISOString())) return { backupId, recorded: 'FAILED' };
    return { backupId, recorded: (await ctx.catalog.markCopyFailed(backupId)) ? 'DR_COPY_FAILED' : false };
  } catch (err) {
    throw classifyError(err);
  }
}
