import { z } from 'zod';
import { failoverReport, restoredSourceSchema } from '../failover/failover-report';
import { failoverStartSchema } from '../failover/failover-start';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z.object({
  failover: failoverStartSchema,
  restored: z.array(restoredSourceSchema),
  /** Absent: now, when the report step runs (every source restored and verified). */
  finishedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO time').optional(),
});

/** Last state of the failover runbook: per source target and figures, total RTO and the RPO against the plan's objectives. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'failover report input' }, async (input, runtime) =>
  failoverReport({ ...input, finishedAt: input.finishedAt ?? new Date().toISOString() }, runtime.plans),
);
