import { createHash } from 'node:crypto';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { decodeItem, encodeItemText, type DynamoDbItem } from './dynamodb-item-codec';
import { scanSegmentPages } from './dynamodb-table-source';
import { type EntrySink } from './entry-sink';
import { type DynamoDbResumePoint } from './shard-resume-point';
import { type ShardRun } from './shard-run';
import { BYTES_PER_READ_UNIT, type ReadCapacityBudget } from './read-capacity-budget';
import { MIN_RATE_SHARE } from './capacity-token-bucket';
import { TransientError } from '../runtime/errors';

/** A page ends after an item whose key hash has its low CUT_BITS bits zero: about 2^CUT_BITS items a page. */
const CUT_BITS = 6;
/** Pages never hold fewer items than this (unless the segment ends) … */
const MIN_PAGE_ITEMS = 8;
/** … nor more than this many items or bytes. */
const MAX_PAGE_ITEMS = 4096;
const MAX_PAGE_BYTES = 4 * 1024 * 1024;
/** DynamoDB's largest item: the item that takes a page past MAX_PAGE_BYTES can add this much. */
const MAX_ITEM_BYTES = 400 * 1024;

/**
 * The most read units one page entry can cost: MAX_PAGE_BYTES plus the item that crosses it, one
 * consistent unit per 4 KB, twice. Twice because every Scan request is rounded up to a whole unit:
 * at worst each request carries a little over 4 KB (one item of 4,097 bytes, or a budget's Limit of
 * items just past a unit) and costs two units for one unit of items; a request holding less than
 * half a unit only happens at the segment's end or while the first estimate is off. An item's
 * canonical text is never shorter than DynamoDB's measure of its size (names, values, base64 for
 * binary), so counting text bytes over-estimates, never under.
 */
export const WORST_CASE_PAGE_UNITS = 2 * Math.ceil((MAX_PAGE_BYTES + MAX_ITEM_BYTES) / BYTES_PER_READ_UNIT);

/**
 * How long a stretch may read before it *can* stop, at `unitsPerSecond` (a budgeted segment's share):
 * its first page entry, in the worst case, plus about one Scan request's reservation (a second of the
 * share), both at the bucket's slowest rate. Throttles, and responses the SDK had to retry, slow the
 * bucket down to MIN_RATE_SHARE of the share (capacity-token-bucket.ts) while each request is still
 * sized to a second of the full share, so a page read at the full share's pace is no bound at all
 * (audit aS7-1: 2,248 RCU ÷ 1.25 RCU/s was taken as the bound, and the page ran to 2,406 s). The
 * backoffs between throttles are not counted: a table that throttles without end has no bound, and a
 * stretch out of time before its first page closes gives up instead (addDynamoDbSegment).
 * After its first page a stretch stops within one Scan request (addDynamoDbSegment).
 */
export function worstCaseFirstPageMs(unitsPerSecond: number): number {
  return Math.ceil(((WORST_CASE_PAGE_UNITS + unitsPerSecond) / (unitsPerSecond * MIN_RATE_SHARE)) * 1000);
}

export type DynamoDbSegmentSpec = { table: string; segment: number; totalSegments: number; keyAttributes: readonly string[] };

/**
 * How one call reads its segment: resume point and stop check (shard-run.ts), the read budget that paces
 * its Scan pages (read-capacity-budget.ts; absent: unpaced), and the milliseconds left before the call
 * must have returned (the Lambda's remaining time; absent: no limit), by which a stretch that cannot stop
 * yet gives up (addDynamoDbSegment).
 */
export type DynamoDbSegmentOptions = ShardRun<DynamoDbResumePoint> & { readBudget?: ReadCapacityBudget; timeLeftMs?: () => number };

/** `segment-0000/page-000000`: the path of page `page` of scan segment `segment`. */
export function dynamoDbPagePath(segment: number, page: number): string {
  return `segment-${String(segment).padStart(4, '0')}/page-${String(page).padStart(6, '0')}`;
}

