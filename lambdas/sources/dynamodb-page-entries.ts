import { createHash } from 'node:crypto';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { encodeItemText, type DynamoDbItem } from './dynamodb-item-codec';
import { scanSegment } from './dynamodb-table-source';
import { type EntrySink } from './entry-sink';
import { type ReadCapacityBudget } from './read-capacity-budget';

/** A page ends after an item whose key hash has its low CUT_BITS bits zero: about 2^CUT_BITS items a page. */
const CUT_BITS = 6;
/** Pages never hold fewer items than this (unless the segment ends) … */
const MIN_PAGE_ITEMS = 8;
/** … nor more than this many items or bytes. */
const MAX_PAGE_ITEMS = 4096;
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

export type DynamoDbSegmentSpec = { table: string; segment: number; totalSegments: number; keyAttributes: readonly string[] };

export type DynamoDbSegmentOptions = {
  /** Paces the segment's Scan pages to a read-capacity budget (read-capacity-budget.ts); absent: unpaced. */
  readBudget?: ReadCapacityBudget;
};

/** `segment-0000/page-000000`: the path of page `page` of scan segment `segment`. */
export function dynamoDbPagePath(segment: number, page: number): string {
  return `segment-${String(segment).padStart(4, '0')}/page-${String(page).padStart(6, '0')}`;
}

/** Whether a page may end after this item: decided by the item's key alone (content-defined pages). */
export function isPageBoundary(item: DynamoDbItem, keyAttributes: readonly string[]): boolean {
  const key: DynamoDbItem = {};
  for (const name of keyAttributes) {
    const value = item[name];
    if (value !== undefined) key[name] = value;
  }
  const digest = createHash('sha256').update(encodeItemText(key)).digest();
  return ((digest[0] ?? 1) & ((1 << CUT_BITS) - 1)) === 0;
}

/**
 * Writes one parallel-scan segment as `page` entries: UTF-8 lines, one canonical item per line
 * (encodeItemLines), meta `{ items }`. Page boundaries are content-defined — a page ends after an
 * item whose *key* hashes to a boundary — so an inserted or deleted item changes one page, not every
 * page after it, and unchanged pages dedup against earlier backups (DynamoDB has no change token:
 * incremental backups of tables rely on this content dedup).
 *
 * A Scan is not a point-in-time view: items written during the backup may or may not be in it
 * (each item is read consistently, the table as a whole is fuzzy).
 */
export async function addDynamoDbSegment(ddb: DynamoDBClient, spec: DynamoDbSegmentSpec, sink: EntrySink, options: DynamoDbSegmentOptions = {}): Promise<{ items: number }> {
  let lines: string[] = [];
  let bytes = 0;
  let page = 0;
  let total = 0;
  const flush = async (): Promise<void> => {
    if (lines.length === 0) return;
    const body = Buffer.from(lines.join(''), 'utf8');
    const items = lines.length;
    lines = [];
    bytes = 0;
    await sink.add({ path: dynamoDbPagePath(spec.segment, page++), kind: 'page', meta: { items }, content: body });
  };
  for await (const items of scanSegment(ddb, spec.table, spec.segment, spec.totalSegments, options.readBudget)) {
    for (const item of items) {
      const line = `${encodeItemText(item)}\n`;
      lines.push(line);
      bytes += Buffer.byteLength(line);
      total++;
      const boundary = lines.length >= MIN_PAGE_ITEMS && isPageBoundary(item, spec.keyAttributes);
      if (boundary || lines.length >= MAX_PAGE_ITEMS || bytes >= MAX_PAGE_BYTES) await flush();
    }
  }
  await flush();
  return { items: total };
}
