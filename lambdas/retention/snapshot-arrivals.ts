import { idFromKey, SNAPSHOTS_PREFIX, type VaultStore } from '../../vault';

/** Snapshot id → when its object reached the vault. */
export type SnapshotArrivals = ReadonlyMap<string, Date>;

/**
 * When each snapshot object of a vault was written: the listing's LastModified (S3 sets it, no writer
 * chooses it; VaultStore.listWithSizes). Forget decides each backup at this time as well as at its
 * claimed start (forget-backups.ts). One listing of `snapshots/`: a vault holds a few thousand
 * snapshots, not millions. A store whose listing carries no such time (a directory, memory) gives none,
 * and forget then decides by the claimed starts alone.
 */
export async function snapshotArrivals(store: Pick<VaultStore, 'listWithSizes'>): Promise<SnapshotArrivals> {
  const arrivals = new Map<string, Date>();
  if (!store.listWithSizes) return arrivals;
  for await (const { key, lastModified } of store.listWithSizes(SNAPSHOTS_PREFIX)) {
    const id = idFromKey(SNAPSHOTS_PREFIX, key);
    if (id !== null && lastModified !== undefined) arrivals.set(id, lastModified);
  }
  return arrivals;
}
