import { z } from 'zod';
import { planRestore, type PlannedRestore } from '../restore/plan-restore';
import { resolvedRestoreSchema } from '../restore/resolved-restore';
import { restoreContext } from '../restore/restore-context';
import { classifyError } from '../runtime/errors';
import { parseInput } from '../runtime/parse-input';
import { resolveSourceRoot } from '../sources/directory-source';

const inputSchema = z.object({ resolved: resolvedRestoreSchema });

/** Prepares the target (table from the schema, directory) and stores the shard plan under restore-plans/. */
export async function handler(event: unknown): Promise<PlannedRestore> {
  const { resolved } = parseInput(inputSchema, event, 'resolved restore');
  const ctx = restoreContext();
  try {
    return await planRestore(resolved, {
      openVault: ctx.openVault,
      planS3: ctx.vaultS3('primary'),
      planBucket: ctx.vaultBucket('primary'),
      dynamodb: ctx.clients.dynamoDbClient(),
      directory: (p) => resolveSourceRoot(p),
    });
  } catch (err) {
    throw classifyError(err);
  }
}
