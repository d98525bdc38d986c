import { localObjectSize } from '../backend/file/local-objects';
import { type BlobIdSet } from '../blob-index/blob-id-set';
import { type PackEntry } from '../pack/pack-format';
import { authenticateBlob, parsePack, readPackHeader } from '../pack/pack-reader';
import { type Vault } from '../repository/vault';
import { packKey } from '../repository/vault-layout';
import { VaultCorruptionError, VaultObjectArchivedError, VaultObjectNotFoundError } from '../vault-errors';

/**
 * Packs no index lists whose headers verify reads, at most, looking for a blob snapshots reference and no index lists.
 * Such packs are few (a killed backup's last packs, those a repair left out as damaged), but with every index object lost
 * every pack is one; the look stops at the first pack that holds such a blob intact, so there it reads one header.
 */
export const UNINDEXED_HEADERS_READ = 32;

/** Blobs verify authenticates, at most, in those packs (each one ranged read): a pack of damaged ones ends the look. */
export const UNINDEXED_BLOBS_CHECKED = 64;

/** A pack no index lists, with its size from the listing of `data/` (null: the store's listing has none). */
export type UnindexedPack = { readonly id: string; readonly bytes: number | null };

/**
 * What reading the headers of packs no index lists told verify, while snapshots reference blobs no index lists
 * (`missing`). `vault repair index` indexes every pack whose header reads, and with --read-data leaves damaged blobs out:
 * run again, it indexes no blob it left out before. So "repair first" is advice only when a pack holds such a blob intact
 * (review r58H F4: a pack holding only the damaged blob a repair left out was called one that "may hold them, intact",
 * the repair run again, and verify said the same).
 */
export type UnindexedPacksLook = {
  /** A pack that holds, intact, a blob snapshots miss (its header read, the blob authenticated): the repair indexes it. */
  readonly holder: { readonly pack: string; readonly blob: string } | null;
  /** Keys of the packs whose header read that hold none of those blobs intact (none at all, or only damaged copies): garbage. */
  readonly holdNone: ReadonlySet<string>;
  /**
   * Keys of the packs whose header does not read: no garbage, as they may still hold those blobs intact at the offsets an
   * index object gives (the DR vault's copy of a missing one), though neither verify nor a repair finds them there (review
   * r59B F3: they were listed as unreferenced, "their headers read", for a prune to reclaim).
   */
  readonly headerUnread: ReadonlySet<string>;
  /** Packs not read past UNINDEXED_HEADERS_READ or UNINDEXED_BLOBS_CHECKED: they may hold them. */
  readonly pastBound: number;
  /** Packs in an archive storage class, not read (a read needs a thaw): they may hold them. */
  readonly archived: number;
};

/**
 * Reads the headers of `packs` in order, and authenticates each blob a header lists that `missing` holds, until one is
 * intact (the holder), or the bounds are reached. A pack gone since the listing is neither read nor counted.
 */
export async function lookInUnindexedPacks(vault: Vault, packs: readonly UnindexedPack[], missing: BlobIdSet): Promise<UnindexedPacksLook> {
  const holdNone = new Set<string>();
  const headerUnread = new Set<string>();
  let archived = 0;
  let headers = 0;
  let checked = 0;
  for (const [at, pack] of packs.entries()) {
    if (headers >= UNINDEXED_HEADERS_READ || checked >= UNINDEXED_BLOBS_CHECKED) return { holder: null, holdNone, headerUnread, pastBound: packs.length - at, archived };
    const key = packKey(pack.id);
    let reading: PackReading;
    try {
      headers++;
      reading = await readHeader(vault, key, pack.bytes);
    } catch (err) {
      if (err instanceof VaultObjectArchivedError) archived++;
      // Left out by the repair too, but what its blobs are is unknown, not none of them.
      else if (err instanceof VaultCorruptionError) headerUnread.add(key);
      else if (!(err instanceof VaultObjectNotFoundError)) throw err;
      continue;
    }
    let cut = false;
    for (const entry of reading.entries) {
      if (!missing.has(entry.id)) continue;
      if (checked >= UNINDEXED_BLOBS_CHECKED) {
        cut = true;
        break;
      }
      checked++;
      const intact = await authenticates(vault, key, entry, reading.body);
      if (intact === 'archived') {
        archived++;
        cut = true;
        break;
      }
      if (intact) return { holder: { pack: key, blob: entry.id.toString('hex') }, holdNone, headerUnread, pastBound: 0, archived };
    }
    // Cut short among its blobs, the pack may still hold one intact: counted with those past the bound.
    if (cut) {
      if (checked >= UNINDEXED_BLOBS_CHECKED) return { holder: null, holdNone, headerUnread, pastBound: packs.length - at, archived };
      continue;
    }
    holdNone.add(key);
  }
  return { holder: null, holdNone, headerUnread, pastBound: 0, archived };
}

/** A pack's header, and its body when it had to be read whole (a store that tells no size). */
type PackReading = { readonly entries: readonly PackEntry[]; readonly body: Buffer | null };

async function readHeader(vault: Vault, key: string, bytes: number | null): Promise<PackReading> {
  const { store, keys } = vault;
  const length = bytes ?? (await localObjectSize(store, key));
  if (length !== null) return { entries: await readPackHeader(store, keys, key, length), body: null };
  const body = await store.get(key);
  return { entries: await parsePack(store.location, key, keys, body), body };
}

/** Whether the blob's envelope in the pack authenticates under its id; 'archived' when the pack went to an archive class meanwhile. */
async function authenticates(vault: Vault, key: string, entry: PackEntry, body: Buffer | null): Promise<boolean | 'archived'> {
  const { store, keys } = vault;
  try {
    const stored = body ? body.subarray(entry.offset, entry.offset + entry.storedLength) : await store.get(key, { offset: entry.offset, length: entry.storedLength });
    if (stored.length !== entry.storedLength) return false;
    await authenticateBlob(keys, entry.id, stored, { location: store.location, key });
    return true;
  } catch (err) {
    if (err instanceof VaultObjectArchivedError) return 'archived';
    if (err instanceof VaultCorruptionError || err instanceof VaultObjectNotFoundError) return false;
    throw err;
  }
}
