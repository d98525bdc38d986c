import { DrillLog } from '../catalog/drill-log';
import { drillStateSchema } from '../drill/drill-state';
import { recordDrill } from '../drill/record-drill';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/** Last step of the drill: RTO, RPO and verdict; the report object in the home vault and the catalog item of this region. */
export const handler = lifeboatHandler({ schema: drillStateSchema, describes: 'drill state' }, async (state, runtime) =>
  recordDrill(state, {
    plans: runtime.plans,
    environment: runtime.environment,
    region: runtime.config.region,
    vault: runtime.config.homeVault,
    store: runtime.vaultStore(runtime.config.homeVault),
    drillLog: new DrillLog(runtime.clients.documentClient(), runtime.config.catalogTable),
  }),
);
