import { InvalidInputError } from '../runtime/errors';
import { type ShardSpec } from '../sources/shard-spec';
import { type VaultStore } from '../../vault';
import { type ShardTask } from './backup-plan-document';
import { BackupWorkspace } from './backup-workspace';

/**
 * TEMP(resumable): the spec of a shard named by index, looked up in the plan's `shards`, for the
 * inline Map that still passes { backupId, planKey, shardIndex }. Goes away with plan.shards, once
 * the Distributed Map hands snapshotShardBatch the specs themselves.
 */
export async function plannedShardSpec(store: VaultStore, task: ShardTask): Promise<ShardSpec> {
  const plan = await new BackupWorkspace(store).getPlan(task.planKey, task.backupId);
  const spec = plan.shards.find((s) => s.index === task.shardIndex);
  if (!spec) throw new InvalidInputError(`Backup ${task.backupId} has no shard ${task.shardIndex} (it has ${plan.shards.length}).`);
  return spec;
}
