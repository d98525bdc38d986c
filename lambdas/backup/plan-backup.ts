import { type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type ProtectionPlanConfig, type SourceConfig } from '../../config/lifeboat-config';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { type BackupStrategy } from '../catalog/backup-record';
import { InvalidInputError } from '../runtime/errors';
import { planDirectoryShards, resolveSourceRoot } from '../sources/directory-source';
import { shardShareOfBudget, sourceReadUnitsPerSecond } from '../sources/dynamodb-capacity-budget';
import { budgetedTargetBytesPerSegment, dynamoDbSegmentCount } from '../sources/dynamodb-segment-count';
import { captureTable } from '../sources/dynamodb-table-schema';
import { planDynamoDbShards } from '../sources/dynamodb-table-source';
import { planS3Shards } from '../sources/s3-bucket-source';
import { type ShardSpec } from '../sources/shard-spec';
import { type Vault } from '../../vault';
import { type BackupPlanDocument, type PlannedSource, type ShardTask } from './backup-plan-document';
import { BackupWorkspace } from './backup-workspace';
import { type BackupRequest } from './backup-lease';
import { selectParents, type SourceParent } from './parent-selection';

export type PlanBackupDeps = {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  /** The primary vault, opened with create=true (the first backup initialises it). */
  vault: Vault;
  catalog: BackupCatalog;
  plans: readonly ProtectionPlanConfig[];
  environment: string;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
};

export type PlanBackupInput = BackupRequest & { backupId: string };

export type PlannedBackup = {
  backupId: string;
  plan: string;
  planKey: string;
  strategy: BackupStrategy;
  shardCount: number;
  /** The Map state's MaxConcurrency (MaxConcurrencyPath): the plan's own bound. */
  maxConcurrency: number;
  shards: ShardTask[];
};

/** S3 keys per key-range shard: fewer shards than the plan allows when the bucket is small (a shard has a fixed start-up cost). */
const KEYS_PER_S3_SHARD = 1000;

/**
 * Plans a backup run: chooses each source's parent snapshot by strategy, splits every source into
 * shards (S3 by key range, DynamoDB by scan segment, directories by subtree), captures what restore
 * needs beyond the entries (a table's schema), stores the plan in the vault bucket and records the
 * backup RUNNING in the catalog. Only the plan's key and the shard indexes go back to the workflow.
 */
export async function planBackup(input: PlanBackupInput, deps: PlanBackupDeps): Promise<PlannedBackup> {
  const plan = deps.plans.find((p) => p.name === input.plan);
  if (!plan) {
    throw new InvalidInputError(`Unknown plan "${input.plan}"; this environment's plans are: ${deps.plans.map((p) => p.name).join(', ')}.`);
  }
  const now = (deps.now ?? (() => new Date()))();
  const backupId = input.backupId;
  const requestedStrategy = input.strategy ?? plan.strategy;
  const selection = await selectParents(
    deps.catalog,
    plan.sources.map((s) => s.name),
    requestedStrategy,
  );

  const shards: ShardSpec[] = [];
  const sources: PlannedSource[] = [];
  for (const source of plan.sources) {
    const parent = selection.parents.get(source.name) ?? null;
    const planned = await planSource(source, parent, plan, shards.length, deps);
    sources.push(planned.source);
    shards.push(...planned.shards);
  }
  const document: BackupPlanDocument = {
    backupId,
    plan: plan.name,
    environment: deps.environment,
    strategy: selection.strategy,
    requestedStrategy,
    ...(selection.parentBackupId ? { parentBackupId: selection.parentBackupId } : {}),
    ...(selection.baseBackupId ? { baseBackupId: selection.baseBackupId } : {}),
    createdAt: now.toISOString(),
    ...(input.trigger ? { trigger: input.trigger } : {}),
    sources,
    shards,
  };
  const planKey = await new BackupWorkspace(deps.vault.store).putPlan(document);
  await deps.catalog.createBackup({
    backupId,
    plan: plan.name,
    environment: deps.environment,
    sourceNames: plan.sources.map((s) => s.name),
    sources: [],
    strategy: selection.strategy,
    ...(requestedStrategy !== selection.strategy ? { requestedStrategy } : {}),
    ...(selection.parentBackupId ? { parentBackupId: selection.parentBackupId } : {}),
    ...(selection.baseBackupId ? { baseBackupId: selection.baseBackupId } : {}),
    status: 'RUNNING',
    startedAt: now.toISOString(),
    shardCount: shards.length,
    ...(input.trigger ? { trigger: input.trigger } : {}),
  });
  return {
    backupId,
    plan: plan.name,
    planKey,
    strategy: selection.strategy,
    shardCount: shards.length,
    maxConcurrency: plan.maxConcurrency,
    shards: shards.map((s) => ({ backupId, planKey, shardIndex: s.index })),
  };
}

async function planSource(
  source: SourceConfig,
  parent: SourceParent,
  plan: ProtectionPlanConfig,
  firstIndex: number,
  deps: PlanBackupDeps,
): Promise<{ source: PlannedSource; shards: ShardSpec[] }> {
  if (source.type === 's3') {
    return {
      source: { name: source.name, type: 's3', parent, snapshotSource: { kind: 's3', id: source.name, bucket: source.bucket, prefix: source.prefix } },
      shards: await planS3Shards(deps.s3, source, { maxShards: plan.maxConcurrency, keysPerShard: KEYS_PER_S3_SHARD, firstIndex }),
    };
  }
  if (source.type === 'dynamodb') {
    // Fails early, naming the table, rather than in every shard; and restore needs the schema.
    const { schema, size, capacity } = await captureTable(deps.dynamodb, source.table);
    // Segments by the table's size (not capped by concurrency: the Map's MaxConcurrency bounds how many run at once), each with its share of the read budget.
    const readUnitsPerSecond = sourceReadUnitsPerSecond(source.readBudget, capacity);
    const segments = source.scanSegments ?? dynamoDbSegmentCount(size, { targetBytesPerSegment: budgetedTargetBytesPerSegment(readUnitsPerSecond, plan.maxConcurrency) });
    return {
      source: {
        name: source.name,
        type: 'dynamodb',
        parent,
        snapshotSource: { kind: 'dynamodb', id: source.name, table: source.table, schema },
        keyAttributes: schema.keySchema.map((k) => k.AttributeName),
      },
      shards: planDynamoDbShards(source, {
        segments,
        firstIndex,
        readUnitsPerSecond: shardShareOfBudget(readUnitsPerSecond, segments, plan.maxConcurrency),
        ...(size.itemCount > 0 ? { averageItemBytes: size.sizeBytes / size.itemCount } : {}),
      }),
    };
  }
  return {
    source: { name: source.name, type: 'filesystem', parent, snapshotSource: { kind: 'filesystem', id: source.name, path: source.path } },
    shards: await planDirectoryShards(source, resolveSourceRoot(source.path, deps.env), { maxShards: plan.maxConcurrency, firstIndex }),
  };
}
