import { z } from 'zod';
import { DrillLog } from '../catalog/drill-log';
import { PruneLog } from '../catalog/prune-log';
import { ScrubLog } from '../catalog/scrub-log';
import { watchOperations } from '../operations/operations-watch';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/** The scheduler sends `{}`; anything else is refused rather than ignored. */
const inputSchema = z.object({}).strict();

/**
 * The watchdog of a region (its home vault, LIFEBOAT_HOME_VAULT): the state gauges the alarms watch, from its region's
 * catalog (operations-watch.ts); the primary region's also every plan's last committed and last replicated backup age.
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'operations watch' }, async (_input, runtime) => {
  const ddb = runtime.clients.documentClient();
  const table = runtime.config.catalogTable;
  return watchOperations(runtime.environment, runtime.plans, runtime.config.homeVault, {
    catalog: runtime.catalog,
    drills: new DrillLog(ddb, table),
    prunes: new PruneLog(ddb, table),
    scrubs: new ScrubLog(ddb, table),
  });
});
