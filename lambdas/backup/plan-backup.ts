import { type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type ProtectionPlanConfig } from '../../lib/config/lifeboat-config';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { InvalidInputError } from '../runtime/errors';
import { planDirectoryShards, resolveSourceRoot } from '../sources/directory-source';
import { describeTable, planDynamoDbShards } from '../sources/dynamodb-table-source';
import { planS3Shards } from '../sources/s3-bucket-source';
import { type ShardSpec } from '../sources/shard-spec';
import { type PlainCopyStore } from '../snapshot/plain-copy-store';
import { type BackupPlanDocument, type ShardTask, planDocumentKey } from './backup-plan-document';
import { type BackupRequest } from './backup-lease';

export type PlanBackupDeps = {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  store: PlainCopyStore;
  catalog: BackupCatalog;
  plans: readonly ProtectionPlanConfig[];
  environment: string;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
};

export type PlanBackupInput = BackupRequest & { backupId: string };

export type PlannedBackup = { backupId: string; plan: string; planKey: string; shardCount: number; shards: ShardTask[] };

/** Plans a backup: one shard list over all sources of the plan, stored in the vault; catalog RUNNING. */
export async function planBackup(input: PlanBackupInput, deps: PlanBackupDeps): Promise<PlannedBackup> {
  const plan = deps.plans.find((p) => p.name === input.plan);
  if (!plan) {
    throw new InvalidInputError(`Unknown plan "${input.plan}"; this environment's plans are: ${deps.plans.map((p) => p.name).join(', ')}.`);
  }
  const now = (deps.now ?? (() => new Date()))();
  const backupId = input.backupId;
  const shards: ShardSpec[] = [];
  for (const source of plan.sources) {
    const firstIndex = shards.length;
    if (source.type === 's3') {
      shards.push(...(await planS3Shards(deps.s3, source, { maxShards: plan.maxConcurrency, keysPerShard: 1000, firstIndex })));
    } else if (source.type === 'dynamodb') {
      // Fail early with the table's name rather than in every shard.
      await describeTable(deps.dynamodb, source.table);
      shards.push(...planDynamoDbShards(source, { segments: Math.min(plan.maxConcurrency, 4), firstIndex }));
    } else {
      shards.push(...(await planDirectoryShards(source, resolveSourceRoot(source.path, deps.env), { maxShards: plan.maxConcurrency, firstIndex })));
    }
  }
  const document: BackupPlanDocument = {
    backupId,
    plan: plan.name,
    environment: deps.environment,
    strategy: input.strategy ?? plan.strategy,
    createdAt: now.toISOString(),
    shards,
  };
  const planKey = planDocumentKey(backupId);
  await deps.store.putJson(planKey, document);
  await deps.catalog.createBackup({
    backupId,
    plan: plan.name,
    environment: deps.environment,
    sources: plan.sources.map((s) => s.name),
    strategy: document.strategy,
    status: 'RUNNING',
    startedAt: now.toISOString(),
    shardCount: shards.length,
    ...(input.trigger ? { trigger: input.trigger } : {}),
  });
  return { backupId, plan: plan.name, planKey, shardCount: shards.length, shards: shards.map((s) => ({ backupId, planKey, shardIndex: s.index })) };
}
