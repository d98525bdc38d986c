import { z } from 'zod';
import { acquireBackupLease, type HeldLease, releaseBackupLease } from '../backup/backup-lease';
import { classifyError } from '../runtime/errors';
import { functionContext } from '../runtime/function-context';
import { parseInput } from '../runtime/parse-input';

const leaseSchema = z.object({ backupId: z.string().min(1), plan: z.string().min(1) });
const inputSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('acquire'),
    request: z.object({
      plan: z.string().min(1, 'must name a protection plan'),
      strategy: z.enum(['full', 'incremental', 'differential']).optional(),
      trigger: z.string().optional(),
    }),
  }),
  z.object({ action: z.literal('release'), lock: leaseSchema.optional() }),
]);

/** First and last step of a backup: takes the plan's lease (naming the run) and gives it back on every path. */
export async function handler(event: unknown): Promise<HeldLease | { released: boolean }> {
  const input = parseInput(inputSchema, event, 'backup lock request');
  const ctx = functionContext();
  try {
    if (input.action === 'acquire') return await acquireBackupLease(input.request, { catalog: ctx.catalog, plans: ctx.plans });
    return await releaseBackupLease(input.lock, { catalog: ctx.catalog });
  } catch (err) {
    throw classifyError(err);
  }
}
