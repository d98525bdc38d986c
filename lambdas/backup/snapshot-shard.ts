import { type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvalidInputError } from '../runtime/errors';
import { addDirectoryShard, type DirectoryShardOptions } from '../sources/directory-entries';
import { resolveSourceRoot } from '../sources/directory-source';
import { addDynamoDbSegment } from '../sources/dynamodb-page-entries';
import { type EntrySink, newObservations } from '../sources/entry-sink';
import { addS3Shard } from '../sources/s3-object-entries';
import { type ShardSpec } from '../sources/shard-spec';
import { type SnapshotWriter } from '../../vault';
import { type Vault } from '../../vault';
import { VaultObjectNotFoundError } from '../../vault';
import { type BackupPlanDocument, type PlannedSource, type ShardTask } from './backup-plan-document';
import { BackupWorkspace } from './backup-workspace';

export type SnapshotShardDeps = {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  /** The primary vault (opened with create=false: planning created it). */
  vault: Vault;
  env?: NodeJS.ProcessEnv;
  /** Test seam for sources that change while read (see directory-entries.ts). */
  directory?: DirectoryShardOptions;
};

export type ShardResult = { shardIndex: number; plan: string; source: string; entries: number; bytesScanned: number; bytesNew: number };

/** Vault instances whose index was loaded for a given backup; a warm container reloads it once per run (see below). */
const indexFreshFor = new WeakMap<Vault, string>();

/**
 * One shard of a source into the vault: its own SnapshotWriter uploads packs and index objects
 * (so a later run reuses them even if this run never commits), then the writer's ManifestPart is
 * stored at parts/<backupId>/<shard>.json for the commit step. Idempotent: a retry writes the
 * same entries again, reusing whatever the failed attempt had uploaded and indexed.
 */
export async function snapshotShard(task: ShardTask, deps: SnapshotShardDeps): Promise<ShardResult> {
  const workspace = new BackupWorkspace(deps.vault.store);
  const plan = await workspace.getPlan(task.planKey, task.backupId);
  const spec = await findShardSpec(workspace, plan, task.shardIndex);
  const source = plan.sources.find((s) => s.name === spec.source);
  if (!source) throw new InvalidInputError(`Backup ${task.backupId}: shard ${task.shardIndex} names source "${spec.source}", which its plan does not list.`);

  // A warm container's index predates this run: packs indexed since (by other shards, or by a failed
  // run of this plan) would otherwise be uploaded again and the parent's blobs look missing.
  if (indexFreshFor.get(deps.vault) !== task.backupId) {
    await deps.vault.reloadIndex();
    indexFreshFor.set(deps.vault, task.backupId);
  }
  const writer = await openWriter(deps.vault, source);
  const observations = newObservations();
  await readShard(spec, source, writer, observations, deps);
  const part = await writer.finish();
  await workspace.putPart({ backupId: task.backupId, shardIndex: task.shardIndex, source: source.name, part, observations });
  return { shardIndex: task.shardIndex, plan: plan.plan, source: source.name, entries: part.stats.entries, bytesScanned: part.stats.bytesScanned, bytesNew: part.stats.bytesNew };
}

// TEMP(planner): replaced by the resumable branch (the spec comes in the shard's input, scale contract §4).
// Until then the spec is found by scanning the plan's shard manifests for its index.
async function findShardSpec(workspace: BackupWorkspace, plan: BackupPlanDocument, shardIndex: number): Promise<ShardSpec> {
  for (const key of plan.shardManifests) {
    const spec = (await workspace.getShardManifest(key)).find((s) => s.index === shardIndex);
    if (spec) return spec;
  }
  throw new InvalidInputError(`Backup ${plan.backupId} has no shard ${shardIndex} in its ${plan.shardManifests.length} shard manifest(s).`);
}

async function openWriter(vault: Vault, source: PlannedSource): Promise<SnapshotWriter> {
  try {
    return await vault.newSnapshotWriter({ parent: source.parent?.snapshotId ?? null });
  } catch (err) {
    // A parent pruned since planning only costs reading everything again, never correctness.
    if (source.parent && err instanceof VaultObjectNotFoundError) return vault.newSnapshotWriter({ parent: null });
    throw err;
  }
}

async function readShard(spec: ShardSpec, source: PlannedSource, sink: EntrySink, observations: ReturnType<typeof newObservations>, deps: SnapshotShardDeps): Promise<void> {
  if (spec.kind === 's3') {
    await addS3Shard(deps.s3, spec, sink, observations);
  } else if (spec.kind === 'dynamodb') {
    await addDynamoDbSegment(deps.dynamodb, { table: spec.table, segment: spec.segment, totalSegments: spec.totalSegments, keyAttributes: source.keyAttributes ?? [] }, sink);
  } else {
    await addDirectoryShard(resolveSourceRoot(spec.root, deps.env), spec.paths, sink, observations, deps.directory);
  }
}
