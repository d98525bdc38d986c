import { type ShardSpec } from '../sources/shard-spec';
import { type VaultStore } from '../../vault';
import { BackupWorkspace } from './backup-workspace';

/**
 * Every shard of a planned backup, from the shard manifests its plan document lists, in index order.
 * For callers that run a backup's steps in one process (the bench, tests); the workflow never needs
 * the whole list: its Distributed Map reads one manifest at a time.
 */
export async function plannedShardSpecs(store: VaultStore, planned: { backupId: string; planKey: string }): Promise<ShardSpec[]> {
  const workspace = new BackupWorkspace(store);
  const plan = await workspace.getPlan(planned.planKey, planned.backupId);
  const specs: ShardSpec[] = [];
  for (const key of plan.shardManifests) specs.push(...(await workspace.getShardManifest(key)));
  return specs.sort((a, b) => a.index - b.index);
}
