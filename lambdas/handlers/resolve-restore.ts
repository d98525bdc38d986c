import { z } from 'zod';
import { resolveRestore } from '../restore/resolve-restore';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// The request itself is validated field by field by resolveRestore; here only the envelope the state machine adds.
const inputSchema = z.object({ request: z.unknown(), restoreId: z.string().regex(/^[0-9A-Za-z_-]{1,80}$/, 'must be the execution name') });

/** First step of the restore runbook: validate every field, resolve the backup and snapshot, check the target. Writes nothing. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'restore envelope' }, async (input, runtime) =>
  resolveRestore(input.request, input.restoreId, {
    restoreTargetPrefix: runtime.config.restoreTargetPrefix,
    mountPath: runtime.config.mountPath,
    sources: runtime.sources,
    catalog: runtime.catalog,
    openVault: (side) => runtime.openVault(side),
    homeVault: runtime.config.homeVault,
    s3: runtime.clients.s3Client(),
    dynamodb: runtime.clients.dynamoDbClient(),
    directory: runtime.directory,
  }),
);
