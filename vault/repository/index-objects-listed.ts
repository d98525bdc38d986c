import { type VaultStore } from '../backend/vault-store';
import { idFromKey, INDEX_PREFIX } from './vault-layout';

/** The ids of the index objects under `index/`, as one listing finds them. */
export async function listIndexObjectIds(store: VaultStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const key of store.list(INDEX_PREFIX)) {
    const id = idFromKey(INDEX_PREFIX, key);
    if (id) ids.push(id);
  }
  return ids;
}

/**
 * Whether every index object an index load listed is still under `index/`. Only prune's sweep and
 * `vault repair index` delete index objects, and the repair deletes every one it replaces: its new
 * index leaves out packs found missing and blobs found damaged, which a load made before it still
 * lists. The repair touches no prune state, so this listing (one LIST page per 1,000 index objects) is
 * what tells a writer reusing such a load (Vault.newSnapshotWriter) to load the index again. Index
 * objects written since only add records, and do not count.
 */
export async function indexObjectsStillListed(store: VaultStore, listedAtLoad: ReadonlySet<string>): Promise<boolean> {
  const now = new Set(await listIndexObjectIds(store));
  for (const id of listedAtLoad) if (!now.has(id)) return false;
  return true;
}
