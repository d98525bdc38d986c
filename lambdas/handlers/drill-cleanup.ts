import { z } from 'zod';
import { cleanUpDrill, scratchDirectoryRootOf } from '../drill/scratch-targets';
import { drillIdOf } from '../drill/drill-id';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// The drill's id from the execution (drillIdOf), not from the start step's result: a drill whose start failed half
// way has no result, and its scratch buckets must go all the same.
const inputSchema = z.object({
  execution: z.string().min(1, 'must be the execution name ($$.Execution.Name)'),
  startedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be the execution start time ($$.Execution.StartTime)'),
  sweep: z.boolean({ message: 'must be true or false' }).default(true),
});

/** Fourth step of the drill: remove this drill's scratch targets and sweep those of earlier drills older than a day. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'drill cleanup request' }, async ({ execution, startedAt, sweep }, runtime) =>
  cleanUpDrill({ drillId: drillIdOf(execution, startedAt), sweep, now: new Date() }, runtime.config.restoreTargetPrefix, {
    s3: runtime.clients.s3Client(),
    dynamodb: runtime.clients.dynamoDbClient(),
    directoryRoot: scratchDirectoryRootOf(runtime.config, runtime.directory),
    // Never removed, whatever their names (scratch-targets.ts): the plans this drill function was deployed with (LIFEBOAT_PLANS).
    sources: runtime.sources,
  }),
);
