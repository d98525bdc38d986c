import { localObjectSize } from '../backend/file/local-objects';
import { listsSizesFree } from '../backend/free-sizes-listing';
import { type VaultStore } from '../backend/vault-store';
import { DATA_PREFIX, idFromKey, packKey } from '../repository/vault-layout';

/**
 * The packs a listing of `data/` found: their ids and, where the store's listing carries them
 * (VaultStore.listWithSizes: S3's listing has them anyway, a directory stats its files), their sizes.
 * Prune sizes the packs no index lists by them (in a directory, a stat of just those packs instead:
 * ListStoredPacksOptions.statFiles), and `vault repair index` reads a pack's header at its end without
 * reading the pack whole. `sizes` is null for a store whose listing has none, or was asked for none.
 */
export type StoredPacks = {
  readonly ids: ReadonlySet<string>;
  readonly sizes: ReadonlyMap<string, number> | null;
  /** True when ListStoredPacksOptions.outOfTime cut the listing: `ids` is then incomplete. */
  readonly cut?: boolean;
};

export type ListStoredPacksOptions = {
  /**
   * False: sizes only where the listing carries them at no cost of its own (S3, memory); a directory's
   * listing then has none (sizes null) instead of a stat of every pack, which on EFS is a network round
   * trip each (20,000 packs on ext4: 60 ms listed, about 480 ms listed with sizes). For a caller that
   * needs the size of few packs: storedPackSize stats just those. @default true
   */
  readonly statFiles?: boolean;
  /** Checked every 1,000 keys (a page of an S3 listing): true stops the listing (`cut`), as a prune's deadline does. */
  readonly outOfTime?: () => boolean;
};

/** One listing of `prefix` (`data/` or one of its `data/<2 hex>/` folders): the packs under it, with their sizes where the store lists them. */
export async function listStoredPacks(store: VaultStore, prefix: string = DATA_PREFIX, options: ListStoredPacksOptions = {}): Promise<StoredPacks> {
  const ids = new Set<string>();
  // Only a directory store has files (localPath): its sizes are a stat each, not part of the listing.
  const sizesCost = store.localPath !== undefined && options.statFiles === false;
  let listed = 0;
  const cut = (): boolean => ++listed % 1000 === 0 && (options.outOfTime?.() ?? false);
  if (!store.listWithSizes || sizesCost) {
    for await (const key of store.list(prefix)) {
      if (cut()) return { ids, sizes: null, cut: true };
      const id = idFromKey(DATA_PREFIX, key);
      if (id) ids.add(id);
    }
    return { ids, sizes: null };
  }
  const sizes = new Map<string, number>();
  for await (const { key, size } of store.listWithSizes(prefix)) {
    if (cut()) return { ids, sizes, cut: true };
    const id = idFromKey(DATA_PREFIX, key);
    if (!id) continue;
    ids.add(id);
    sizes.set(id, size);
  }
  return { ids, sizes };
}

/**
 * A listed pack's size: the listing's; for a listing without sizes, a directory store's stat of the one
 * pack; null when neither knows it (a store with neither) or the pack went meanwhile.
 */
export async function storedPackSize(store: VaultStore, packs: StoredPacks, packId: string): Promise<number | null> {
  if (packs.sizes) return packs.sizes.get(packId) ?? null;
  return localObjectSize(store, packKey(packId));
}

/**
 * Sizes of packs asked for one at a time, outside any listing: a prune's sweep of a batch that recorded
 * 0 bytes for a pack no index listed (every store's batches before 2026-12-04, S3's until listings had
 * sizes). A directory stats the one file; a store that lists with sizes (S3) lists the pack's folder
 * `data/<2 hex>/` once for all the packs asked for in it, a page of 1,000 packs a request where a
 * request a pack would be needed otherwise. Null when the store can tell neither, or the pack is gone.
 */
export class PackSizeLookup {
  private readonly folders = new Map<string, Promise<StoredPacks>>();

  constructor(private readonly store: VaultStore) {}

  async sizeOf(packId: string): Promise<number | null> {
    const key = packKey(packId);
    if (!listsSizesFree(this.store)) return localObjectSize(this.store, key);
    const folder = key.slice(0, key.lastIndexOf('/') + 1);
    let listing = this.folders.get(folder);
    if (!listing) this.folders.set(folder, (listing = listStoredPacks(this.store, folder)));
    return (await listing).sizes?.get(packId) ?? null;
  }
}
