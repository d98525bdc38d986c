import { type BlobIdSet } from '../blob-index/blob-id-set';
import { type LoadedPack } from './index-objects';

/** `nextHolder` of a record that is in no chain: its blob is unreferenced, or it is a second copy in the same pack. */
export const NOT_A_HOLDER = -2;

/**
 * Which packs hold each referenced blob, in typed arrays (prune-plan.ts decides from it which copy
 * each blob keeps). The packs' records are numbered one after the other across all packs (a
 * record's number is its pack's `base` plus its place in the pack); the referenced blobs are
 * numbered by their ordinals in the mark. For each referenced blob the records that hold it, one a
 * pack, form a chain from `newestHolder[blob]` through `nextHolder`.
 *
 * Memory: 8 bytes a record and 4 a referenced blob, beside the records themselves (44 bytes) and
 * the mark; the Maps of hex strings and holder arrays this replaces took about 250 bytes a blob.
 */
export class BlobHolders {
  /** Number of each pack's first record; one more entry, the total, at the end. */
  readonly base: Float64Array;
  /** Per record: the mark ordinal of its blob when a snapshot references it, else −1. */
  readonly blobOf: Int32Array;
  /** Per record: the next holder record of the same blob (an earlier pack's), −1 at the chain's end, NOT_A_HOLDER outside chains. */
  readonly nextHolder: Int32Array;
  /** Per referenced blob: the last holder record of its chain, −1 when no pack here holds it. */
  readonly newestHolder: Int32Array;
  /** Per pack: the stored bytes of all its blobs, and of those a snapshot references (copies in the same pack counted each). */
  readonly blobBytes: Float64Array;
  readonly referencedBytes: Float64Array;

  constructor(
    readonly packs: readonly LoadedPack[],
    marked: BlobIdSet,
  ) {
    this.base = new Float64Array(packs.length + 1);
    for (let i = 0; i < packs.length; i++) this.base[i + 1] = (this.base[i] as number) + (packs[i] as LoadedPack).count;
    const records = this.base[packs.length] as number;
    this.blobOf = new Int32Array(records);
    this.nextHolder = new Int32Array(records).fill(NOT_A_HOLDER);
    this.newestHolder = new Int32Array(marked.size).fill(-1);
    this.blobBytes = new Float64Array(packs.length);
    this.referencedBytes = new Float64Array(packs.length);
    for (let i = 0; i < packs.length; i++) {
      const p = packs[i] as LoadedPack;
      const first = this.base[i] as number;
      let all = 0;
      let referenced = 0;
      for (let k = 0; k < p.count; k++) {
        const r = first + k;
        const stored = p.storedLength(k);
        all += stored;
        const blob = marked.ordinalOf(p.records, p.idOffset(k));
        this.blobOf[r] = blob;
        if (blob < 0) continue;
        referenced += stored;
        const newest = this.newestHolder[blob] as number;
        // Packs are numbered in order, so a holder record from this pack is at or after its first record.
        if (newest >= first) continue;
        this.nextHolder[r] = newest;
        this.newestHolder[blob] = r;
      }
      this.blobBytes[i] = all;
      this.referencedBytes[i] = referenced;
    }
  }

  /** The pack (its place in `packs`) of record `r`. */
  packOf(r: number): number {
    let lo = 0;
    let hi = this.packs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.base[mid] as number) <= r) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Whether record `r` is its pack's copy of a referenced blob (the first, when the pack holds it twice). */
  isHolder(r: number): boolean {
    return this.nextHolder[r] !== NOT_A_HOLDER;
  }

  /** Whether the holder record `r` shares its blob with another pack. */
  isShared(r: number): boolean {
    return this.newestHolder[this.blobOf[r] as number] !== r || (this.nextHolder[r] as number) >= 0;
  }
}
