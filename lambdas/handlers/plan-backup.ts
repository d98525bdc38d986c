import { z } from 'zod';
import { planBackup } from '../backup/plan-backup';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// The state after "Acquire lock": the execution input plus the lease that names this run.
const inputSchema = z.object({
  plan: z.string().min(1),
  strategy: z.enum(['full', 'incremental', 'differential']).optional(),
  trigger: z.string().optional(),
  lock: z.object({ backupId: z.string().min(1), plan: z.string().min(1) }),
});

/** Plans the run (strategy, parents, shards) into the vault bucket and records it RUNNING; the first backup initialises the vault. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'backup request' }, async (input, runtime) =>
  planBackup(
    { plan: input.plan, strategy: input.strategy, trigger: input.trigger, backupId: input.lock.backupId },
    {
      s3: runtime.clients.s3Client(),
      dynamodb: runtime.clients.dynamoDbClient(),
      vault: await runtime.openVault('primary', { create: true }),
      catalog: runtime.catalog,
      plans: runtime.plans,
      environment: runtime.environment,
    },
  ),
);
