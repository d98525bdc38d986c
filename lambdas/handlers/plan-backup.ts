import { z } from 'zod';
import { planBackup, type PlannedBackup } from '../backup/plan-backup';
import { classifyError } from '../runtime/errors';
import { functionContext } from '../runtime/function-context';
import { parseInput } from '../runtime/parse-input';

// The state after "Acquire lock": the execution input plus the lease that names this run.
const inputSchema = z.object({
  plan: z.string().min(1),
  strategy: z.enum(['full', 'incremental', 'differential']).optional(),
  trigger: z.string().optional(),
  lock: z.object({ backupId: z.string().min(1), plan: z.string().min(1) }),
});

/** Plans the run (strategy, parents, shards) into the vault bucket and records it RUNNING; the first backup initialises the vault. */
export async function handler(event: unknown): Promise<PlannedBackup> {
  const input = parseInput(inputSchema, event, 'backup request');
  const ctx = functionContext();
  try {
    return await planBackup({ plan: input.plan, strategy: input.strategy, trigger: input.trigger, backupId: input.lock.backupId }, {
      s3: ctx.clients.s3Client(),
      dynamodb: ctx.clients.dynamoDbClient(),
      vault: await ctx.vault({ create: true }),
      catalog: ctx.catalog,
      plans: ctx.plans,
      environment: ctx.environment,
    });
  } catch (err) {
    throw classifyError(err);
  }
}
