import { indexBlobLimit, type ScrubListingLimit, type Vault } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { ScrubListingTooLargeError } from './scrub-listing-too-large-error';

/**
 * Memory one listed key takes at the scrub's peak: the key itself (~72 one-byte characters, 88 bytes), its slot in the
 * vault's sorted listing and in the union of both (8 each), and what the heap holds of garbage between collections.
 * Measured on 2026-12-07 (VmHWM of a process listing two vaults of 1 and 2 million keys of the real shapes, 70 % packs,
 * into the structures scrubVaults builds): 143–150 bytes a key, ~139 marginal; 197–203 before that day, when each
 * listing was a Set with the union a third Set and two arrays beside (the 200,000-key run: 484, heap start-up
 * included). Counted 200, room for the SDK's listing pages parsed meanwhile.
 */
export const SCRUB_LISTING_PEAK_BYTES_PER_KEY = 200;

/** The memory that bounds the scrub's listings: the open vaults' memoryLimitMb (one function opened both), none on a machine. */
export function scrubListingMemoryMb(vaults: Partial<Record<VaultSide, Vault>>): number | undefined {
  const sizes = Object.values(vaults).flatMap((vault) => (vault?.memoryLimitMb !== undefined ? [vault.memoryLimitMb] : []));
  return sizes.length > 0 ? Math.min(...sizes) : undefined;
}

/**
 * The limit of one vault's listing (listScrubbedObjects) when `listedBefore` keys of the other are held already: the
 * scrub lists both vaults whatever its scope (the other is what it compares with), and may hold in all what
 * indexBlobLimit leaves of `memoryMb` beside the reserve for its reads, at SCRUB_LISTING_PEAK_BYTES_PER_KEY. None
 * without a memory size.
 */
export function scrubListingLimit(memoryMb: number | undefined, side: VaultSide, vault: Vault, listedBefore: number): ScrubListingLimit | undefined {
  if (memoryMb === undefined) return undefined;
  const keyLimit = indexBlobLimit(memoryMb, SCRUB_LISTING_PEAK_BYTES_PER_KEY);
  return {
    keys: Math.max(0, keyLimit - listedBefore),
    tooMany: (listed) => new ScrubListingTooLargeError(side, vault.location, listedBefore + listed, keyLimit, memoryMb, SCRUB_LISTING_PEAK_BYTES_PER_KEY),
  };
}

/**
 * Memory one missing object's finding takes at the scrub's peak, beside the listings: its Bad record with its detail
 * (~170 characters: the vault, the key, the other vault), the finding made of it, and for one left unrepaired without a
 * good copy its entries in the mapping to backups and its DamagedObject with a note. Measured on 2026-12-07 (heap of
 * scrubVaults over two in-memory vaults, one lacking 20,000 and 100,000 keys the other holds, past the repair cutoff):
 * 555–591 bytes a key held by the report, 1,233–1,723 at the peak with the garbage between collections. A lacked key
 * that makes no finding (`notWorkedOut`) costs ~20 bytes held, ~40 at the peak: within what
 * SCRUB_LISTING_PEAK_BYTES_PER_KEY leaves over the listing's measured 143–150.
 */
export const SCRUB_FINDING_PEAK_BYTES = 1_300;

/**
 * How many missing objects the scrub may hold a finding of once both vaults' listings (`listed` keys) are held: what
 * scrubListingLimit's memory leaves, at SCRUB_FINDING_PEAK_BYTES. A vault lacking more data/, index/ and manifest/
 * objects than that is not worked out (`notWorkedOut`, as when the deadline cuts the work-out). With a finding each, a
 * DR vault lacking the 2 million keys of its primary needed 1.1–2.5 GB for them beside the listings' ~0.3 GB whenever the
 * work-out completed (no deadline, a fast store, few index objects), past a 2,048 MB scrub's memory far below the
 * listings' own limit there, 8 million keys (audit aW2, fix fF). No limit without a memory size (a machine).
 */
export function scrubFindingLimit(memoryMb: number | undefined, listed: number): number {
  if (memoryMb === undefined) return Infinity;
  const keysLeft = Math.max(0, indexBlobLimit(memoryMb, SCRUB_LISTING_PEAK_BYTES_PER_KEY) - listed);
  return Math.floor((keysLeft * SCRUB_LISTING_PEAK_BYTES_PER_KEY) / SCRUB_FINDING_PEAK_BYTES);
}
