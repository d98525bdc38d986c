import { z } from 'zod';
import { shardSpecSchema } from '../sources/shard-spec';

/** The plan of one backup run, stored in the vault at plans/<backupId>.json. */
export const backupPlanDocumentSchema = z.object({
  backupId: z.string(),
  plan: z.string(),
  environment: z.string(),
  strategy: z.enum(['full', 'incremental', 'differential']),
  createdAt: z.string(),
  shards: z.array(shardSpecSchema),
});
export type BackupPlanDocument = z.infer<typeof backupPlanDocumentSchema>;

export function planDocumentKey(backupId: string): string {
  return `plans/${backupId}.json`;
}

/** What travels through the state machine per shard: keys, never data. */
export const shardTaskSchema = z.object({
  backupId: z.string().regex(/^[0-9A-Za-z-]+$/, 'must be a Lifeboat backup id'),
  planKey: z.string(),
  shardIndex: z.number().int().min(0),
});
export type ShardTask = z.infer<typeof shardTaskSchema>;
