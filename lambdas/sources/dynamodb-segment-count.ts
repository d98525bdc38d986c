import { BYTES_PER_READ_UNIT } from './read-capacity-budget';

/** DynamoDB accepts up to 1,000,000 scan segments; a backup plans at most this many (one shard, one Lambda run or more, each). */
export const MAX_DYNAMODB_SEGMENTS = 1000;

/**
 * The scan time a segment is planned for: a third of Lambda's 15-minute limit, leaving room for a
 * slower container, throttling backoffs and the last pack's upload.
 */
export const SEGMENT_SECONDS = 300;

/**
 * Bytes of table per segment when nothing else bounds it. Measured (bench/dynamodb-segment-rate.ts):
 * one segment through addDynamoDbSegment into a SnapshotWriter (canonical item text, content-defined
 * pages, chunking, compression, encryption) ran at 4.9-5.6 MB/s and 7,600-8,700 items/s on the 2-core
 * development machine under load (items of 650 bytes; docs/ARCHITECTURE.md, "DynamoDB at scale").
 * DynamoDB serves a segment's 1 MB Scan pages faster than that, so the pipeline is the bound: 1 GiB
 * takes about 190-220 s, well inside SEGMENT_SECONDS.
 */
export const DEFAULT_TARGET_BYTES_PER_SEGMENT = 1024 ** 3;

/** Items per segment at most: small items cost per item (encoding, a key hash) more than per byte; 2 M items take about 230-260 s at the measured rate. */
export const MAX_ITEMS_PER_SEGMENT = 2_000_000;

/**
 * The number of parallel-scan segments of a table, in proportion to its size (DescribeTable's
 * TableSizeBytes and ItemCount, which AWS refreshes about every six hours: a new table says 0 and gets
 * one segment), from 1 to `max` (default 1,000). Not bounded by the plan's concurrency: the Map's
 * MaxConcurrency bounds how many run at once, and small segments keep each within a Lambda run.
 */
export function dynamoDbSegmentCount(table: { sizeBytes: number; itemCount: number }, options?: { targetBytesPerSegment?: number; max?: number }): number {
  const target = options?.targetBytesPerSegment ?? DEFAULT_TARGET_BYTES_PER_SEGMENT;
  if (!(target > 0)) throw new RangeError(`targetBytesPerSegment must be above 0, not ${target}.`);
  const max = Math.max(1, Math.min(MAX_DYNAMODB_SEGMENTS, Math.floor(options?.max ?? MAX_DYNAMODB_SEGMENTS)));
  const byBytes = Math.ceil(Math.max(0, table.sizeBytes || 0) / target);
  const byItems = Math.ceil(Math.max(0, table.itemCount || 0) / MAX_ITEMS_PER_SEGMENT);
  return Math.max(1, Math.min(max, Math.max(byBytes, byItems)));
}

/**
 * The bytes per segment under a read budget: a segment scanned at its share of the budget (the budget
 * over the segments that run at once, at most `maxConcurrency`) should still end in SEGMENT_SECONDS.
 * With a small budget that, not the pipeline, is the bound. A consistent read unit reads 4 KB.
 */
export function budgetedTargetBytesPerSegment(readUnitsPerSecond: number, maxConcurrency: number, consistentRead = true): number {
  const bytesPerUnit = BYTES_PER_READ_UNIT * (consistentRead ? 1 : 2);
  const perSlot = readUnitsPerSecond / Math.max(1, maxConcurrency);
  return Math.min(DEFAULT_TARGET_BYTES_PER_SEGMENT, Math.max(1, Math.floor(perSlot * bytesPerUnit * SEGMENT_SECONDS)));
}
