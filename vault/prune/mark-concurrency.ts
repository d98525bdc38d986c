import { indexMemoryReserve } from '../blob-index/index-memory';

/** Manifest pages a mark reads at once for one snapshot, at most. */
export const MARK_PAGES_PER_SNAPSHOT = 8;
/**
 * Snapshots whose manifests a mark walks at once, at most. One at a time, a vault of a few thousand small
 * snapshots cost a root, a node and a page GET each in turn (20–50 ms on S3): about 5,800 snapshots filled a
 * prune Lambda's 15 minutes with marking alone (audit aT3-1).
 */
export const MARK_SNAPSHOTS_AT_ONCE = 8;

/**
 * What one manifest page in flight costs a mark at its peak: its stored bytes, the plaintext, JSON.parse's
 * strings and objects and the 32-byte ids kept. A page closes at PAGE_MAX_JSON_BYTES (1 MiB of JSON, plus the
 * entry that crossed it; manifest-pages.ts), so its ids take at most ~16,000 × 67 bytes of JSON. Measured on
 * 2026-12-07 (VmHWM of a process reading 128 such pages through MarkedPages, 200 ids an entry, Node heap capped
 * at 200 MiB): 119 MiB above the start at 8 in flight, 361 MiB at 64, so 4.3 MiB a page beyond the first few;
 * counted 5 MiB. A page of one id an entry (2,000 entries) costs less (118 MiB at 64).
 */
export const MARK_PAGE_PEAK_BYTES = 5 * 2 ** 20;

/**
 * What a function's runtime takes before any work: Node, the bundle and the SDK clients (~95 MiB,
 * index-memory.ts; the measuring process above started at 83–87 MiB).
 */
export const RUNTIME_BASELINE_BYTES = 96 * 2 ** 20;

/** How many snapshots a mark walks at once and how many pages each reads at once. */
export type MarkConcurrency = { readonly snapshots: number; readonly pagesPerSnapshot: number };

/**
 * The concurrency of a mark in a process of `memoryMb`: the pages in flight (snapshots × pages a snapshot) times
 * MARK_PAGE_PEAK_BYTES fit in what the process keeps beside the blobs (indexMemoryReserve) less its runtime, so the
 * blob limit (indexBlobLimit, which leaves that reserve out) already accounts for them. Before review rK F2 a mark
 * read 64 pages at once whatever the memory: ~320 MiB, which killed a 256 MB prune with no message (413 MiB at the
 * peak for 200,000 blobs) long before its blob limit tripped. From 1,024 MB up (and with no memory size, a machine)
 * the full 8 × 8, so the larger functions' prune speed is unchanged; 32 pages at 512 MB, 6 at 256, 1 below ~200.
 */
export function markConcurrency(memoryMb: number | undefined): MarkConcurrency {
  const most = MARK_SNAPSHOTS_AT_ONCE * MARK_PAGES_PER_SNAPSHOT;
  const pages = memoryMb === undefined ? most : Math.min(most, Math.max(1, Math.floor((indexMemoryReserve(memoryMb * 2 ** 20) - RUNTIME_BASELINE_BYTES) / MARK_PAGE_PEAK_BYTES)));
  const pagesPerSnapshot = Math.min(MARK_PAGES_PER_SNAPSHOT, pages);
  return { snapshots: Math.min(MARK_SNAPSHOTS_AT_ONCE, Math.floor(pages / pagesPerSnapshot)), pagesPerSnapshot };
}