/** Whether a page may end after this item: decided by the item's key alone (content-defined pages). */
export function isPageBoundary(item: DynamoDbItem, keyAttributes: readonly string[]): boolean {
  const digest = createHash('sha256').update(encodeItemText(itemKey(item, keyAttributes))).digest();
  return ((digest[0] ?? 1) & ((1 << CUT_BITS) - 1)) === 0;
}

/**
 * The key attributes of an item: the Scan's ExclusiveStartKey when a stopped stretch resumes after it.
 * Built with Object.fromEntries so that a key attribute named `__proto__` is an own property (an
 * assignment would set the prototype and leave the key empty).
 */
function itemKey(item: DynamoDbItem, keyAttributes: readonly string[]): DynamoDbItem {
  return Object.fromEntries(keyAttributes.filter((name) => Object.hasOwn(item, name) && item[name] !== undefined).map((name) => [name, item[name] as DynamoDbItem[string]]));
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
 * Resumable (shard-run.ts): the stop check is asked once a page entry has closed in this stretch —
 * after each page closes, before each further Scan request, and every second a budgeted scan waits for
 * its budget (scanPagesWithinBudget's empty pages: one response's debt can be minutes of waiting) —
 * and a stop returns `resumeAt`, the key of the last closed page's last item (ExclusiveStartKey) with
 * the next page number. Items read since that page (the open page) are dropped: none of them has
 * reached the sink (a page is added whole when it closes), and the next stretch reads them again and
 * closes the page at the same content-defined boundary, so the pages of a resumed segment are those of
 * an uninterrupted one. That costs at most one page of extra reads (WORST_CASE_PAGE_UNITS) per stop,
 * and bounds the time from "stop" to return by one Scan request (and a second of waiting) instead of one page, which under a
 * small read budget can take minutes. A stretch that has closed no page yet reads on to its first
 * page close (else it could never progress): worstCaseFirstPageMs bounds that, and the shard batch
 * starts a budgeted stretch only with that much time left (snapshot-shard-batch.ts). Throttling can
 * outlast any bound, so a stretch asked to stop before its first page closed reads on for half the
 * time it had left when first asked (half the shard's stop margin, at least 30 s kept), then throws a
 * TransientError (firstPageOutOfTime) with that half left for the Scan request in flight, one
 * throttle's backoff (at most 20 s) and a slice of waiting: the workflow retries the call, which reads
 * the open page again, and reports the throttling when its retries run out. A stopped stretch
 * returns at once and hands its read budget's debt to the next stretch (`budgetDebtUnits` in the
 * resume point), whose budget starts that far in debt: the scan consumes at most its share × its time.
 */
export async function addDynamoDbSegment(ddb: DynamoDBClient, spec: DynamoDbSegmentSpec, sink: EntrySink, options: DynamoDbSegmentOptions = {}): Promise<{ items: number; resumeAt?: DynamoDbResumePoint }> {
  let lines: string[] = [];
  let bytes = 0;
  let page = options.resume?.nextPage ?? 0;
  /** Items of the pages added to the sink (an abandoned open page is not counted). */
  let stored = 0;
  // A stretch can only resume after an item's key: a plan without key attributes reads to the end.
  const shouldStop = spec.keyAttributes.length > 0 ? options.shouldStop : undefined;
  /** Where the next stretch resumes if this one stops now: after the last page it closed (none yet: it cannot stop). */
  let lastClosed: DynamoDbResumePoint | undefined;
  /** The time left when the stop check first said stop with no page closed: the stretch gives up at half of it. */
  let leftWhenAsked: number | undefined;
  const outOfTime = (): boolean => {
    if (!shouldStop || !options.timeLeftMs || !shouldStop()) return false;
    const left = options.timeLeftMs();
    leftWhenAsked ??= left;
    return left < leftWhenAsked / 2;
  };
  // Returns at once: waiting out the budget's debt here could take minutes (one response of large items can cost
  // hundreds of units over its estimate), past the stop margin. The debt goes with the cursor instead, and the next
  // stretch's budget starts that far in debt, so the scan as a whole stays within its share.
  const stopped = (resumeAt: DynamoDbResumePoint): { items: number; resumeAt: DynamoDbResumePoint } => {
    const owed = options.readBudget?.bucket.debtUnits() ?? 0;
    return { items: stored, resumeAt: owed > 0 ? { ...resumeAt, budgetDebtUnits: owed } : resumeAt };
  };
  const flush = async (): Promise<void> => {
    if (lines.length === 0) return;
    const body = Buffer.from(lines.join(''), 'utf8');
    const items = lines.length;
    lines = [];
    bytes = 0;
    await sink.add({ path: dynamoDbPagePath(spec.segment, page++), kind: 'page', meta: { items }, content: body });
    stored += items;
  };
  const startKey = options.resume ? decodeItem(options.resume.startKey) : undefined;
  for await (const { items, more } of scanSegmentPages(ddb, spec.table, spec.segment, spec.totalSegments, startKey, options.readBudget)) {
    for (const item of items) {
      const line = `${encodeItemText(item)}\n`;
      lines.push(line);
      bytes += Buffer.byteLength(line);
      const boundary = lines.length >= MIN_PAGE_ITEMS && isPageBoundary(item, spec.keyAttributes);
      if (boundary || lines.length >= MAX_PAGE_ITEMS || bytes >= MAX_PAGE_BYTES) {
        await flush();
        if (shouldStop) {
          lastClosed = { kind: 'dynamodb', startKey: encodeItemText(itemKey(item, spec.keyAttributes)), nextPage: page };
          if (shouldStop()) return stopped(lastClosed);
        }
      }
    }
    // Out of time with no page closed: it cannot stop, and reading on would run past the Lambda's timeout (Sandbox.Timedout,
    // not retried). Also while the segment's last page waits out its debt: the retry has a whole Lambda's time for it.
    if (!lastClosed && outOfTime()) {
      throw firstPageOutOfTime(spec, options.readBudget);
    }
    // The next Scan request may wait for the budget (an empty page: it is waiting): once a page has closed, stop and leave the open page to the next stretch.
    if (more && lastClosed && shouldStop?.()) return stopped(lastClosed);
  }
  await flush();
  return { items: stored };
}

/**
 * Why a stretch gave up before its first page closed, and what to do: with a budget, what the bucket
 * saw (throttles, the SDK's retries, the rate they slowed it to), since a page that does not close in
 * a whole Lambda's time means the table is throttling the scan or the share is too small for its items.
 */
function firstPageOutOfTime(spec: DynamoDbSegmentSpec, budget: ReadCapacityBudget | undefined): TransientError {
  const scan = `The scan of table ${spec.table} (segment ${spec.segment} of ${spec.totalSegments})`;
  const retried = 'Nothing stored is lost: the step is retried and reads the same page again.';
  if (!budget) return new TransientError(`${scan} closed no page before the Lambda's deadline (DynamoDB answering slowly or throttling). ${retried} If it keeps failing, raise the table's read capacity or back it up when it is less busy.`);
  const { unitsPerSecond, stats } = budget.bucket;
  const rate = (units: number): string => `${Number(units.toPrecision(3))} RCU/s`;
  return new TransientError(
    `${scan} closed no page before the Lambda's deadline: it consumed ${Math.round(stats.consumedUnits)} read units at a share of ${rate(unitsPerSecond)}, ` +
      `DynamoDB refused ${stats.throttles} of its requests as throttled and the SDK retried ${stats.sdkRetries} times (throttles it hid), which slowed it to ${rate(budget.bucket.currentUnitsPerSecond)} ` +
      `(it waited ${Math.round(stats.waitedMs / 1000)} s for its budget and backoffs). ${retried} If it keeps failing, raise the source's read budget (its share per segment) ` +
      `or the table's read capacity, or back it up when the table is less busy.`,
  );
}
