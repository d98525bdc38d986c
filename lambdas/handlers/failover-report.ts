import { z } from 'zod';
import { failoverReport, restoredSourceSchema } from '../failover/failover-report';
import { failoverStartSchema } from '../failover/failover-start';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z.object({
  failover: failoverStartSchema,
  restored: z.array(restoredSourceSchema),
  finishedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be the time the report state was entered ($$.State.EnteredTime)'),
});

/** Last state of the failover runbook: per source target and figures, total RTO and the RPO against the plan's objectives. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'failover report input' }, async (input, runtime) => failoverReport(input, runtime.plans));
