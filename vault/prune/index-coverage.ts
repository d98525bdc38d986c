import { BlobIdSet } from '../blob-index/blob-id-set';
import { type LoadedIndexObject, type LoadedPack } from './index-objects';
import { type VaultMark } from './vault-mark';

/**
 * Which blobs of a set (the referenced ones, by their ordinals in it) the packs covered so far hold:
 * one byte a blob. Prune's check below, and the two-vault code's choice of what a vault needs
 * (lambdas/replication/vault-references.ts).
 */
export class BlobCoverage {
  private readonly held: Uint8Array;

  constructor(private readonly blobs: BlobIdSet) {
    this.held = new Uint8Array(blobs.size);
  }

  /** Counts the blobs of the set that `pack` holds as held. */
  cover(pack: LoadedPack): void {
    for (let k = 0; k < pack.count; k++) {
      const ordinal = this.blobs.ordinalOf(pack.records, pack.idOffset(k));
      if (ordinal >= 0) this.held[ordinal] = 1;
    }
  }

  /** Whether `pack` holds a blob of the set that no covered pack holds. */
  addsTo(pack: LoadedPack): boolean {
    for (let k = 0; k < pack.count; k++) {
      const ordinal = this.blobs.ordinalOf(pack.records, pack.idOffset(k));
      if (ordinal >= 0 && this.held[ordinal] === 0) return true;
    }
    return false;
  }

  /** How many blobs of the set no covered pack holds. */
  uncovered(): number {
    let missing = 0;
    for (const seen of this.held) if (seen === 0) missing++;
    return missing;
  }

  /** The blobs of the set no covered pack holds (a hex string of each id is made on the way: for refusals, not hot paths). */
  uncoveredIds(): BlobIdSet {
    const missing = new BlobIdSet(16);
    let ordinal = 0;
    for (const hex of this.blobs.hexIds()) if (this.held[ordinal++] === 0) missing.addHex(hex);
    return missing;
  }
}

/**
 * How many of the blobs the snapshots reference no index object lists, in any pack (a pack a pending
 * batch condemned counts: its sweep spares what is referenced). Above zero the index is incomplete:
 * an index object is missing or was never written, and the packs holding those blobs look like packs
 * no index lists, which a prune condemns. restic's prune refuses the same way ("index is missing
 * blobs"). One pass over every record, 1 byte a referenced blob.
 */
export function unindexedReferences(mark: VaultMark, indexObjects: readonly LoadedIndexObject[]): number {
  const coverage = new BlobCoverage(mark.blobs);
  for (const o of indexObjects) for (const p of o.packs) coverage.cover(p);
  return coverage.uncovered();
}
