import { z } from 'zod';
import { cleanupWithin } from '../drill/cleanup-lines';
import { handlerLogger } from '../operations/handler-logger';
import { cleanUpDrill, DRILL_TIMEOUT_SECONDS_ENV, drillTimeoutSecondsOf, scratchDirectoryRootOf } from '../drill/scratch-targets';
import { drillIdOf } from '../drill/drill-id';
import { releaseDrillPins } from '../drill/drill-pins';
import { drillStartSchema } from '../drill/drill-start';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// The drill's id from the execution (drillIdOf), not from the start step's result: a drill whose start failed half
// way has no result, and its scratch buckets must go all the same. `state`: the whole state (`$`), since ASL cannot
// name a path that may be absent; only `state.drill` (the start step's result, absent when it failed) is read, for
// the pins of the drill's restores.
const inputSchema = z.object({
  execution: z.string().min(1, 'must be the execution name ($$.Execution.Name)'),
  startedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be the execution start time ($$.Execution.StartTime)'),
  sweep: z.boolean({ message: 'must be true or false' }).default(true),
  state: z.looseObject({ drill: drillStartSchema.optional() }).optional(),
});

/** Fourth step of the drill: remove the pins of this drill's restores, then its scratch targets, and sweep those of earlier drills that can no longer be running. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'drill cleanup request' }, async ({ execution, startedAt, sweep, state }, runtime, invocation) => {
  // Best effort (releaseRestorePin logs a failure): a pin left behind counts until its `until`, and the scratch targets must go all the same.
  await releaseDrillPins(state?.drill, runtime.releaseRestorePin());
  // The drill's timeout, read per invocation as resolve-restore's pin seconds: the sweep spares targets younger than it.
  const drillTimeoutSeconds = drillTimeoutSecondsOf(process.env[DRILL_TIMEOUT_SECONDS_ENV]);
  const cleanup = await cleanUpDrill({ drillId: drillIdOf(execution, startedAt), sweep, now: new Date(), drillTimeoutSeconds }, runtime.config.restoreTargetPrefix, {
    region: runtime.config.region,
    s3: runtime.clients.s3Client(),
    dynamodb: runtime.clients.dynamoDbClient(),
    directoryRoot: scratchDirectoryRootOf(runtime.config, runtime.directory),
    // Never removed, whatever their names (scratch-targets.ts): the plans this drill function was deployed with (LIFEBOAT_PLANS).
    sources: runtime.sources,
    // The local cloud runs no lifecycle rules: the record says who empties a bucket left expiring.
    localCloud: runtime.config.localEndpoints !== undefined,
    // Past its Lambda timeout the step would return nothing: the cleanup stops in time and leaves big buckets to expire.
    ...(invocation ? { deadline: () => invocation.getRemainingTimeInMillis() } : {}),
  });
  // Within the drill's state, beside every source's report (cleanup-lines.ts); the whole result in the function's log.
  const { kept, dropped } = cleanupWithin(cleanup);
  if (dropped > 0) handlerLogger.warn(`drill cleanup: ${dropped} lines left out of the drill's state; all of them`, { cleanup });
  return kept;
});
