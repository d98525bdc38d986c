import { decodeIndexPacks, type IndexedPack } from '../blob-index/index-object';
import { indexBlobLimit, PRUNE_PEAK_BYTES_PER_BLOB, VaultIndexTooLargeError } from '../blob-index/index-memory';
import { getSealedObject } from '../crypto/sealed-object';
import { PACK_ENTRY_BYTES, type PackEntry, writePackEntry } from '../pack/pack-format';
import { type VaultStore } from '../backend/vault-store';
import { type VaultKeys } from '../crypto/vault-keys';
import { type Vault } from '../repository/vault';
import { idFromKey, INDEX_PREFIX, indexKey } from '../repository/vault-layout';
import { mapBounded } from '../workers/bounded-concurrency';
import { VaultCorruptionError } from '../vault-errors';

/**
 * One pack of a loaded index object: its blob records stay the index plaintext's bytes (44 a blob;
 * an object per blob took about 200), read in place by prune's plan. `entries` decodes them anew
 * at each call, for the few packs a run rewrites or repacks.
 */
export class LoadedPack implements IndexedPack {
  constructor(
    readonly packId: string,
    readonly length: number,
    /** count × PACK_ENTRY_BYTES: id (32) | offset | stored length | raw length (u32 LE). */
    readonly records: Buffer,
  ) {}

  /** An IndexedPack held the way a loaded one is (tests, and packs a run has just written). */
  static of(pack: IndexedPack): LoadedPack {
    const records = Buffer.allocUnsafe(pack.entries.length * PACK_ENTRY_BYTES);
    let o = 0;
    for (const e of pack.entries) o = writePackEntry(records, o, e);
    return new LoadedPack(pack.packId, pack.length, records);
  }

  get count(): number {
    return this.records.length / PACK_ENTRY_BYTES;
  }

  /** Byte offset of record `k`'s blob id in `records`. */
  idOffset(k: number): number {
    return k * PACK_ENTRY_BYTES;
  }

  storedLength(k: number): number {
    return this.records.readUInt32LE(k * PACK_ENTRY_BYTES + 36);
  }

  /** Record `k` as a PackEntry with its own copy of the id. */
  entry(k: number): PackEntry {
    const o = k * PACK_ENTRY_BYTES;
    return { id: Buffer.from(this.records.subarray(o, o + 32)), offset: this.records.readUInt32LE(o + 32), storedLength: this.records.readUInt32LE(o + 36), rawLength: this.records.readUInt32LE(o + 40) };
  }

  get entries(): PackEntry[] {
    return Array.from({ length: this.count }, (_, k) => this.entry(k));
  }
}

/** One index object as prune needs it: which packs it lists, with their blob records. */
export type LoadedIndexObject = { readonly id: string; readonly packs: readonly LoadedPack[] };

export type LoadIndexObjectsOptions = {
  /** Hears of each index object that fails its integrity check, which is then left out instead of thrown. */
  readonly onDamaged?: (key: string) => void;
  /**
   * The keys of the damaged index objects a repair of the index replaced and Object Lock kept, which its
   * tombstone names (supersededIndexKeysOf). One of them that still fails its check is left out and
   * `onLeftOut` hears of it: it lists nothing the repair did not index again from the packs, and the
   * tombstone names every pack the repair left out, so without it the index is whole. Thrown otherwise,
   * a kept object would fail every prune until its retention passed (years, in compliance mode). One that
   * reads is loaded like any other.
   */
  readonly superseded?: { readonly keys: ReadonlySet<string>; readonly onLeftOut: (key: string) => void };
};

/**
 * Every index object of the vault, each with its packs (prune rewrites them object by object). With
 * the vault's memory limit (Vault.memoryLimitMb), a vault with more blobs than a prune can hold fails
 * with VaultIndexTooLargeError before the process runs out of memory. Strict: an object that fails its
 * integrity check throws, unless `onDamaged` is given, which hears of its key and the object is left out
 * (`vault repair prune-state`, which leaves damaged index objects to `vault repair index`), or unless
 * `superseded` names it (LoadIndexObjectsOptions).
 */
export async function loadIndexObjects(vault: Vault, options: LoadIndexObjectsOptions = {}): Promise<LoadedIndexObject[]> {
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
  const { onDamaged, superseded } = options;
  const objects = await mapBounded(ids, 8, async (id) => {
    if (blobs > blobLimit) throw tooLarge();
    let loaded: Awaited<ReturnType<typeof loadIndexObject>>;
    try {
      loaded = await loadIndexObject(vault.store, vault.keys, id);
    } catch (err) {
      if (!(err instanceof VaultCorruptionError)) throw err;
      const key = indexKey(id);
      if (superseded?.keys.has(key)) superseded.onLeftOut(key);
      else if (onDamaged) onDamaged(key);
      else throw err;
      return undefined;
    }
    blobs += loaded.blobs;
    if (blobs > blobLimit) throw tooLarge();
    return loaded.object;
  });
  return objects.filter((o): o is LoadedIndexObject => o !== undefined);
}

/**
 * One index object of `store` (opened with `keys`), with the packs it lists and how many blob records
 * it holds. Prune's loadIndexObjects, and the two-vault code's (lambdas/replication/vault-references.ts),
 * which reads one vault's index objects with the other's keys (both vaults hold the same master key).
 */
export async function loadIndexObject(store: VaultStore, keys: VaultKeys, id: string): Promise<{ object: LoadedIndexObject; blobs: number }> {
  return loadedIndexObjectOf(store.location, id, await getSealedObject(store, keys, indexKey(id), id, 'index'));
}

/** An index object's opened plaintext as loadIndexObject hands it over (for a reader that opens the object itself). */
export function loadedIndexObjectOf(location: string, id: string, plain: Buffer): { object: LoadedIndexObject; blobs: number } {
  const key = indexKey(id);
  const packs = new Map<string, LoadedPack>();
  const blobs = decodeIndexPacks(plain, { location, key }, (packId, packLength, records) => {
    // Writers list a pack once an object; should one list it twice, its records are one pack's.
    const listed = packs.get(packId);
    packs.set(packId, new LoadedPack(packId, listed?.length ?? packLength, listed ? Buffer.concat([listed.records, records]) : records));
  });
  return { object: { id, packs: [...packs.values()] }, blobs };
}
