import { idFromKey, SNAPSHOTS_PREFIX, type VaultStore } from '../../vault';

/**
 * Which snapshot objects a vault holds, from one listing of `snapshots/`: the catalog rebuild's
 * `drHolds` (catalog-rebuild.ts) for the DR vault. One listing (1,000 names a request) instead of a
 * HEAD per snapshot, because the DR vault is in another region and a rebuild asks about every
 * snapshot of the primary: at 26,000 snapshots, 26 requests rather than 26,000 round trips of
 * ~70 ms, which alone would pass Lambda's 15 minutes. Names suffice: a replica's objects are the
 * primary's, byte for byte, and replication writes a snapshot only after what it references.
 *
 * Null when the listing fails (the DR region is down, the bucket is missing): the rebuild then
 * leaves the DR copy status out, as the documentation says, instead of failing the primary's records.
 */
export async function snapshotPresence(store: VaultStore): Promise<{ holds: (snapshotId: string) => Promise<boolean>; problem?: never } | { holds: null; problem: string }> {
  const held = new Set<string>();
  try {
    for await (const key of store.list(SNAPSHOTS_PREFIX)) {
      const id = idFromKey(SNAPSHOTS_PREFIX, key);
      if (id) held.add(id);
    }
  } catch (err) {
    return { holds: null, problem: `the snapshots of ${store.location} cannot be listed (${err instanceof Error ? err.message : String(err)})` };
  }
  return { holds: async (snapshotId) => held.has(snapshotId) };
}
