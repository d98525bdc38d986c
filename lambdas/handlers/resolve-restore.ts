import { z } from 'zod';
import { resolveRestore } from '../restore/resolve-restore';
import { type ResolvedRestore } from '../restore/resolved-restore';
import { restoreContext } from '../restore/restore-context';
import { classifyError } from '../runtime/errors';
import { parseInput } from '../runtime/parse-input';
import { resolveSourceRoot } from '../sources/directory-source';

// The request itself is validated field by field by resolveRestore; here only the envelope the state machine adds.
const inputSchema = z.object({ request: z.unknown(), restoreId: z.string().regex(/^[0-9A-Za-z_-]{1,80}$/, 'must be the execution name') });

/** First step of the restore runbook: validate every field, resolve the backup and snapshot, check the target. Writes nothing. */
export async function handler(event: unknown): Promise<ResolvedRestore> {
  const input = parseInput(inputSchema, event, 'restore envelope');
  const ctx = restoreContext();
  try {
    return await resolveRestore(input.request, input.restoreId, {
      environment: ctx.environment,
      mountPath: process.env.LIFEBOAT_MOUNT_PATH,
      sources: ctx.sources,
      catalog: ctx.catalog,
      openVault: ctx.openVault,
      s3: ctx.clients.s3Client(),
      dynamodb: ctx.clients.dynamoDbClient(),
      directory: (p) => resolveSourceRoot(p),
    });
  } catch (err) {
    throw classifyError(err);
  }
}
