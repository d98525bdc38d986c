import { VaultError } from '../vault-errors';

/**
 * Memory one blob of the loaded index takes at the load's peak. Measured on 2026-12-02 (VmHWM of a
 * process adding 4–12 million random ids, 100 blobs a pack): 65–78 bytes a blob, 62–64 once loaded
 * (vault-index.ts: 48 bytes of id, pack ordinal, offset and lengths, plus the slot table; the arrays
 * double as they grow, the new half untouched until filled).
 */
export const INDEX_PEAK_BYTES_PER_BLOB = 80;

/**
 * What a function needs beside the index, at most: Node, its bundle and the SDK clients (~95 MiB) and
 * its own work — snapshot-shard's measured peak without a large index is up to ~400 MiB (docs/SCALE.md,
 * "Memory sizes of the functions"). A function smaller than twice this keeps half its memory instead
 * (the small functions' own work is the ~100 MiB floor).
 */
export const INDEX_MEMORY_RESERVE_BYTES = 512 * 2 ** 20;

/** What a process of `memoryBytes` keeps for its work beside the index: half its memory, at most INDEX_MEMORY_RESERVE_BYTES. */
export function indexMemoryReserve(memoryBytes: number): number {
  return Math.min(INDEX_MEMORY_RESERVE_BYTES, memoryBytes / 2);
}

/**
 * Memory one blob of the vault takes in a prune, at its peak: the index objects' blob records as
 * loaded (44 bytes; prune rewrites them object by object), the mark's referenced ids (blob-id-set.ts,
 * 40–48 bytes) with the ids of the pages it read (32: measured with one snapshot, where the pages
 * hold each blob once; MarkedPages keeps at most markedPagesBudgetBytes of them however many
 * snapshots reference them), the plan's holder arrays (prune-plan.ts,
 * blob-holders.ts; 16) and what the allocator keeps of the pages' transient parsing. Measured with
 * the bench's prune-scale run (pruneVault over a synthetic vault on disk, VmHWM less the RSS before
 * it): 224–233 bytes a blob at 2 million blobs on 2026-12-02 with the mark reading one page at a
 * time; 259–277 since it reads several at once (2026-12-03, eleven runs at 2, 4 and 8 pages in flight,
 * and 221–254 at 1: what the allocator keeps of the pages' parsing varies from run to run). Counted
 * 300, above the highest with room for that spread. Until 2026-12-02 prune held the index as an
 * object per blob and the mark as hex strings: 629–686 bytes a blob.
 */
export const PRUNE_PEAK_BYTES_PER_BLOB = 300;

/**
 * What the mark keeps of the pages it read (MarkedPages, vault-mark.ts) in a process of `memoryMb`: the 32 bytes a blob
 * PRUNE_PEAK_BYTES_PER_BLOB counts for them, times the blobs a prune of that memory may hold. Unbounded, the pages
 * of every retained snapshot were kept: with churn spread over a source's keys each backup writes mostly new pages,
 * and a vault of 1.5 million blobs and 30 snapshots peaked at 2,211 MiB in a prune of 2,048 MB (audit aW2-1).
 * Without a memory size (a machine), MARKED_PAGES_DEFAULT_BUDGET_BYTES.
 */
export function markedPagesBudgetBytes(memoryMb: number | undefined): number {
  return memoryMb === undefined ? MARKED_PAGES_DEFAULT_BUDGET_BYTES : 32 * indexBlobLimit(memoryMb, PRUNE_PEAK_BYTES_PER_BLOB);
}

/** The pages' blob ids a mark keeps in a process with no memory size: 8 million references, a one-snapshot vault of 8 million blobs. */
export const MARKED_PAGES_DEFAULT_BUDGET_BYTES = 256 * 2 ** 20;

/** The blobs a process of `memoryMb` (a function's memory size) may load, at `bytesPerBlob`; no limit without one. */
export function indexBlobLimit(memoryMb: number | undefined, bytesPerBlob: number = INDEX_PEAK_BYTES_PER_BLOB): number {
  return memoryMb === undefined ? Infinity : indexBlobCapacity(memoryMb * 2 ** 20, bytesPerBlob);
}

/** How many blobs an index may hold for a process with `memoryBytes` to load it beside its work (at `bytesPerBlob`: the index's, or prune's). */
export function indexBlobCapacity(memoryBytes: number, bytesPerBlob: number = INDEX_PEAK_BYTES_PER_BLOB): number {
  return Math.max(0, Math.floor((memoryBytes - indexMemoryReserve(memoryBytes)) / bytesPerBlob));
}

/**
 * The vault's index is larger than the process can hold: thrown while loading it, before the process
 * runs out of memory (in Lambda, a kill with no message). Not transient: a retry meets the same index.
 */
export class VaultIndexTooLargeError extends VaultError {
  override name = 'VaultIndexTooLargeError';
  constructor(
    readonly location: string,
    readonly blobLimit: number,
    readonly memoryMb: number,
    bytesPerBlob: number = INDEX_PEAK_BYTES_PER_BLOB,
  ) {
    super(
      `${location}: the vault's index holds more than ${blobLimit.toLocaleString('en-US')} blobs, more than a function of ${memoryMb} MB can load beside its work ` +
        `(about ${bytesPerBlob} bytes a blob, ${Math.round(indexMemoryReserve(memoryMb * 2 ** 20) / 2 ** 20)} MiB kept for the rest): give the function more memory ` +
        `(LifeboatProtection's functionMemory, by function name, e.g. { 'prune-vault': 6144 }; Lambda allows up to 10,240 MB), ` +
        `or protect the data in more than one environment, each with its own vault (docs/SCALE.md, "Index per shard")`,
    );
  }
}
