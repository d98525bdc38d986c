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
 * Decides what one prune run condemns and repacks. Each referenced blob is kept in exactly one
 * pack: of the packs holding it, the one with the largest share of referenced bytes (a pack a
 * repack wrote is all live, so it wins), ties to the smaller pack id. Every other copy is garbage
 * in its pack: this is how duplicates that parallel shards stored are folded.
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
      if (h) h.push(p.packId);
      else holders.set(hex, [p.packId]);
    }
    potential.set(p.packId, bytes / Math.max(1, blobBytes.get(p.packId) ?? 0));
  }
  const keeper = new Map<string, string>();
  for (const [blob, ids] of holders) {
    let best = ids[0] as string;
    for (const id of ids.slice(1)) {
      const d = (potential.get(id) ?? 0) - (potential.get(best) ?? 0);
      if (d > 0 || (d === 0 && id < best)) best = id;
    }
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
