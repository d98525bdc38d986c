import { type VaultStore } from './vault-store';

/**
 * Whether the store's listing carries each object's size at no cost of its own: S3's ListObjectsV2 returns it with
 * every key (and the memory store keeps it). A directory has no such listing: its listWithSizes stats every file,
 * which on EFS is a network round trip each.
 */
export function listsSizesFree(store: VaultStore): boolean {
  return store.listWithSizes !== undefined && store.localPath === undefined;
}

/** The keys under `prefix`, each with its size where the listing carries sizes for free (listsSizesFree), else without. */
export async function* listWithFreeSizes(store: VaultStore, prefix: string): AsyncIterable<{ key: string; size: number | undefined }> {
  if (listsSizesFree(store) && store.listWithSizes) {
    yield* store.listWithSizes(prefix);
    return;
  }
  for await (const key of store.list(prefix)) yield { key, size: undefined };
}
