import { DescribeTableCommand, type DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { targetWriteUnitsPerSecond } from '../sources/dynamodb-capacity-budget';
import { createTableFromSchema, describeTableCapacity, tableSchemaSchema } from '../sources/dynamodb-table-schema';
import { type Vault } from '../../vault';
import { type RestorePlanDocument, type RestoreShard, type RestoreShardTask, putRestorePlan } from './restore-plan-document';
import { SnapshotMismatchError } from './restore-errors';
import { selectedEntries } from './restore-selection';
import { mountRootOf, openTargetDirectory } from './target-directory';
import { type ResolvedRestore } from './resolved-restore';

export type PlanRestoreDeps = {
  openVault: (side: 'primary' | 'dr') => Promise<Vault>;
  /** The primary vault bucket, where restore plans are stored. */
  planS3: S3Client;
  planBucket: string;
  dynamodb: DynamoDBClient;
  directory: (configuredPath: string) => string;
  /** Where the EFS file system is mounted (in AWS): the target directory is made from it without following links. @default '/' */
  mountPath?: string | undefined;
  limits?: { maxShards?: number; entriesPerShard?: number; bytesPerShard?: number };
};

export type PlannedRestore = { restoreId: string; planKey: string; entries: number; bytes: number; shardCount: number; shards: RestoreShardTask[] };

/**
 * Plans a restore: prepares the target (recreates a DynamoDB table from the backup's schema —
 * keys, GSIs/LSIs with projections, billing, TTL — or creates the target directory), cuts the
 * selected manifest entries into contiguous shards balanced by entries and bytes, and stores the
 * plan. Two passes over the manifest (totals, then boundaries), so memory does not grow with it.
 */
export async function planRestore(restore: ResolvedRestore, deps: PlanRestoreDeps): Promise<PlannedRestore> {
  const vault = await deps.openVault(restore.vault);
  const snapshot = await vault.loadSnapshot(restore.snapshotId);
  const maxShards = deps.limits?.maxShards ?? 8;
  const entriesPerShard = deps.limits?.entriesPerShard ?? 100;
  const bytesPerShard = deps.limits?.bytesPerShard ?? 256 * 1024 * 1024;

  let entries = 0;
  let bytes = 0;
  for await (const entry of selectedEntries(vault, snapshot, restore)) {
    entries++;
    bytes += entry.size;
  }
  const shardCount = Math.max(1, Math.min(maxShards, entries, Math.max(Math.ceil(entries / entriesPerShard), Math.ceil(bytes / bytesPerShard))));
  // Each entry weighs its bytes plus a fixed cost per request, so many small objects and a few big ones both spread.
  const PER_ENTRY = 64 * 1024;
  const perShard = (bytes + entries * PER_ENTRY) / shardCount;
  const shards: RestoreShard[] = [];
  let current: RestoreShard | undefined;
  let weight = 0;
  for await (const entry of selectedEntries(vault, snapshot, restore)) {
    if (!current || (weight >= perShard * shards.length && shards.length < shardCount)) {
      current = { index: shards.length, first: entry.path, last: entry.path, entries: 0, bytes: 0 };
      shards.push(current);
    }
    current.last = entry.path;
    current.entries++;
    current.bytes += entry.size;
    weight += entry.size + PER_ENTRY;
  }

  const created = await prepareTarget(restore, snapshot.source, deps);
  const writeUnitsPerShard = restore.target.type === 'dynamodb' ? await writeUnitsPerShardOf(restore.target.table, restore, created, shards.length, deps) : undefined;
  const plan: RestorePlanDocument = { restore, entries, bytes, shards, ...(writeUnitsPerShard ? { writeUnitsPerShard } : {}) };
  const planKey = await putRestorePlan(deps.planS3, deps.planBucket, plan);
  return {
    restoreId: restore.restoreId,
    planKey,
    entries,
    bytes,
    shardCount: shards.length,
    shards: shards.map((s) => ({ restoreId: restore.restoreId, planKey, shardIndex: s.index })),
  };
}

/**
 * A shard's share of the target table's write budget (dynamodb-capacity-budget.ts). Divided by the
 * shard count, not by the restore Map's MaxConcurrency, which this step does not know: never more
 * than the budget, and restores plan at most 8 shards by default.
 */
async function writeUnitsPerShardOf(table: string, restore: ResolvedRestore, created: boolean, shards: number, deps: PlanRestoreDeps): Promise<number> {
  const capacity = await describeTableCapacity(deps.dynamodb, table);
  return targetWriteUnitsPerSecond(restore.writeBudget, capacity, created ? 'created' : 'existing') / Math.max(1, shards);
}

/** Prepares the target; true when it created it (a new table, whose whole capacity the restore may use). */
async function prepareTarget(restore: ResolvedRestore, source: Record<string, unknown>, deps: PlanRestoreDeps): Promise<boolean> {
  const target = restore.target;
  if (target.type === 'filesystem') {
    const made = await openTargetDirectory(mountRootOf(deps.mountPath, deps.directory), target.path, { create: true });
    await made?.close();
  } else if (target.type === 'dynamodb') {
    if (await tableExists(deps.dynamodb, target.table)) return false; // only with overwrite: resolve refused an existing table otherwise
    const parsed = tableSchemaSchema.safeParse(source['schema']);
    if (!parsed.success) {
      throw new SnapshotMismatchError(`Snapshot ${restore.snapshotId.slice(0, 12)} records no valid table schema, so table ${target.table} cannot be recreated: ${parsed.error.message}`);
    }
    await createTableFromSchema(deps.dynamodb, parsed.data, target.table);
    return true;
  }
  return false;
}

async function tableExists(ddb: DynamoDBClient, table: string): Promise<boolean> {
  try {
    await ddb.send(new DescribeTableCommand({ TableName: table }));
    return true;
  } catch (err) {
    if (err instanceof ResourceNotFoundException || (err as Error).name === 'ResourceNotFoundException') return false;
    throw err;
  }
}
