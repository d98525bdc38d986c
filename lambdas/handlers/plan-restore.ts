import { z } from 'zod';
import { planRestore } from '../restore/plan-restore';
import { resolvedRestoreSchema } from '../restore/resolved-restore';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z.object({ resolved: resolvedRestoreSchema });

/** Prepares the target (table from the schema, directory) and stores the shard plan under restore-plans/. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'resolved restore' }, async ({ resolved }, runtime) =>
  planRestore(resolved, {
    openVault: (side) => runtime.openVault(side),
    planS3: runtime.vaultS3(runtime.config.homeVault),
    planBucket: runtime.vaultBucket(runtime.config.homeVault),
    dynamodb: runtime.clients.dynamoDbClient(),
    directory: runtime.directory,
    mountPath: runtime.config.mountPath,
  }),
);
