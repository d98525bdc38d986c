import { z } from 'zod';
import { DrillLog } from '../catalog/drill-log';
import { drillStateSchema } from '../drill/drill-state';
import { recordDrill } from '../drill/record-drill';
import { drillStateReport } from '../drill/drill-state-report';
import { publishDrillMetrics } from '../operations/operation-metrics';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/** The entries of `state` named in `keys` that are present. */
function pick(state: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => state[k] !== undefined).map((k) => [k, state[k]]));
}

/**
 * The state machine passes the execution's input, name and start time from the context object and the
 * whole state beside them (`state`: what the steps that ran put there): ASL cannot name paths that may be absent.
 */
const envelopeSchema = z
  .object({ input: z.unknown(), execution: z.string(), startedAt: z.string(), state: z.record(z.string(), z.unknown()) })
  .transform(({ state, ...context }, ctx) => {
    const parsed = drillStateSchema.safeParse({ ...pick(state, ['drill', 'restored', 'comparison', 'cleanup', 'error', 'cleanupError']), ...context });
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) });
    return z.NEVER;
  });

/** Last step of the drill: RTO, RPO and verdict; the report object in the home vault and the catalog item of this region. */
export const handler = lifeboatHandler({ schema: envelopeSchema, describes: 'drill state' }, async (state, runtime) => {
  const record = await recordDrill(state, {
    plans: runtime.plans,
    environment: runtime.environment,
    region: runtime.config.region,
    vault: runtime.config.homeVault,
    store: runtime.vaultStore(runtime.config.homeVault),
    drillLog: new DrillLog(runtime.clients.documentClient(), runtime.config.catalogTable),
    drillTargetPrefix: runtime.config.restoreTargetPrefix,
  });
  publishDrillMetrics(record);
  // `summary`: the Fail state's cause when the verdict is not PASSED; for a PASSED one, also the sources not compared against live.
  return drillStateReport(record);
});
