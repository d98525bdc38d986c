import { z } from 'zod';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z.object({
  lock: z.object({ backupId: z.string() }).optional(),
  error: z.object({ Error: z.string().default('Unknown'), Cause: z.string().default('') }),
});

type FailureRecorded = { backupId?: string; recorded: 'FAILED' | 'DR_COPY_FAILED' | false };

/**
 * Catch target of the backup workflow: marks the backup FAILED (a no-op when planning never created
 * its record). A backup that had already committed stays COMMITTED and restorable from the primary
 * vault: what failed after the commit is its replication, recorded as copies.dr = FAILED (the next
 * run's Replicate step copies it).
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'failure record' }, async (input, runtime): Promise<FailureRecorded> => {
  if (!input.lock) return { recorded: false };
  const { backupId } = input.lock;
  if (await runtime.catalog.markFailed(backupId, input.error.Error, input.error.Cause, new Date().toISOString())) return { backupId, recorded: 'FAILED' };
  return { backupId, recorded: (await runtime.catalog.markCopyFailed(backupId)) ? 'DR_COPY_FAILED' : false };
});
