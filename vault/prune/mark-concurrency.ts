import { indexMemoryReserve } from '../blob-index/index-memory';
import { type PageRef } from '../manifest/manifest-format';
import { type SnapshotSource } from '../manifest/snapshot-record';
import { type ByteBudget } from '../workers/byte-budget';

/** Manifest pages a mark reads at once for one snapshot, at most. */
export const MARK_PAGES_PER_SNAPSHOT = 8;
/**
 * Snapshots whose manifests a mark walks at once, whatever the memory: only their pages are bounded by it
 * (markPageBudgetBytes). One at a time, a vault of a few thousand small snapshots cost a root, a node and a page
 * GET each in turn (20–50 ms on S3): about 5,800 snapshots filled a prune Lambda's 15 minutes with marking alone
 * (audit aT3-1); fewer at once in a small function brought that back at ~1,000 snapshots for 256 MB (review rC F2).
 */
export const MARK_SNAPSHOTS_AT_ONCE = 8;

/**
 * What a function's runtime takes before any work: Node, the bundle and the SDK clients (~95 MiB,
 * index-memory.ts; a process measuring the mark started at 83–87 MiB).
 */
export const RUNTIME_BASELINE_BYTES = 96 * 2 ** 20;

/**
 * A page's parsed cost is weighed from its reference (PageRef: its entries and the sum of their sizes), before it is
 * read: a page closes after the entry that crosses 1 MiB of UTF-8 JSON (manifest-pages.ts), and that entry, one id a chunk,
 * may be of any size (a 100 GiB file: ~100,000 ids, 6.4 MiB of JSON, 25–35 MiB parsed; review rC F1).
 * Per entry beyond its ids (path, metadata, the parsed object): a page of 2,000 entries of one id each peaked at
 * ~1.8 MiB in flight (measured 2026-12-07, 64 such pages read at once through MarkedPages), ~900 bytes an entry with
 * its id; counted 1 KiB besides the id.
 */
export const MARK_ENTRY_PEAK_BYTES = 1024;
/**
 * Per blob id: its 67 bytes of JSON in the stored and the plain page, JSON.parse's string and the 32 bytes kept.
 * Measured 270–280 bytes at 200 ids an entry (4.3 MiB a page of 16,000 ids), 260–370 at 100,000 (review rC);
 * counted 384.
 */
export const MARK_ID_PEAK_BYTES = 384;
/** Per page whatever it holds: the GET's and the decryption's buffers, the parser's state. */
export const MARK_PAGE_FIXED_BYTES = 64 * 2 ** 10;

/**
 * The least a page is weighed, whatever its reference says. Its entries' paths and metadata (xattrs, an S3 object's
 * user metadata and tags) are not in its reference, and a page closes only after 1 MiB of UTF-8 JSON: 100 entries of
 * 10 KiB of metadata peak at ~3.8 MiB parsed, which 1 KiB an entry weighed 0.26 MiB, so at 256 MB the budget let 64
 * such pages in at once (327 MiB at the peak; review rH F1). The reference holds no JSON length (`bytes` sums the
 * files' sizes), so every page is weighed at least as a full one. 4 MiB: 8 fit the 32 MiB of 256 MB, one for each
 * snapshot walked at once (MARK_SNAPSHOTS_AT_ONCE), and 64 the 416 MiB from 1,024 MB up. Pages written before
 * 2026-12-07 closed at 1 MiB of UTF-16 characters, and until review r57D F1 a path's control characters (6 bytes of
 * JSON each) counted 2 bytes: with non-ASCII paths or metadata (Latin-1 accents up to ~2×, CJK metadata up to ~3×,
 * CJK paths ~1.5×) or control-character paths (~3×) they hold more than 1 MiB of JSON and can cost up to ~3 times
 * this floor (CJK tags: 8.5 MiB in flight measured against 4 MiB weighed; review rM F1), which it does not cover:
 * their references cannot tell them apart.
 */
export const MARK_PAGE_FLOOR_BYTES = 4 * 2 ** 20;

