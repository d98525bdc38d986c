import { type IndexedPack } from '../blob-index/index-object';
import { type PackEntry } from '../pack/pack-format';
import { type LoadedIndexObject } from './index-objects';
import { type VaultMark } from './vault-mark';

/** Objects a pending (not yet swept) condemnation batch names: prune leaves them to that batch's sweep. */
export type PendingObjects = { readonly packs: ReadonlySet<string>; readonly indexes: ReadonlySet<string>; readonly manifests: ReadonlySet<string> };

export type PackToRepack = { readonly id: string; readonly length: number; readonly live: readonly PackEntry[]; readonly liveBytes: number };

export type PrunePlan = {
  /** Packs with no live blob (all garbage, or duplicates kept elsewhere), and packs no index lists. */
  readonly garbagePacks: ReadonlyArray<{ id: string; bytes: number }>;
  /** Packs whose garbage share exceeds the threshold, with the live blobs that move to new packs. */
  readonly repack: readonly PackToRepack[];
  readonly garbageManifests: readonly string[];
  /** Index objects no pending batch names: the ones this run may rewrite. */
  readonly liveIndexObjects: readonly LoadedIndexObject[];
  /** Referenced blobs found only in condemned packs (a backup reused them while a batch was pending): its sweep spares them. */
  readonly awaitingSweep: number;
};

export type PrunePlanInput = {
  readonly mark: VaultMark;
  readonly indexObjects: readonly LoadedIndexObject[];
  readonly storedPacks: ReadonlySet<string>;
  readonly storedManifests: ReadonlySet<string>;
  readonly pending: PendingObjects;
  /** A pack is repacked when more than this share of its blob bytes is garbage (0–1). */
  readonly repackThreshold: number;
};

/**
 * Decides what one prune run condemns and repacks. Each referenced blob is kept in exactly one of
 * the packs holding it; every other copy is garbage in its pack: this is how duplicates that
 * parallel shards stored are folded. Which copy is kept decides where that garbage lands, and only
 * garbage in packs past the threshold (or in packs with nothing live) is ever reclaimed, so the copies
 * are chosen to concentrate it:
 *
 * - a *donor* is a pack that can be pushed past the threshold by giving its copies of shared blobs
 *   away: its unreferenced bytes plus its shared bytes held by some pack that is not a donor exceed
 *   the threshold. Packs are considered in descending order of that potential garbage, so the packs
 *   made mostly of copies go first; a donor is repacked, keeping only what no other pack can keep.
 * - every other blob is kept by a holder that is not a donor (restic's rule: the copy in a pack that
 *   stays), the one with the largest share of referenced bytes (a pack a repack wrote is all live, so
 *   it wins), ties to the smaller pack id.
 *
 * Spreading shared blobs over the holders by that share alone (the rule until 2026-12-02) left most
 * packs of a 4-shard backup with 10–20 % of copies each, under the threshold: 1.04–1.06× of one
 * shard's bytes after the prune.
 */
export function planPrune(input: PrunePlanInput): PrunePlan {
  const { mark, pending } = input;
  const liveIndexObjects = input.indexObjects.filter((o) => !pending.indexes.has(o.id));
  const packs = new Map<string, IndexedPack>();
  for (const o of liveIndexObjects) {
    for (const p of o.packs) if (!pending.packs.has(p.packId) && input.storedPacks.has(p.packId) && !packs.has(p.packId)) packs.set(p.packId, p);
  }
  const potential = new Map<string, number>();
  const holders = new Map<string, string[]>();
  // Shares are of a pack's blob bytes, not of its length: its header (44 bytes a blob) is no garbage,
  // and counted as such it kept a pack of tiny blobs over the threshold however often it was repacked.
  const blobBytes = new Map<string, number>();
  for (const p of packs.values()) blobBytes.set(p.packId, p.entries.reduce((n, e) => n + e.storedLength, 0));
  for (const p of packs.values()) {
    let bytes = 0;
    for (const e of p.entries) {
      const hex = e.id.toString('hex');
      if (!mark.blobs.has(hex)) continue;
      bytes += e.storedLength;
      const h = holders.get(hex);
      if (h) {
        if (!h.includes(p.packId)) h.push(p.packId);
      } else holders.set(hex, [p.packId]);
    }
    potential.set(p.packId, bytes / Math.max(1, blobBytes.get(p.packId) ?? 0));
  }
  const donors = chooseDonors(packs, holders, blobBytes, potential, input.repackThreshold);
  // A holder that stays beats a donor; then the larger share of referenced bytes, then the smaller id.
  const better = (a: string, b: string): boolean => {
    if (donors.has(a) !== donors.has(b)) return !donors.has(a);
    const d = (potential.get(a) ?? 0) - (potential.get(b) ?? 0);
    return d !== 0 ? d > 0 : a < b;
  };
  const keeper = new Map<string, string>();
  for (const [blob, ids] of holders) {
    // A holder list is never empty: it is made with its first pack.
    let best = ids[0] as string;
    for (const id of ids.slice(1)) if (better(id, best)) best = id;
    keeper.set(blob, best);
  }
  let awaitingSweep = 0;
  for (const blob of mark.blobs) if (!keeper.has(blob)) awaitingSweep++;

  const garbagePacks: Array<{ id: string; bytes: number }> = [];
  const repack: PackToRepack[] = [];
  for (const p of packs.values()) {
    const seen = new Set<string>();
    const live = p.entries.filter((e) => {
      const hex = e.id.toString('hex');
      if (keeper.get(hex) !== p.packId || seen.has(hex)) return false;
      seen.add(hex);
      return true;
    });
    const liveBytes = live.reduce((n, e) => n + e.storedLength, 0);
    if (live.length === 0) garbagePacks.push({ id: p.packId, bytes: p.length });
    else if (1 - liveBytes / Math.max(1, blobBytes.get(p.packId) ?? 0) > input.repackThreshold) repack.push({ id: p.packId, length: p.length, live, liveBytes });
  }
  const indexed = new Set<string>();
  for (const o of input.indexObjects) for (const p of o.packs) indexed.add(p.packId);
  for (const id of input.storedPacks) if (!indexed.has(id) && !pending.packs.has(id)) garbagePacks.push({ id, bytes: 0 });
  const garbageManifests = [...input.storedManifests].filter((id) => !mark.manifests.has(id) && !pending.manifests.has(id)).sort();
  garbagePacks.sort((a, b) => a.id.localeCompare(b.id));
  repack.sort((a, b) => a.id.localeCompare(b.id));
  return { garbagePacks, repack, garbageManifests, liveIndexObjects, awaitingSweep };
}

