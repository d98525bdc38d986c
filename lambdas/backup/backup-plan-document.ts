import { z } from 'zod';
import { snapshotSourceSchema } from '../../vault';

const strategySchema = z.enum(['full', 'incremental', 'differential']);

/** One source of a planned backup: how its snapshot will be described and what it is written against. */
export const plannedSourceSchema = z.object({
  name: z.string(),
  type: z.enum(['s3', 'dynamodb', 'filesystem']),
  /** The `source` of the vault snapshot: { kind, id: <source name>, ...description } (bucket/prefix, table/schema, path). */
  snapshotSource: snapshotSourceSchema,
  /** The snapshot the shards reuse unchanged entries from, and the backup it belongs to; null = read everything. */
  parent: z
    .object({
      backupId: z.string(),
      snapshotId: z.string().regex(/^[0-9a-f]{64}$/),
      /** The parent backup's start (absent in plans stored before it was recorded): S3 metadata is reused by it (s3-object-entries.ts). */
      startedAt: z.string().optional(),
    })
    .nullable(),
  /** DynamoDB: the table's key attributes (they place the content-defined page boundaries). */
  keyAttributes: z.array(z.string()).optional(),
});
export type PlannedSource = z.infer<typeof plannedSourceSchema>;

/** The plan of one backup run, stored in the vault bucket at plans/<backupId>.json (outside the vault's own layout). */
export const backupPlanDocumentSchema = z.object({
  backupId: z.string(),
  plan: z.string(),
  environment: z.string(),
  strategy: strategySchema,
  requestedStrategy: strategySchema,
  parentBackupId: z.string().optional(),
  baseBackupId: z.string().optional(),
  createdAt: z.string(),
  /** Who started the run (schedule, console, cli…); absent in plans stored before it was recorded. */
  trigger: z.string().optional(),
  sources: z.array(plannedSourceSchema),
  /**
   * The shard manifests written so far, in order (plans/<backupId>/shards/<seq>.jsonl, one ShardSpec
   * a line): the shards are never listed in the plan itself, so its size does not grow with the source.
   */
  shardManifests: z.array(z.string()),
  /** Every shard planned, over all manifests; set by the planning invocation that finished the listing, absent while planning continues. */
  shardCount: z.number().int().min(0).optional(),
  /**
   * Packs of the primary vault the latest scrub record holds with no good copy (scrub-lost-packs.ts), read when the plan
   * was made: every shard's writer leaves them out of its dedup (fix f58R). Absent when none, and in plans stored before.
   */
  lostPacks: z.array(z.string().regex(/^[0-9a-f]{64}$/)).optional(),
});
export type BackupPlanDocument = z.infer<typeof backupPlanDocumentSchema>;

/** What travels through the state machine per shard: keys, never data. */
export const shardTaskSchema = z.object({
  backupId: z.string().regex(/^[0-9A-Za-z-]+$/, 'must be a Lifeboat backup id'),
  planKey: z.string(),
  shardIndex: z.number().int().min(0),
});
export type ShardTask = z.infer<typeof shardTaskSchema>;
