import { type IndexedPack } from '../blob-index/index-object';
import { type PackEntry } from '../pack/pack-format';
import { BlobHolders } from './blob-holders';
import { type LoadedIndexObject, type LoadedPack } from './index-objects';
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
  // The packs this run decides about, each once (as the first live index object listing it lists it).
  const packs: LoadedPack[] = [];
  const listed = new Set<string>();
  for (const o of liveIndexObjects) {
    for (const p of o.packs) {
      if (pending.packs.has(p.packId) || !input.storedPacks.has(p.packId) || listed.has(p.packId)) continue;
      listed.add(p.packId);
      packs.push(p);
    }
  }
  const h = new BlobHolders(packs, mark.blobs);
  // Shares are of a pack's blob bytes, not of its length: its header (44 bytes a blob) is no garbage,
  // and counted as such it kept a pack of tiny blobs over the threshold however often it was repacked.
  const potential = new Float64Array(packs.length);
  for (let i = 0; i < packs.length; i++) potential[i] = (h.referencedBytes[i] as number) / Math.max(1, h.blobBytes[i] as number);
  const donors = chooseDonors(h, potential, input.repackThreshold);
  // A holder that stays beats a donor; then the larger share of referenced bytes, then the smaller id.
  const better = (a: number, b: number): boolean => {
    if (donors[a] !== donors[b]) return donors[a] === 0;
    const d = (potential[a] as number) - (potential[b] as number);
    return d !== 0 ? d > 0 : (packs[a] as LoadedPack).packId < (packs[b] as LoadedPack).packId;
  };
  const keeper = new Int32Array(mark.blobs.size).fill(-1);
  let awaitingSweep = 0;
  for (let blob = 0; blob < keeper.length; blob++) {
    let r = h.newestHolder[blob] as number;
    if (r < 0) {
      awaitingSweep++;
      continue;
    }
    let best = h.packOf(r);
    for (r = h.nextHolder[r] as number; r >= 0; r = h.nextHolder[r] as number) {
      const pack = h.packOf(r);
      if (better(pack, best)) best = pack;
    }
    keeper[blob] = best;
  }

  const garbagePacks: Array<{ id: string; bytes: number }> = [];
  const repack: PackToRepack[] = [];
  for (let i = 0; i < packs.length; i++) {
    const p = packs[i] as LoadedPack;
    const first = h.base[i] as number;
    const kept = (k: number): boolean => h.isHolder(first + k) && keeper[h.blobOf[first + k] as number] === i;
    let liveCount = 0;
    let liveBytes = 0;
    for (let k = 0; k < p.count; k++) {
      if (!kept(k)) continue;
      liveCount++;
      liveBytes += p.storedLength(k);
    }
    if (liveCount === 0) garbagePacks.push({ id: p.packId, bytes: p.length });
    else if (1 - liveBytes / Math.max(1, h.blobBytes[i] as number) > input.repackThreshold) {
      const live: PackEntry[] = [];
      for (let k = 0; k < p.count; k++) if (kept(k)) live.push(p.entry(k));
      repack.push({ id: p.packId, length: p.length, live, liveBytes });
    }
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
 * The packs that give their copies of shared blobs away (planPrune), as flags by pack. A pack's
 * potential garbage is its unreferenced blob bytes plus its copies of referenced blobs that another
 * pack holds; packs are taken in descending order of its share, and one becomes a donor when,
 * counting only copies some pack that is not (yet) a donor holds too, its garbage share would
 * exceed the threshold.
 */
function chooseDonors(h: BlobHolders, potential: Float64Array, threshold: number): Uint8Array {
  const { packs } = h;
  // A pack's copies of referenced blobs that another pack holds too, once each (its holder records).
  const sharedBytes = (i: number, counts: (r: number) => boolean): number => {
    const p = packs[i] as LoadedPack;
    const first = h.base[i] as number;
    let bytes = 0;
    for (let k = 0; k < p.count; k++) if (h.isHolder(first + k) && h.isShared(first + k) && counts(first + k)) bytes += p.storedLength(k);
    return bytes;
  };
  const garbageShare = (i: number, given: number): number => 1 - (potential[i] as number) + given / Math.max(1, h.blobBytes[i] as number);
  const candidates: Array<{ pack: number; share: number }> = [];
  for (let i = 0; i < packs.length; i++) {
    const share = garbageShare(i, sharedBytes(i, () => true));
    if (share > threshold) candidates.push({ pack: i, share });
  }
  const idOf = (i: number): string => (packs[i] as LoadedPack).packId;
  candidates.sort((a, b) => b.share - a.share || (idOf(a.pack) < idOf(b.pack) ? -1 : idOf(a.pack) > idOf(b.pack) ? 1 : 0));
  const donors = new Uint8Array(packs.length);
  for (const { pack } of candidates) {
    const heldElsewhere = (r: number): boolean => {
      for (let x = h.newestHolder[h.blobOf[r] as number] as number; x >= 0; x = h.nextHolder[x] as number) {
        const other = h.packOf(x);
        if (other !== pack && donors[other] === 0) return true;
      }
      return false;
    };
    if (garbageShare(pack, sharedBytes(pack, heldElsewhere)) > threshold) donors[pack] = 1;
  }
  return donors;
}