/**
 * How many blob ids a minimum chunk of an entry's size may add in a snapshot of `source`: 2 for an S3 source, whose
 * objects larger than a shard's byte budget are split across shards (plan-backup.ts, s3-range shards), each piece a
 * stream of its own; 1 for the others, whose files (and DynamoDB pages) are each chunked as one stream.
 */
export function chunkIdFactor(source: SnapshotSource): 1 | 2 {
  return source.kind === 's3' ? 2 : 1;
}

/**
 * The most a page of `ref` costs a mark at its peak, from what its reference says, never less than
 * MARK_PAGE_FLOOR_BYTES. Its ids are at most one a stream an entry plus its size over the vault's minimum chunk
 * (`minChunkBytes`, ChunkerParams.minSize): every chunk but a stream's last is at least that long. An S3 object split
 * across shards is a stream a piece, each piece a shard's byte budget (1 GiB by default, never less than a chunk),
 * hence `factor` (chunkIdFactor: 2 for an S3 source) times the size over the minimum chunk. Real chunks average
 * twice the minimum (DEFAULT_CHUNKER_PARAMS) and an id costs 260–370 bytes (MARK_ID_PEAK_BYTES), so a page of large
 * files weighs 2–3 times what it costs, 4–6 times for an S3 source (review rH F2: 5.6 measured for 5 MiB photos
 * weighed as S3 objects); a page of small files (most of a vault's pages) is weighed by its entries or the floor.
 */
export function markPageWeight(ref: PageRef, minChunkBytes: number, factor: 1 | 2): number {
  const ids = ref.count + factor * Math.ceil(ref.bytes / Math.max(1, minChunkBytes));
  return Math.max(MARK_PAGE_FLOOR_BYTES, MARK_PAGE_FIXED_BYTES + ref.count * MARK_ENTRY_PEAK_BYTES + ids * MARK_ID_PEAK_BYTES);
}

/**
 * Reads a page (`read`) with its weight (markPageWeight) held in `budget` meanwhile, the mark's and the readability
 * walk's (unreadable-manifests.ts) one way to read a page under the budget; a page weighing more than the whole budget
 * is admitted alone (ByteBudget), counted as the whole of it. No budget (a machine): read at once.
 */
export async function readWeighedPage<T>(budget: ByteBudget | undefined, ref: PageRef, minChunkBytes: number, factor: 1 | 2, read: () => Promise<T>): Promise<T> {
  if (!budget) return read();
  const weight = Math.min(markPageWeight(ref, minChunkBytes, factor), budget.limit);
  await budget.acquire(weight);
  try {
    return await read();
  } finally {
    budget.release(weight);
  }
}

/**
 * What the pages a mark reads at once may weigh together (markPageWeight), all snapshots' walks sharing it, in a
 * process of `memoryMb`: what the process keeps beside the blobs (indexMemoryReserve) less its runtime, so the blob
 * limit (indexBlobLimit, which leaves that reserve out) already accounts for them. 416 MiB from 1,024 MB up, where
 * 8 snapshots × 8 pages of small files (4–4.2 MiB a page of 2,000 files of up to 1 MiB, to 5.7 of S3 objects) all fit, as they did before the mark was
 * bounded; 160 MiB at 512 MB, 32 MiB at 256 MB; a page weighing more than the whole budget is read alone. No bound
 * without a memory size (a machine): 8 × 8 pages. Before review rK F2 a mark read 64 pages at once whatever the
 * memory, ~320 MiB, which killed a 256 MB prune with no message; counting pages of 5 MiB each (f89482dd) still
 * missed a page of one large file (review rC F1: 291–299 MiB at 256 MB).
 */
export function markPageBudgetBytes(memoryMb: number | undefined): number | undefined {
  if (memoryMb === undefined) return undefined;
  // At least a byte: a page then weighs the whole budget and is read alone.
  return Math.max(1, indexMemoryReserve(memoryMb * 2 ** 20) - RUNTIME_BASELINE_BYTES);
}
