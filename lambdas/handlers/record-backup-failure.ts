import { z } from 'zod';
import { classifyError } from '../runtime/errors';
import { functionContext } from '../runtime/function-context';
import { parseInput } from '../runtime/parse-input';

const inputSchema = z.object({
  lock: z.object({ backupId: z.string() }).optional(),
  error: z.object({ Error: z.string().default('Unknown'), Cause: z.string().default('') }),
});

/** Catch target of the backup workflow: marks the backup FAILED (a no-op when planning never created its record). */
export async function handler(event: unknown): Promise<{ backupId?: string; recorded: boolean }> {
  const input = parseInput(inputSchema, event, 'failure record');
  if (!input.lock) return { recorded: false };
  const ctx = functionContext();
  try {
    await ctx.catalog.markFailed(input.lock.backupId, input.error.Error, input.error.Cause, new Date().toISOString());
    return { backupId: input.lock.backupId, recorded: true };
  } catch (err) {
    throw classifyError(err);
  }
}
