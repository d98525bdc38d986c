import { DynamoDBClient, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { addDynamoDbSegment, WORST_CASE_PAGE_UNITS, worstCaseFirstPageMs } from '../../../../lambdas/sources/dynamodb-page-entries';
import { BUDGET_WAIT_SLICE_MS } from '../../../../lambdas/sources/scan-within-budget';
import { encodeItemText, type DynamoDbItem } from '../../../../lambdas/sources/dynamodb-item-codec';
import { ReadCapacityBudget } from '../../../../lambdas/sources/read-capacity-budget';
import { type DynamoDbResumePoint } from '../../../../lambdas/sources/shard-resume-point';
import { DEFAULT_STOP_MARGIN_MS } from '../../../../lambdas/backup/snapshot-shard';
import { type NewEntry } from '../../../../vault';
import { FakeBucketClock } from '../../../support/fake-bucket-clock';

/**
 * How long a budgeted DynamoDB stretch runs after it is told to stop (audit R5, finding 2). Items of
 * 16 KB at 5 RCU/s, the per-segment share of the read-budget test: a page entry averages 64 items,
 * about 50 s of budget, and may take minutes; a Scan request is about a second of it. The fake clock
 * moves only when the budget waits, so the times are what the Lambda would spend waiting, exactly.
 */
const ITEM_BYTES = 16 * 1024;
const SHARE = 5;
const ITEMS = 1500;

const items: DynamoDbItem[] = Array.from({ length: ITEMS }, (_, i) => ({ pk: { S: `order#${String(i).padStart(6, '0')}` }, body: { S: `${i}`.padEnd(ITEM_BYTES - 40, 'x') } }));

/** A Scan that honours Limit and ExclusiveStartKey and reports the consumed units by DynamoDB's rule (a consistent unit per started 4 KB of the page). */
function scriptedTable(): { ddb: DynamoDBClient; scans: number[] } {
  const ddb = new DynamoDBClient({ region: 'us-east-1' });
  const scans: number[] = [];
  const send = async (command: { input: ScanCommandInput }): Promise<unknown> => {
    const { ExclusiveStartKey, Limit } = command.input;
    const from = ExclusiveStartKey ? items.findIndex((it) => it['pk']?.S === ExclusiveStartKey['pk']?.S) + 1 : 0;
    const page = items.slice(from, from + (Limit ?? 100));
    scans.push(page.length);
    const bytes = page.reduce((n, it) => n + Buffer.byteLength(encodeItemText(it)), 0);
    const last = page[page.length - 1];
    const more = from + page.length < items.length;
    return { Items: page, ScannedCount: page.length, ConsumedCapacity: { CapacityUnits: Math.ceil(bytes / 4096) }, ...(more && last ? { LastEvaluatedKey: { pk: last['pk'] } } : {}), $metadata: { attempts: 1 } };
  };
  ddb.send = send as unknown as DynamoDBClient['send'];
  return { ddb, scans };
}

type Page = { path: string; content: Buffer };
const segment = { table: 't', segment: 0, totalSegments: 1, keyAttributes: ['pk'] };

/** A sink that keeps the pages and the clock time each was added at. */
function recordingSink(clock: FakeBucketClock, pages: Page[], addedAt: number[]): { add(entry: NewEntry): Promise<void>; canReuse(): Promise<null> } {
  return {
    add: async (entry) => {
      pages.push({ path: entry.path, content: Buffer.from(entry.content as Buffer) });
      addedAt.push(clock.now());
    },
    canReuse: async () => null,
  };
}

async function uninterrupted(): Promise<Page[]> {
  const pages: Page[] = [];
  const clock = new FakeBucketClock();
  const budget = new ReadCapacityBudget({ unitsPerSecond: SHARE, averageItemBytes: ITEM_BYTES, consistentRead: true, clock });
  await addDynamoDbSegment(scriptedTable().ddb, segment, recordingSink(clock, pages, []), { readBudget: budget });
  return pages;
}

it('returns within one Scan request of "stop now" once a page has closed, and the stretches still store the uninterrupted pages', async () => {
  const reference = await uninterrupted();
  expect(reference.length).toBeGreaterThan(15);

  const pages: Page[] = [];
  const latencies: number[] = [];
  const firstPageStops: number[] = [];
  let resume: DynamoDbResumePoint | undefined;
  for (let stretch = 0; ; stretch++) {
    expect(stretch).toBeLessThan(200);
    const clock = new FakeBucketClock();
    const budget = new ReadCapacityBudget({ unitsPerSecond: SHARE, averageItemBytes: ITEM_BYTES, consistentRead: true, clock, initialDebtUnits: resume?.budgetDebtUnits });
    // The deadline reaches the margin at a time that varies from stretch to stretch (5-130 s in).
    const stopAt = 5_000 + ((stretch * 37_003) % 125_000);
    const addedAt: number[] = [];
    const result = await addDynamoDbSegment(scriptedTable().ddb, segment, recordingSink(clock, pages, addedAt), {
      ...(resume ? { resume } : {}),
      readBudget: budget,
      shouldStop: () => clock.now() >= stopAt,
    });
    if (!result.resumeAt) break;
    resume = result.resumeAt;
    const closedBeforeStop = addedAt.some((t) => t <= stopAt);
    if (closedBeforeStop) latencies.push(clock.now() - stopAt);
    else firstPageStops.push(clock.now());
  }
  // Both cases happened: stops after a closed page, and stretches that had to read on to their first page.
  expect(latencies.length).toBeGreaterThan(5);
  expect(firstPageStops.length).toBeGreaterThan(0);
  // One Scan request is about a second of the budget (one item of 4-5 units here) plus its debt.
  expect(Math.max(...latencies)).toBeLessThanOrEqual(2_000);
  expect(Math.max(...latencies)).toBeLessThan(DEFAULT_STOP_MARGIN_MS);
  // Before its first page closes a stretch cannot stop; worstCaseFirstPageMs bounds how long that takes.
  expect(Math.max(...firstPageStops)).toBeLessThanOrEqual(worstCaseFirstPageMs(SHARE));

  // Abandoned open pages are read again and closed at the same content-defined boundary.
  expect(pages.map((p) => p.path)).toEqual(reference.map((p) => p.path));
  expect(pages).toEqual(reference);
});

it('abandons the open page when it stops between Scan requests: none of it reaches the sink, the items count only stored pages, the cursor is the last closed page', async () => {
  const pages: Page[] = [];
  const clock = new FakeBucketClock();
  // A larger share, so a Scan request carries about 50 items and a page closes inside one.
  const budget = new ReadCapacityBudget({ unitsPerSecond: 200, averageItemBytes: ITEM_BYTES, consistentRead: true, clock });
  const table = scriptedTable();
  // "Go on" when the first page closes, "stop" from then on: the next check is before a Scan request, with a page open.
  let asked = 0;
  const result = await addDynamoDbSegment(table.ddb, segment, recordingSink(clock, pages, []), { readBudget: budget, shouldStop: () => asked++ > 0 });
  expect(pages).toHaveLength(1);
  const stored = pages[0]!.content.toString('utf8').split('\n').filter(Boolean);
  const read = table.scans.reduce((a, b) => a + b, 0);
  expect(read).toBeGreaterThan(stored.length);
  expect(result.items).toBe(stored.length);
  expect(result.resumeAt).toMatchObject({ kind: 'dynamodb', startKey: encodeItemText({ pk: items[stored.length - 1]!['pk']! }), nextPage: 1 });
});

it('hands its read budget\'s debt to the next stretch instead of waiting it out: a response of large items stops at once, and the next stretch pays it first', async () => {
  // Small items on average (the estimate), then a run of 350 KB items: one response costs hundreds of units over it.
  const mixed: DynamoDbItem[] = Array.from({ length: 400 }, (_, i) => ({ pk: { S: `k#${String(i).padStart(5, '0')}` }, body: { S: 'x'.repeat(i >= 100 && i < 104 ? 350 * 1024 : 200) } }));
  const ddb = new DynamoDBClient({ region: 'us-east-1' });
  let consumed = 0;
  let clock = new FakeBucketClock();
  const scannedAt: number[] = [];
  ddb.send = (async (command: { input: ScanCommandInput }) => {
    scannedAt.push(clock.now());
    const { ExclusiveStartKey, Limit } = command.input;
    const from = ExclusiveStartKey ? mixed.findIndex((it) => it['pk']?.S === ExclusiveStartKey['pk']?.S) + 1 : 0;
    const page = mixed.slice(from, from + (Limit ?? 100));
    const units = Math.ceil(page.reduce((n, it) => n + Buffer.byteLength(encodeItemText(it)), 0) / 4096);
    consumed += units;
    const last = page[page.length - 1];
    return { Items: page, ScannedCount: page.length, ConsumedCapacity: { CapacityUnits: units }, ...(from + page.length < mixed.length && last ? { LastEvaluatedKey: { pk: last['pk'] } } : {}), $metadata: { attempts: 1 } };
  }) as unknown as DynamoDBClient['send'];
  const share = 3;
  const sink = { add: async () => undefined, canReuse: async () => null };
  const first = clock;
  // Stop from the first closed page on: the check before the next Scan request comes right after the costly response.
  let closed = false;
  const result = await addDynamoDbSegment(ddb, segment, { ...sink, add: async () => void (closed = true) }, {
    readBudget: new ReadCapacityBudget({ unitsPerSecond: share, averageItemBytes: 250, consistentRead: true, clock: first }),
    shouldStop: () => closed && consumed > 300,
  });
  const owed = result.resumeAt?.budgetDebtUnits ?? 0;
  expect(owed).toBeGreaterThan(200);
  // It returned without waiting the debt out (that alone would be owed ÷ share, over a minute at 3 RCU/s).
  const firstMs = first.now();
  expect(consumed).toBeGreaterThan(share * (firstMs / 1000) + 200);

  // The next stretch starts that far in debt: over both, the scan stays within its share (plus one second of burst).
  const second = (clock = new FakeBucketClock());
  const before = consumed;
  scannedAt.length = 0;
  await addDynamoDbSegment(ddb, segment, sink, {
    ...(result.resumeAt ? { resume: result.resumeAt } : {}),
    readBudget: new ReadCapacityBudget({ unitsPerSecond: share, averageItemBytes: 250, consistentRead: true, clock: second, initialDebtUnits: owed }),
  });
  expect(scannedAt[0]).toBeGreaterThanOrEqual((owed / share) * 1000 - 1000);
  expect(consumed).toBeLessThanOrEqual(share * ((firstMs + second.now()) / 1000) + share + 1);
  expect(consumed - before).toBeGreaterThan(0);
});

it('stops between throttles too: a run of throttled Scan requests after a closed page returns within one backoff of "stop now"', async () => {
  const clock = new FakeBucketClock();
  const table = scriptedTable();
  const scripted = table.ddb.send.bind(table.ddb) as (command: { input: ScanCommandInput }) => Promise<unknown>;
  let requests = 0;
  let throttles = 0;
  // The table serves two requests, then throttles every one (its application took the capacity).
  table.ddb.send = (async (command: { input: ScanCommandInput }) => {
    if (++requests > 2) {
      throttles++;
      throw Object.assign(new Error('Throughput exceeds the current capacity of your table'), { name: 'ProvisionedThroughputExceededException' });
    }
    return scripted(command);
  }) as unknown as DynamoDBClient['send'];
  const pages: Page[] = [];
  const addedAt: number[] = [];
  // A larger share, so a page closes within the two requests served.
  const budget = new ReadCapacityBudget({ unitsPerSecond: 200, averageItemBytes: ITEM_BYTES, consistentRead: true, clock, random: () => 0.99 });
  let stopAt: number | undefined;
  const result = await addDynamoDbSegment(table.ddb, segment, recordingSink(clock, pages, addedAt), {
    readBudget: budget,
    shouldStop: () => {
      // "Stop now" comes during the throttles: after the first page closed and two backoffs went by.
      if (stopAt === undefined && throttles >= 2) stopAt = clock.now();
      return stopAt !== undefined;
    },
  });
  expect(pages.length).toBeGreaterThan(0);
  expect(result.resumeAt).toMatchObject({ kind: 'dynamodb', nextPage: pages.length });
  expect(stopAt).toBeDefined();
  // At most one more backoff (capped at 20 s) after "stop now", not the 30 throttles a stretch tolerates.
  expect(clock.now() - (stopAt ?? 0)).toBeLessThanOrEqual(20_000);
  expect(throttles).toBeLessThan(6);
});

it.each([
  ['in the middle of the segment', 200],
  ['at the end of the segment', 396],
])('stops within a second of "stop now" while it waits out the debt of a costly response %s, instead of after the whole debt (audit b4-1)', async (_where, bigFrom) => {
  // Items of about 1 KB (the table's average), and four of 340 KB: a response that holds two or three of them costs 170-255 units, a minute or more of a 3 RCU/s share.
  const table: DynamoDbItem[] = Array.from({ length: 400 }, (_, i) => ({ pk: { S: `k#${String(i).padStart(5, '0')}` }, body: { S: 'x'.repeat(i >= bigFrom && i < bigFrom + 4 ? 340 * 1024 : 900) } }));
  const size = (it: DynamoDbItem): number => Buffer.byteLength(encodeItemText(it));
  const clock = new FakeBucketClock();
  let costlyAt: number | undefined;
  const ddb = new DynamoDBClient({ region: 'us-east-1' });
  ddb.send = (async (command: { input: ScanCommandInput }) => {
    const { ExclusiveStartKey, Limit } = command.input;
    const from = ExclusiveStartKey ? table.findIndex((it) => it['pk']?.S === ExclusiveStartKey['pk']?.S) + 1 : 0;
    // DynamoDB ends a Scan response at 1 MB of items, whatever its Limit.
    const page: DynamoDbItem[] = [];
    let bytes = 0;
    for (let i = from; i < table.length && page.length < (Limit ?? 100) && (page.length === 0 || bytes + size(table[i]!) <= 1024 * 1024); i++) {
      page.push(table[i]!);
      bytes += size(table[i]!);
    }
    const units = Math.ceil(bytes / 4096);
    if (units > 100 && costlyAt === undefined) costlyAt = clock.now();
    const last = page[page.length - 1];
    return { Items: page, ScannedCount: page.length, ConsumedCapacity: { CapacityUnits: units }, ...(from + page.length < table.length && last ? { LastEvaluatedKey: { pk: last['pk'] } } : {}), $metadata: { attempts: 1 } };
  }) as unknown as DynamoDBClient['send'];
  const sink = { add: async () => undefined, canReuse: async () => null };
  // The stop margin is reached half a second after the costly response: the check right after it said "not yet".
  const stopAt = (): number | undefined => (costlyAt === undefined ? undefined : costlyAt + 500);
  const result = await addDynamoDbSegment(ddb, segment, sink, {
    readBudget: new ReadCapacityBudget({ unitsPerSecond: 3, averageItemBytes: 1024, consistentRead: true, clock }),
    shouldStop: () => clock.now() >= (stopAt() ?? Number.POSITIVE_INFINITY),
  });
  expect(costlyAt).toBeDefined();
  // Before: it waited out the debt first, a minute or more past "stop now" (with a throttle's halved rate, past the Lambda's timeout).
  expect(clock.now() - (stopAt() ?? 0)).toBeLessThanOrEqual(BUDGET_WAIT_SLICE_MS);
  expect(result.resumeAt?.budgetDebtUnits).toBeGreaterThan(100);

  // The next stretch pays the debt and reads on to the segment's end.
  const next = await addDynamoDbSegment(ddb, segment, sink, {
    ...(result.resumeAt ? { resume: result.resumeAt } : {}),
    readBudget: new ReadCapacityBudget({ unitsPerSecond: 3, averageItemBytes: 1024, consistentRead: true, clock, initialDebtUnits: result.resumeAt?.budgetDebtUnits }),
  });
  expect(next.resumeAt).toBeUndefined();
  expect(result.items + next.items).toBe(table.length);
});

it('gives up with a TransientError naming the throttling before the Lambda\'s deadline when SDK-retried responses slow its first page past it (audit aS7-1)', async () => {
  const MARGIN_MS = 90_000;
  // A shard started after another in its call with the time the batch gate used to require: the margin and the first page at the full share (541 s).
  const LAMBDA_MS = MARGIN_MS + Math.ceil(((WORST_CASE_PAGE_UNITS + SHARE) / SHARE) * 1000);
  const clock = new FakeBucketClock();
  const table = scriptedTable();
  const scripted = table.ddb.send.bind(table.ddb) as (command: { input: ScanCommandInput }) => Promise<{ $metadata: { attempts: number } }>;
  // Every response came after one retry of the SDK's own (a throttle it hid): the bucket drops to its floor, a sixteenth of the share.
  table.ddb.send = (async (command: { input: ScanCommandInput }) => ({ ...(await scripted(command)), $metadata: { attempts: 2 } })) as unknown as DynamoDBClient['send'];
  const pages: Page[] = [];
  const budget = new ReadCapacityBudget({ unitsPerSecond: SHARE, averageItemBytes: ITEM_BYTES, consistentRead: true, clock });
  const reading = addDynamoDbSegment(table.ddb, segment, recordingSink(clock, pages, []), {
    readBudget: budget,
    shouldStop: () => LAMBDA_MS - clock.now() < MARGIN_MS,
    timeLeftMs: () => LAMBDA_MS - clock.now(),
  });
  // Before: no check until its first page (45 items of 5 units) closed, 720 s in, past the deadline (Sandbox.Timedout, not retried).
  await expect(reading).rejects.toThrow(expect.objectContaining({ name: 'TransientError', message: expect.stringMatching(/closed no page before the Lambda's deadline.*the SDK retried \d+ times \(throttles it hid\), which slowed it to 0\.313 RCU\/s.*raise the source's read budget/) }));
  expect(pages).toHaveLength(0);
  // It read on for half its stop margin, and gave up with the other half left.
  expect(LAMBDA_MS - clock.now()).toBeLessThan(MARGIN_MS / 2);
  expect(LAMBDA_MS - clock.now()).toBeGreaterThan(MARGIN_MS / 2 - 2 * BUDGET_WAIT_SLICE_MS);
  // The batch gate's bound holds the page at that slowest rate.
  expect(worstCaseFirstPageMs(SHARE)).toBeGreaterThan(WORST_CASE_PAGE_UNITS * 16 * (1000 / SHARE));
});
