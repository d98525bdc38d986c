import { z } from 'zod';
import { planBackup } from '../backup/plan-backup';
import { lostPacksOfLatestScrub } from '../backup/scrub-lost-packs';
import { ScrubLog } from '../catalog/scrub-log';
import { planContinuationSchema } from '../backup/plan-continuation';
import { shardsPerBatch } from '../backup/shard-batch-size';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// The state after "Acquire lock": the execution input plus the lease that names this run; a later
// planning invocation also gets the continuation the previous one returned.
const inputSchema = z.object({
  plan: z.string().min(1),
  strategy: z.enum(['full', 'incremental', 'differential']).optional(),
  trigger: z.string().optional(),
  lock: z.object({ backupId: z.string().min(1), plan: z.string().min(1) }),
  continuation: planContinuationSchema.optional(),
});

/**
 * Plans the run (strategy, parents, shards) into the vault bucket and records it RUNNING; the first
 * backup initialises the vault. A listing too long for one invocation stops before the Lambda's
 * deadline with `done: false` and a continuation for the next invocation.
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'backup request' }, async (input, runtime, invocation) => {
  const planned = await planBackup(
    { plan: input.plan, strategy: input.strategy, trigger: input.trigger, backupId: input.lock.backupId, ...(input.continuation ? { continuation: input.continuation } : {}) },
    {
      s3: runtime.clients.s3Client(),
      dynamodb: runtime.clients.dynamoDbClient(),
      vault: await runtime.openVault('primary', { create: true }),
      catalog: runtime.catalog,
      plans: runtime.plans,
      environment: runtime.environment,
      lostPacks: () => {
        const scrubs = new ScrubLog(runtime.clients.documentClient(), runtime.config.catalogTable);
        return lostPacksOfLatestScrub(() => scrubs.latest(), (warning) => console.warn(JSON.stringify({ level: 'WARN', backupId: input.lock.backupId, warning })));
      },
      ...(invocation ? { deadline: () => invocation.getRemainingTimeInMillis() } : {}),
    },
  );
  // The Snapshot shards map's ItemBatcher takes its batch size from here (MaxItemsPerBatchPath).
  return { ...planned, shardsPerBatch: shardsPerBatch(planned.shardsInManifest, planned.maxConcurrency) };
});
