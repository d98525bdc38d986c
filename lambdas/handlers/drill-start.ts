import { z } from 'zod';
import { startDrill } from '../drill/drill-start';
import { scratchDirectoryRootOf } from '../drill/scratch-targets';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// The drill's own fields are validated by startDrill (each error names the field); here only the envelope the state machine adds.
const inputSchema = z.object({ input: z.unknown(), execution: z.string().min(1, 'must be the execution name'), startedAt: z.string().min(1, 'must be the execution start time') });

/** First step of the drill: validate, pick the backup, measure the RPO, make the scratch buckets, one restore request per source. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'drill envelope' }, async (envelope, runtime) =>
  startDrill(envelope, {
    plans: runtime.plans,
    catalog: runtime.catalog,
    vault: runtime.config.homeVault,
    region: runtime.config.region,
    localDynamoDb: runtime.config.localEndpoints?.dynamodb[runtime.config.region],
    drillTargetPrefix: runtime.config.restoreTargetPrefix,
    s3: runtime.clients.s3Client(),
    directoryRoot: scratchDirectoryRootOf(runtime.config, runtime.directory),
  }),
);
