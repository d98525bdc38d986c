import { type LoadedIndexObject, type LoadedPack } from './index-objects';
import { type VaultMark } from './vault-mark';

/**
 * How many of the blobs the snapshots reference no index object lists, in any pack (a pack a pending
 * batch condemned counts: its sweep spares what is referenced). Above zero the index is incomplete:
 * an index object is missing or was never written, and the packs holding those blobs look like packs
 * no index lists, which a prune condemns. restic's prune refuses the same way ("index is missing
 * blobs"). One pass over every record, 1 byte a referenced blob.
 */
export function unindexedReferences(mark: VaultMark, indexObjects: readonly LoadedIndexObject[]): number {
  const listed = new Uint8Array(mark.blobs.size);
  for (const o of indexObjects) for (const p of o.packs) markListed(listed, mark, p);
  let missing = 0;
  for (const seen of listed) if (seen === 0) missing++;
  return missing;
}

function markListed(listed: Uint8Array, mark: VaultMark, pack: LoadedPack): void {
  for (let k = 0; k < pack.count; k++) {
    const ordinal = mark.blobs.ordinalOf(pack.records, pack.idOffset(k));
    if (ordinal >= 0) listed[ordinal] = 1;
  }
}
