import { indexBlobLimit, PRUNE_PEAK_BYTES_PER_BLOB, type ScrubListingLimit, type Vault } from '../../vault';
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
export function scrubListingLimit(memoryMb: number | undefined, side: VaultSide, vault: Vault, listedBefore: number, commandOptions = ''): ScrubListingLimit | undefined {
  if (memoryMb === undefined) return undefined;
  const keyLimit = indexBlobLimit(memoryMb, SCRUB_LISTING_PEAK_BYTES_PER_KEY);
  return {
    keys: Math.max(0, keyLimit - listedBefore),
    tooMany: (listed) => new ScrubListingTooLargeError(side, vault.location, listedBefore + listed, keyLimit, memoryMb, SCRUB_LISTING_PEAK_BYTES_PER_KEY, commandOptions),
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

/**
 * How many blobs the work-out of which objects a vault lacking some needs (vault-needs-work-out.ts, objectsVaultNeeds) may hold
 * when what the listings and findings so far left of `memoryMb` holds `findingsLeft` findings (scrubFindingLimit less
 * those counted, less those the work-out may make): its snapshots' referenced blob ids (markSnapshots) and, apart, the
 * blob records of the index objects it loads (both vaults'), each bounded by it, at PRUNE_PEAK_BYTES_PER_BLOB, as prune
 * bounds its own mark and index objects (it holds the same: 44 bytes a record, 40–48 an id, and the pages read). Its
 * copies of the listings (a pack id and an index id a key) are per pack, inside what 300 bytes a blob leave over prune's
 * measured peak. Unbounded, it loaded every index object and marked every snapshot: at 2,048 MB a vault under the
 * listings' limit (4.0 million keys, ~45 million blobs) ran out of memory on every run that found an object missing
 * (review rE F1). No limit without a memory size (a machine).
 */
export function scrubNeedsBlobLimit(memoryMb: number | undefined, findingsLeft: number): number {
  if (memoryMb === undefined) return Infinity;
  return Math.floor((Math.max(0, findingsLeft) * SCRUB_FINDING_PEAK_BYTES) / PRUNE_PEAK_BYTES_PER_BLOB);
}

/**
 * How many keys the look at what snapshots the scrub copied into a vault need (lookAfterPrunes: its listing of both
 * vaults' data/, index/ and manifest/ again, missingKeys) may hold beside the scrub's own listings and findings: what
 * `findingsLeft` findings would take, at SCRUB_LISTING_PEAK_BYTES_PER_KEY (the listings' own weight a key). Unbounded,
 * that listing doubled what the listings' limit holds (review rJ F1). No limit without a memory size (a machine).
 */
export function scrubLookKeyLimit(memoryMb: number | undefined, findingsLeft: number): number {
  if (memoryMb === undefined) return Infinity;
  return Math.floor((Math.max(0, findingsLeft) * SCRUB_FINDING_PEAK_BYTES) / SCRUB_LISTING_PEAK_BYTES_PER_KEY);
}
