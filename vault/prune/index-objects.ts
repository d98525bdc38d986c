import { decodeIndexObject, type IndexedPack } from '../blob-index/index-object';
import { indexBlobLimit, PRUNE_PEAK_BYTES_PER_BLOB, VaultIndexTooLargeError } from '../blob-index/index-memory';
import { getSealedObject } from '../crypto/sealed-object';
import { type PackEntry } from '../pack/pack-format';
import { type Vault } from '../repository/vault';
import { idFromKey, INDEX_PREFIX, indexKey } from '../repository/vault-layout';
import { mapBounded } from '../workers/bounded-concurrency';

/** One index object as prune needs it: which packs it lists, with their entries. */
export type LoadedIndexObject = { readonly id: string; readonly packs: readonly IndexedPack[] };

/**
 * Every index object of the vault, each with its packs (prune rewrites them object by object). With
 * the vault's memory limit (Vault.memoryLimitMb), a vault with more blobs than a prune can hold fails
 * with VaultIndexTooLargeError before the process runs out of memory.
 */
export async function loadIndexObjects(vault: Vault): Promise<LoadedIndexObject[]> {
  const ids: string[] = [];
  for await (const key of vault.store.list(INDEX_PREFIX)) {
    const id = idFromKey(INDEX_PREFIX, key);
    if (id) ids.push(id);
  }
  ids.sort();
  const memoryMb = vault.memoryLimitMb;
  const blobLimit = indexBlobLimit(memoryMb, PRUNE_PEAK_BYTES_PER_BLOB);
  let blobs = 0;
  // Only thrown past a finite limit, which a memory size gave.
  const tooLarge = (): VaultIndexTooLargeError => new VaultIndexTooLargeError(vault.location, blobLimit, memoryMb ?? 0, PRUNE_PEAK_BYTES_PER_BLOB);
  return mapBounded(ids, 8, async (id) => {
    if (blobs > blobLimit) throw tooLarge();
    const key = indexKey(id);
    const plain = await getSealedObject(vault.store, vault.keys, key, id, 'index');
    const packs = new Map<string, { length: number; entries: PackEntry[] }>();
    blobs += decodeIndexObject(plain, { location: vault.location, key }, (packId, packLength, blobId, offset, storedLength, rawLength) => {
      let p = packs.get(packId);
      if (!p) packs.set(packId, (p = { length: packLength, entries: [] }));
      p.entries.push({ id: Buffer.from(blobId), offset, storedLength, rawLength });
    });
    if (blobs > blobLimit) throw tooLarge();
    return { id, packs: [...packs].map(([packId, p]) => ({ packId, length: p.length, entries: p.entries })) };
  });
}
