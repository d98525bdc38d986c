import { BlobCoverage, BlobIdSet, indexKey, isContentAddressedKey, loadIndexObject, type LoadedPack, mapBounded, packKey, sha256Hex, idFromKey } from '../../vault';
import { type ByteRange, type LoadedIndexObject, type PutOptions, type VaultKeys, type VaultStore } from '../../vault';
import { VaultObjectNotFoundError } from '../../vault';

/**
 * What the snapshots a vault keeps need there — the two-vault code's own mark (docs/ARCHITECTURE.md, "Replication to the
 * DR vault" and "Scrub and self-heal"): replication copies into the DR vault only what the snapshots it copies need, and
 * the scrub calls an object missing in a vault only when that vault's snapshots need it, so that neither brings back what
 * a vault's prune removed (nor a primary's condemned or failed-run packs, which no snapshot needs).
 *
 * "Need" is decided by references, as prune's mark (vault/prune/vault-mark.ts) decides what to keep: the snapshots'
 * manifest roots, nodes and pages, and for each blob they reference that the vault's own index objects do not locate in
 * a pack it holds, a pack holding it and an index object listing that pack, offered by the other vault. An index object
 * taken from the other vault brings every pack it lists that the vault lacks, so an index object never names a pack
 * that is not there (a writer deduplicating against it would otherwise reference a missing pack).
 */

/** Index objects read at once. */
const INDEX_READS_IN_FLIGHT = 8;

/** What some snapshots reference: their manifest objects (roots, nodes and pages, by id) and blob ids (prune's markSnapshots). */
export type SnapshotReferences = { readonly manifests: ReadonlySet<string>; readonly blobs: BlobIdSet };

/** Reads the index objects `ids` of `store` (opened with `keys`: both vaults hold the same master key), each with the packs it lists. */
export async function loadIndexObjectsOf(store: VaultStore, keys: VaultKeys, ids: readonly string[]): Promise<LoadedIndexObject[]> {
  return mapBounded([...ids].sort(), INDEX_READS_IN_FLIGHT, async (id) => (await loadIndexObject(store, keys, id)).object);
}

export type HeldObjects = {
  /** The index objects the vault holds (their records of packs it lacks are what `offered` may bring). */
  readonly indexes: readonly LoadedIndexObject[];
  /** The ids of the packs it holds. */
  readonly packs: ReadonlySet<string>;
};

export type OfferedObjects = {
  /** The index objects the other vault holds and this one lacks. */
  readonly indexes: readonly LoadedIndexObject[];
  /** The ids of the packs the other vault holds and this one lacks. */
  readonly packs: ReadonlySet<string>;
};

export type ObjectsNeeded = {
  /** data/ and index/ keys of `offered` that the vault needs, sorted. */
  readonly keys: readonly string[];
  /** Referenced blobs that neither the vault's index objects nor the offered ones locate in a pack either holds (lost, or never indexed). */
  readonly unlocated: number;
  /** Those blobs (empty when none): which snapshots reference them is what a refusal names (snapshotsReferencing). */
  readonly unlocatedBlobs: BlobIdSet;
};

/**
 * Which of the offered packs and index objects a vault needs for the blobs `references` names:
 *
 * 1. blobs an index object the vault holds lists in a pack it holds are there;
 * 2. a pack the vault lacks that an index object it holds lists is needed whatever it holds (prune deletes index objects
 *    before their packs, and keeps the packs of an index object whose delete was refused: such a pack is damage, not a
 *    prune's doing), and locates what it holds;
 * 3. for the blobs still not located, in this order: an offered index object listing a pack the vault holds; an offered
 *    index object listing an offered pack. Index objects that bring the fewest bytes of blobs the references do not name
 *    come first, so a pack a prune repacked (condemned, with its garbage) gives way to the pack it was repacked into,
 *    and a condemned index object (it lists a condemned pack) to the one the prune re-listed the live packs in. An index
 *    object taken brings every offered pack it lists.
 *
 * Packs that no index object lists (a killed backup's) and packs no reference reaches are never needed.
 */
