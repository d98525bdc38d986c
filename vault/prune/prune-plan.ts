import { type IndexedPack } from '../blob-index/index-object';
import { type PackEntry } from '../pack/pack-format';
import { BlobHolders } from './blob-holders';
import { type LoadedIndexObject, type LoadedPack } from './index-objects';
import { type VaultMark } from './vault-mark';

/** Objects a pending (not yet swept) condemnation batch names: prune leaves them to that batch's sweep. */
export type PendingObjects = { readonly packs: ReadonlySet<string>; readonly indexes: ReadonlySet<string>; readonly manifests: ReadonlySet<string> };

export type PackToRepack = { readonly id: string; readonly length: number; readonly live: readonly PackEntry[]; readonly liveBytes: number };

/** Copies of blobs that failed authentication, by pack id: the hex ids of its damaged blobs (kept-copies.ts finds them). */
export type DamagedCopies = ReadonlyMap<string, ReadonlySet<string>>;

/** A kept copy of a blob whose other copies go with the packs `dependents` (condemned, or repacked without it). */
export type ReliedOnCopy = { readonly packId: string; readonly entry: PackEntry; readonly dependents: readonly string[] };

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
  /**
   * The kept copies the packs this plan drops rely on: a pack in `garbagePacks` or `repack` loses its
   * copies of the blobs kept elsewhere, so those copies must be intact before it goes (kept-copies.ts).
   */
  readonly reliedOn: readonly ReliedOnCopy[];
};