/**
 * The index objects that list a condemned pack are condemned with it; what they list about other
 * packs moves into the new index object the run writes (before its batch, so no live pack is ever
 * listed only by condemned index objects).
 */
export function rewriteIndexes(liveIndexObjects: readonly LoadedIndexObject[], condemnedPacks: ReadonlySet<string>, pendingPacks: ReadonlySet<string> = new Set()): { condemned: string[]; carried: IndexedPack[] } {
  const condemned: string[] = [];
  const carried = new Map<string, IndexedPack>();
  for (const o of liveIndexObjects) {
    if (!o.packs.some((p) => condemnedPacks.has(p.packId))) continue;
    condemned.push(o.id);
    // A pack an earlier batch condemned is not listed again: its sweep would otherwise have to keep it.
    for (const p of o.packs) if (!condemnedPacks.has(p.packId) && !pendingPacks.has(p.packId) && !carried.has(p.packId)) carried.set(p.packId, p);
  }
  // A carried pack also listed by an index object that stays needs no second listing.
  const stays = new Set<string>();
  for (const o of liveIndexObjects) if (!condemned.includes(o.id)) for (const p of o.packs) stays.add(p.packId);
  return { condemned, carried: [...carried.values()].filter((p) => !stays.has(p.packId)) };
}

/**
 * The packs that give their copies of shared blobs away (planPrune). A pack's potential garbage is
 * its unreferenced blob bytes plus its copies of referenced blobs that another pack holds; packs are
 * taken in descending order of its share, and one becomes a donor when, counting only copies some
 * pack that is not (yet) a donor holds too, its garbage share would exceed the threshold.
 */
function chooseDonors(
  packs: ReadonlyMap<string, IndexedPack>,
  holders: ReadonlyMap<string, readonly string[]>,
  blobBytes: ReadonlyMap<string, number>,
  potential: ReadonlyMap<string, number>,
  threshold: number,
): Set<string> {
  // Each pack's referenced blobs that another pack holds too, once each; walked twice rather than
  // kept, since a vault's packs list as many blobs as the marks hold already.
  const sharedBlobs = function* (p: IndexedPack): Generator<{ hex: string; bytes: number }> {
    const seen = new Set<string>();
    for (const e of p.entries) {
      const hex = e.id.toString('hex');
      if (seen.has(hex) || (holders.get(hex)?.length ?? 0) < 2) continue;
      seen.add(hex);
      yield { hex, bytes: e.storedLength };
    }
  };
  const garbageShare = (p: IndexedPack, given: number): number => 1 - (potential.get(p.packId) ?? 0) + given / Math.max(1, blobBytes.get(p.packId) ?? 0);
  const candidates: Array<{ pack: IndexedPack; share: number }> = [];
  for (const p of packs.values()) {
    let shared = 0;
    for (const { bytes } of sharedBlobs(p)) shared += bytes;
    const share = garbageShare(p, shared);
    if (share > threshold) candidates.push({ pack: p, share });
  }
  candidates.sort((a, b) => b.share - a.share || (a.pack.packId < b.pack.packId ? -1 : a.pack.packId > b.pack.packId ? 1 : 0));
  const donors = new Set<string>();
  for (const { pack } of candidates) {
    let given = 0;
    for (const { hex, bytes } of sharedBlobs(pack)) if ((holders.get(hex) ?? []).some((h) => h !== pack.packId && !donors.has(h))) given += bytes;
    if (garbageShare(pack, given) > threshold) donors.add(pack.packId);
  }
  return donors;
}
