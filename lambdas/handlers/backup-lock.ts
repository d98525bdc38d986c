import { z } from 'zod';
import { acquireBackupLease, releaseBackupLease } from '../backup/backup-lease';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const leaseSchema = z.object({ backupId: z.string().min(1), plan: z.string().min(1) });
const inputSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('acquire'),
    // The execution's input. Strict: a misspelt field ("stratgy") is refused, not run with the default strategy.
    request: z.strictObject(
      {
        plan: z.string({ error: 'must name a protection plan' }).min(1, 'must name a protection plan'),
        strategy: z.enum(['full', 'incremental', 'differential'], { error: 'must be full, incremental or differential' }).optional(),
        trigger: z.string({ error: 'must be text (schedule, console, cli)' }).optional(),
      },
      { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; the fields are plan, strategy and trigger` : undefined) },
    ),
    /** The execution's ARN ($$.Execution.Id): kept on the lease, so a stopped run's lease can be told from the next run's. */
    execution: z.string().min(1).optional(),
  }),
  z.object({ action: z.literal('release'), lock: leaseSchema.optional() }),
]);

/** First and last step of a backup: takes the plan's lease (naming the run) and gives it back on every path. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'backup lock request', executionInputAt: 'request' }, async (input, runtime) =>
  input.action === 'acquire'
    ? acquireBackupLease(input.request, { catalog: runtime.catalog, plans: runtime.plans, ...(input.execution !== undefined ? { execution: input.execution } : {}) })
    : releaseBackupLease(input.lock, { catalog: runtime.catalog }),
);