export type PrunePlanInput = {
  readonly mark: VaultMark;
  readonly indexObjects: readonly LoadedIndexObject[];
  readonly storedPacks: ReadonlySet<string>;
  readonly storedManifests: ReadonlySet<string>;
  readonly pending: PendingObjects;
  /** A pack is repacked when more than this share of its blob bytes is garbage (0–1). */
  readonly repackThreshold: number;
  /**
   * Copies known to fail authentication: any other copy is kept before them, and a pack holding one
   * whose blob is kept intact elsewhere is repacked (or condemned) whatever its garbage, so the damaged
   * copy leaves the index. A blob every copy of which is damaged is kept by every pack holding it.
   */
  readonly damagedCopies?: DamagedCopies;
  /**
   * Packs found archived (a read answered that a thaw is needed: kept-copies.ts): a copy there cannot be authenticated,
   * so any readable copy that is not known damaged is kept before it, and its pack can then go unread. A blob whose every
   * undamaged copy is archived keeps one of them, unread. They are not repacked for it: nothing in them is known damaged.
   */
  readonly archivedPacks?: ReadonlySet<string>;
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
 *
 * The plan reads no pack, so it cannot know that a kept copy is intact: `reliedOn` lists the kept
 * copies the dropped packs rely on, and the caller authenticates them and plans again with the damaged
 * ones in `damagedCopies` (kept-copies.ts). Until 2026-12-06 nothing did, and a prune could delete the
 * only intact copy of a blob and keep the damaged one. A copy in a pack found archived (`archivedPacks`) cannot be
 * read: a readable copy is kept before it, so the archived pack goes without a thaw.
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
  const damaged = damagedRecords(h, input.damagedCopies);
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
  // The kept copy of each blob, as a record: a readable copy not known damaged beats an archived one (which cannot be
  // checked), which beats a damaged one, whatever their packs.
  const archived = new Uint8Array(packs.length);
  if (input.archivedPacks) for (let i = 0; i < packs.length; i++) if (input.archivedPacks.has((packs[i] as LoadedPack).packId)) archived[i] = 1;
  const rank = (r: number): number => 2 * (damaged[r] as number) + (archived[h.packOf(r)] as number);
  const keeperRecord = new Int32Array(mark.blobs.size).fill(-1);
  const keeper = new Int32Array(mark.blobs.size).fill(-1);
  let awaitingSweep = 0;
  for (let blob = 0; blob < keeper.length; blob++) {
    let r = h.newestHolder[blob] as number;
    if (r < 0) {
      awaitingSweep++;
      continue;
    }
    let bestRecord = r;
    let best = h.packOf(r);
    for (r = h.nextHolder[r] as number; r >= 0; r = h.nextHolder[r] as number) {
      const pack = h.packOf(r);
      if (rank(r) !== rank(bestRecord) ? rank(r) < rank(bestRecord) : better(pack, best)) {
        best = pack;
        bestRecord = r;
      }
    }
    keeper[blob] = best;
    keeperRecord[blob] = bestRecord;
  }

  const garbagePacks: Array<{ id: string; bytes: number }> = [];
  const repack: PackToRepack[] = [];
  const reliedOn = new Map<number, string[]>();
  for (let i = 0; i < packs.length; i++) {
    const p = packs[i] as LoadedPack;
    const first = h.base[i] as number;
    // A blob whose kept copy is damaged too has no copy known intact: every pack holding it keeps it.
    const kept = (k: number): boolean => {
      if (!h.isHolder(first + k)) return false;
      const blob = h.blobOf[first + k] as number;
      return keeper[blob] === i || damaged[keeperRecord[blob] as number] === 1;
    };
    let liveCount = 0;
    let liveBytes = 0;
    let holdsDamagedCopy = false;
    for (let k = 0; k < p.count; k++) {
      if (!kept(k)) {
        if (h.isHolder(first + k) && damaged[first + k] === 1) holdsDamagedCopy = true;
        continue;
      }
      liveCount++;
      liveBytes += p.storedLength(k);
    }
    let dropped = true;
    if (liveCount === 0) garbagePacks.push({ id: p.packId, bytes: p.length });
    else if (holdsDamagedCopy || 1 - liveBytes / Math.max(1, h.blobBytes[i] as number) > input.repackThreshold) {
      const live: PackEntry[] = [];
      for (let k = 0; k < p.count; k++) if (kept(k)) live.push(p.entry(k));
      repack.push({ id: p.packId, length: p.length, live, liveBytes });
    } else dropped = false;
    if (!dropped) continue;
    for (let k = 0; k < p.count; k++) {
      if (!h.isHolder(first + k) || kept(k)) continue;
      const r = keeperRecord[h.blobOf[first + k] as number] as number;
      const dependents = reliedOn.get(r);
      if (dependents) dependents.push(p.packId);
      else reliedOn.set(r, [p.packId]);
    }
  }
  const indexed = new Set<string>();
  for (const o of input.indexObjects) for (const p of o.packs) indexed.add(p.packId);
  for (const id of input.storedPacks) if (!indexed.has(id) && !pending.packs.has(id)) garbagePacks.push({ id, bytes: 0 });
  const garbageManifests = [...input.storedManifests].filter((id) => !mark.manifests.has(id) && !pending.manifests.has(id)).sort();
  garbagePacks.sort((a, b) => a.id.localeCompare(b.id));
  repack.sort((a, b) => a.id.localeCompare(b.id));
  const reliedOnCopies = [...reliedOn].map(([r, dependents]): ReliedOnCopy => {
    const i = h.packOf(r);
    return { packId: (packs[i] as LoadedPack).packId, entry: (packs[i] as LoadedPack).entry(r - (h.base[i] as number)), dependents };
  });
  return { garbagePacks, repack, garbageManifests, liveIndexObjects, awaitingSweep, reliedOn: reliedOnCopies };
}

/** Per record of `h`: 1 where it is a holder copy listed in `copies`. Only the packs named there are looked at. */
function damagedRecords(h: BlobHolders, copies: DamagedCopies | undefined): Uint8Array {
  const damaged = new Uint8Array(h.base[h.packs.length] as number);
  if (!copies || copies.size === 0) return damaged;
  for (let i = 0; i < h.packs.length; i++) {
    const p = h.packs[i] as LoadedPack;
    const ids = copies.get(p.packId);
    if (!ids) continue;
    const first = h.base[i] as number;
    for (let k = 0; k < p.count; k++) {
      if (h.isHolder(first + k) && ids.has(p.records.toString('hex', p.idOffset(k), p.idOffset(k) + 32))) damaged[first + k] = 1;
    }
  }
  return damaged;
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
