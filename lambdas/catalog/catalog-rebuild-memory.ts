/**
 * Heap a snapshot takes in a catalog rebuild at its first write: the scanned snapshot (~1.4 KB) and its share of the
 * backups' candidate records, all held until the writes (measured by fix fD on 2026-12-07, 2,000 to 8,000 snapshots of
 * one-source backups: ~3 KB).
 */
export const REBUILD_BYTES_PER_SNAPSHOT = 3 * 1024;

/**
 * The share of the function's memory the rebuild counts on, and what it leaves aside first for Node, the bundle and the
 * SDK clients: the 3 KB were measured, not bounded (backups of more sources, longer tags and the garbage between
 * collections take more), so a quarter of the memory stays free as headroom. The runbook's default 2,048 MB then hold
 * ~490,000 snapshots (1,024 MB ~228,000), where the measured 3 KB would fill them at ~660,000 with none to spare.
 */
const USABLE_SHARE = 0.75;
const RUNTIME_BYTES = 100 * 2 ** 20;

/** The most snapshot objects a rebuild may hold in a function of `memoryMb`; no bound without a memory size (a machine). */
export function catalogRebuildSnapshotLimit(memoryMb: number | undefined): number {
  if (memoryMb === undefined) return Infinity;
  return Math.max(0, Math.floor((memoryMb * 2 ** 20 * USABLE_SHARE - RUNTIME_BYTES) / REBUILD_BYTES_PER_SNAPSHOT));
}

/** Lambda's largest memory size. */
export const LAMBDA_MAX_MEMORY_MB = 10_240;

/**
 * The smallest memory size, in 1,024 MB steps up to Lambda's 10,240, whose bound holds `snapshots`; undefined when even
 * 10,240 MB does not (~2.59 million snapshots): until review rI F3 it answered 10,240 there, a size its own bound refuses.
 */
export function catalogRebuildMemoryFor(snapshots: number): number | undefined {
  for (let memoryMb = 1024; memoryMb <= LAMBDA_MAX_MEMORY_MB; memoryMb += 1024) if (catalogRebuildSnapshotLimit(memoryMb) >= snapshots) return memoryMb;
  return undefined;
}
