import { type VaultStore } from '../backend/vault-store';
import { localObjectSize, temporaryFiles } from '../backend/file/local-objects';
import { listWithFreeSizes } from '../backend/free-sizes-listing';
import { PackSizeLookup } from '../prune/stored-packs';
import { idFromKey, MANIFEST_PREFIX, manifestKey, packKey } from '../repository/vault-layout';

/**
 * An object nothing refers to: a pack no index lists, a manifest object no snapshot reaches, or a
 * `.tmp-*` file a killed writer left in a vault directory. Not damage (no snapshot needs it) but
 * space; `bytes` is null where the store cannot tell sizes (a store whose listing carries none and that
 * has no files to stat).
 */
export type UnreferencedObject = { readonly key: string; readonly kind: 'pack' | 'manifest' | 'temp'; readonly bytes: number | null };

/**
 * The unreferenced objects of a vault, given the packs its indexes list and the manifest objects its
 * snapshots reach, sorted by key (code units, as S3 lists). Temporary files are found only in a vault directory (the store's
 * `list` hides them; on S3 an object appears whole or not at all).
 */
export async function findUnreferencedObjects(
  store: VaultStore,
  refs: {
    /** Ids of the packs listed under `data/` (the caller has listed them already). */
    readonly storedPacks: Iterable<string>;
    readonly indexedPacks: ReadonlySet<string>;
    /** Ids of the manifest roots, nodes and pages the readable snapshots reach. */
    readonly reachedManifests: ReadonlySet<string>;
  },
): Promise<UnreferencedObject[]> {
  const result: UnreferencedObject[] = [];
  // Sizes from listings where they come with them (S3, memory: ListObjectsV2's Size), a stat each in a directory
  // (PackSizeLookup lists only the folder of each unreferenced pack).
  const packSizes = new PackSizeLookup(store);
  for (const id of refs.storedPacks) {
    if (refs.indexedPacks.has(id)) continue;
    result.push({ key: packKey(id), kind: 'pack', bytes: await packSizes.sizeOf(id) });
  }
  for await (const { key, size } of listWithFreeSizes(store, MANIFEST_PREFIX)) {
    const id = idFromKey(MANIFEST_PREFIX, key);
    if (id && !refs.reachedManifests.has(id)) result.push({ key: manifestKey(id), kind: 'manifest', bytes: size ?? (await localObjectSize(store, manifestKey(id))) });
  }
  // A temporary file's size is from the walk that found it (null only where there are none: S3).
  for await (const t of temporaryFiles(store)) result.push({ key: t.key, kind: 'temp', bytes: t.bytes });
  return result.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
