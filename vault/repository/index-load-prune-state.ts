import { type StoredCondemnedBatch } from '../prune/prune-state';

/**
 * What prune's state was right before a writer's index load began (Vault.newSnapshotWriter): the
 * policy's `updatedAt` and the id of every batch and tombstone object. Every prune run rewrites the
 * policy before it condemns, sweeps or removes a tombstone, and a repair of prune's state writes a
 * tombstone of its own, so the index may be kept only while both are as they were: a batch condemned
 * after the load, swept and whose tombstone is gone leaves no batch behind, only a newer policy.
 */
export type IndexLoadPruneState = { readonly policyUpdatedAt: string | null; readonly batchIds: ReadonlySet<string> };

export function indexLoadPruneState(policyUpdatedAt: string | null, batches: readonly StoredCondemnedBatch[]): IndexLoadPruneState {
  return { policyUpdatedAt, batchIds: new Set(batches.map((b) => b.id)) };
}

/**
 * Whether an index loaded at `atLoad` is still one a writer may deduplicate against now: no prune and
 * no repair of prune's state has written since (null: loaded by a reader, whose state nobody read).
 */
export function indexStillCurrent(atLoad: IndexLoadPruneState | null, now: IndexLoadPruneState): boolean {
  if (atLoad === null || atLoad.policyUpdatedAt !== now.policyUpdatedAt || atLoad.batchIds.size !== now.batchIds.size) return false;
  for (const id of now.batchIds) if (!atLoad.batchIds.has(id)) return false;
  return true;
}
