import { createHash } from 'node:crypto';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { decodeItem, encodeItemText, type DynamoDbItem } from './dynamodb-item-codec';
import { scanSegment } from './dynamodb-table-source';
import { type EntrySink } from './entry-sink';
import { type DynamoDbResumePoint } from './shard-resume-point';
import { type ShardRun } from './shard-run';
import { type ReadCapacityBudget } from './read-capacity-budget';

/** A page ends after an item whose key hash has its low CUT_BITS bits zero: about 2^CUT_BITS items a page. */
const CUT_BITS = 6;
/** Pages never hold fewer items than this (unless the segment ends) … */
const MIN_PAGE_ITEMS = 8;
/** … nor more than this many items or bytes. */
const MAX_PAGE_ITEMS = 4096;
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

export type DynamoDbSegmentSpec = { table: string; segment: number; totalSegments: number; keyAttributes: readonly string[] };

/** How one call reads its segment: resume point and stop check (shard-run.ts), and the read budget that paces its Scan pages (read-capacity-budget.ts; absent: unpaced). */
export type DynamoDbSegmentOptions = ShardRun<DynamoDbResumePoint> & { readBudget?: ReadCapacityBudget };

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

/** The key attributes of an item: the Scan's ExclusiveStartKey when a stopped stretch resumes after it. */
function itemKey(item: DynamoDbItem, keyAttributes: readonly string[]): DynamoDbItem {
  return Object.fromEntries(keyAttributes.filter((name) => item[name] !== undefined).map((name) => [name, item[name] as DynamoDbItem[string]]));
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
 *
 * Resumable (shard-run.ts): asked to stop, it stops only where a page entry has just closed, and
 * returns `resumeAt` — the scan continues after that page's last item (ExclusiveStartKey) with the
 * next page number, so the pages of a resumed segment are those of an uninterrupted one.
 */
export async function addDynamoDbSegment(ddb: DynamoDBClient, spec: DynamoDbSegmentSpec, sink: EntrySink, options: DynamoDbSegmentOptions = {}): Promise<{ items: number; resumeAt?: DynamoDbResumePoint }> {
  let lines: string[] = [];
  let bytes = 0;
  let page = options.resume?.nextPage ?? 0;
  let total = 0;
  const flush = async (): Promise<void> => {
    if (lines.length === 0) return;
    const body = Buffer.from(lines.join(''), 'utf8');
    const items = lines.length;
    lines = [];
    bytes = 0;
    await sink.add({ path: dynamoDbPagePath(spec.segment, page++), kind: 'page', meta: { items }, content: body });
  };
  const startKey = options.resume ? decodeItem(options.resume.startKey) : undefined;
  for await (const items of scanSegment(ddb, spec.table, spec.segment, spec.totalSegments, startKey, options.readBudget)) {
    for (const item of items) {
      const line = `${encodeItemText(item)}\n`;
      lines.push(line);
      bytes += Buffer.byteLength(line);
      total++;
      const boundary = lines.length >= MIN_PAGE_ITEMS && isPageBoundary(item, spec.keyAttributes);
      if (boundary || lines.length >= MAX_PAGE_ITEMS || bytes >= MAX_PAGE_BYTES) {
        await flush();
        // A stretch can only resume after an item's key: a plan without key attributes reads to the end.
        if (spec.keyAttributes.length > 0 && options.shouldStop?.()) return { items: total, resumeAt: { kind: 'dynamodb', startKey: encodeItemText(itemKey(item, spec.keyAttributes)), nextPage: page } };
      }
    }
  }
  await flush();
  return { items: total };
}