export function objectsNeeded(references: SnapshotReferences, held: HeldObjects, offered: OfferedObjects): ObjectsNeeded {
  const blobs = references.blobs;
  const located = new BlobCoverage(blobs);
  /** Bytes of a pack that hold no referenced blob (its header counted as such). */
  const garbage = (pack: LoadedPack): number => {
    let referenced = 0;
    for (let k = 0; k < pack.count; k++) if (blobs.has(pack.records, pack.idOffset(k))) referenced += pack.storedLength(k);
    return Math.max(0, pack.length - referenced);
  };

  for (const o of held.indexes) for (const p of o.packs) if (held.packs.has(p.packId)) located.cover(p);

  const needed = new Set<string>();
  const offeredPack = (p: LoadedPack): boolean => !held.packs.has(p.packId) && offered.packs.has(p.packId);
  const takeIndex = (o: LoadedIndexObject): void => {
    needed.add(indexKey(o.id));
    for (const p of o.packs) {
      if (held.packs.has(p.packId)) located.cover(p);
      else if (offered.packs.has(p.packId)) {
        needed.add(packKey(p.packId));
        located.cover(p);
      }
    }
  };
  const byGarbage = <T>(items: readonly T[], cost: (item: T) => number): T[] =>
    items
      .map((item) => ({ item, cost: cost(item) }))
      .sort((a, b) => a.cost - b.cost)
      .map((c) => c.item);
  const indexGarbage = (o: LoadedIndexObject): number => o.packs.filter(offeredPack).reduce((n, p) => n + garbage(p), 0);
  const offeredIndexes = byGarbage(offered.indexes, indexGarbage);

  // 2. What the vault's own index objects name.
  for (const o of held.indexes) {
    for (const p of o.packs.filter(offeredPack)) {
      needed.add(packKey(p.packId));
      located.cover(p);
    }
  }
  // 3a. An index object that locates blobs in packs the vault holds.
  for (const o of offeredIndexes) if (o.packs.some((p) => held.packs.has(p.packId) && located.addsTo(p))) takeIndex(o);
  // 3b. An index object and the packs it lists.
  for (const o of offeredIndexes) if (o.packs.some((p) => offeredPack(p) && located.addsTo(p))) takeIndex(o);

  const unlocated = located.uncovered();
  return { keys: [...needed].sort(), unlocated, unlocatedBlobs: unlocated > 0 ? located.uncoveredIds() : new BlobIdSet(16) };
}

/**
 * A read-only view of a vault's store that reads what it lacks, or holds damaged, from the other vault's store (the same
 * names hold the same bytes there): the scrub marks a vault whose manifest object or index object may be missing or
 * damaged, which is what it is about to repair. A content-addressed object is taken from `second` when `first`'s copy
 * does not match its name and `second`'s does; otherwise `first`'s bytes are returned (its reader then names the damage).
 * Listing is `first`'s (plus `extraKeys`: objects about to be repaired into it).
 *
 * Not merged with readThroughVault (read-through-vault.ts), the check of a copied snapshot's tree, though both read one
 * vault through to the other: they differ where neither copy reads, and that is what each answers. The work-out must
 * see a snapshot object damaged in the vault and absent from the other as damaged, which makes every lacking object
 * count as needed: here `first`'s bad bytes stand and its reader names the damage, where readThroughVault throws the
 * other vault's not-found, which scanSnapshots takes for a snapshot deleted since the listing, and the work-out went on
 * without that snapshot's references. It lists `extraKeys` (the snapshots about to be copied in, whose references count)
 * and records nothing; readThroughVault lists none and records which objects the other copy stood in for, which the
 * check's reasons name. One function would take a switch for each of the three.
 */
export function readThroughStore(first: VaultStore, second: VaultStore, extraKeys: readonly string[] = []): VaultStore {
  const matchesName = (key: string, body: Buffer): boolean => {
    const prefix = key.slice(0, key.indexOf('/') + 1);
    return sha256Hex(body) === idFromKey(prefix, key);
  };
  const readOnly = (): Promise<never> => Promise.reject(new Error(`${first.location}: a read-through view is not written to`));
  return {
    location: first.location,
    async get(key: string, range?: ByteRange): Promise<Buffer> {
      let body: Buffer;
      try {
        body = await first.get(key, range);
      } catch (err) {
        if (err instanceof VaultObjectNotFoundError) return second.get(key, range);
        throw err;
      }
      if (range !== undefined || key.startsWith('data/') || !isContentAddressedKey(key) || matchesName(key, body)) return body;
      try {
        const other = await second.get(key);
        return matchesName(key, other) ? other : body;
      } catch (err) {
        if (err instanceof VaultObjectNotFoundError) return body;
        throw err;
      }
    },
    async has(key: string): Promise<boolean> {
      return (await first.has(key)) || (await second.has(key));
    },
    async *list(prefix: string): AsyncIterable<string> {
      const seen = new Set<string>();
      for await (const key of first.list(prefix)) {
        seen.add(key);
        yield key;
      }
      for (const key of extraKeys) if (key.startsWith(prefix) && !seen.has(key)) yield key;
    },
    put: (_key: string, _body: Uint8Array, _options?: PutOptions) => readOnly(),
    delete: () => readOnly(),
  };
}
