import { z } from 'zod';
import { reportStepOutput } from '../failover/failover-incomplete';
import { failoverReport, sourceOutcomeSchema } from '../failover/failover-report';
import { failoverStartSchema } from '../failover/failover-start';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z.object({
  failover: failoverStartSchema,
  /** Per source: its restore report, or the failure its iteration caught. */
  restored: z.array(sourceOutcomeSchema),
  /** The execution's input: the finishing input keeps its targetSuffix. */
  request: z.unknown().optional(),
  /** Absent: now, when the report step runs. */
  finishedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO time').optional(),
});

/**
 * Last task of the failover runbook, run whether or not every source was restored: per source target and
 * figures or error, total RTO and the RPO against the plan's objectives. With a failed source it adds
 * `incompleteCause`, which the `Failover incomplete` Fail state ends the execution with.
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'failover report input' }, async (input, runtime) =>
  reportStepOutput(failoverReport({ ...input, finishedAt: input.finishedAt ?? new Date().toISOString() }, runtime.plans), {
    environment: runtime.config.environment,
    localCloud: runtime.config.localEndpoints !== undefined,
  }),
);
