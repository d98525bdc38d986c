import { type AttributeValue, BatchGetItemCommand, type BatchGetItemCommandInput, BatchWriteItemCommand, type BatchWriteItemCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { checkDynamoDbItems, checkDynamoDbItemsInTime } from '../../../../lambdas/restore/dynamodb-item-check';
import { writeDynamoDbItems } from '../../../../lambdas/restore/dynamodb-item-writer';
import { type BucketClock, CapacityTokenBucket } from '../../../../lambdas/sources/capacity-token-bucket';
import { TransientError } from '../../../../lambdas/runtime/errors';

type Item = Record<string, AttributeValue>;
const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1' });

/** 250 items of a table keyed pk + sk, with a number whose digits must survive exactly. */
const written: Item[] = Array.from({ length: 250 }, (_, i) => ({ pk: { S: `order#${i % 7}` }, sk: { N: String(i) }, total: { N: '12345678901234567890.5' }, tags: { SS: ['a', 'b'] } }));
const keyText = (k: Item): string => `${k['pk']?.S}|${k['sk']?.N}`;

/** Serves the table `stored` holds, by key; `unprocessed(call)` keys of a call come back unprocessed. */
function serveTable(stored: readonly Item[], unprocessed: (call: number, keys: Item[]) => Item[] = () => []): BatchGetItemCommandInput[] {
  const byKey = new Map(stored.map((item) => [keyText(item), item]));
  const calls: BatchGetItemCommandInput[] = [];
  ddb.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => {
    calls.push(input);
    const keys = input.RequestItems?.['t']?.Keys ?? [];
    const left = unprocessed(calls.length, keys);
    const answered = keys.filter((k) => !left.includes(k)).flatMap((k): Item[] => {
      const item = byKey.get(keyText(k));
      return item ? [item] : [];
    });
    return { Responses: { t: answered }, ...(left.length > 0 ? { UnprocessedKeys: { t: { Keys: left } } } : {}), $metadata: { attempts: 1 } };
  });
  return calls;
}

afterEach(() => ddb.reset());
afterAll(() => ddb.restore());

describe('checkDynamoDbItems reads back the items a restore shard wrote', () => {
  it('passes a table holding every item exactly, asking by key (at most 100 a call, strongly consistent)', async () => {
    const calls = serveTable(written);
    expect(await checkDynamoDbItems(client, 't', ['pk', 'sk'], written)).toEqual([]);
    expect(calls.map((c) => c.RequestItems?.['t']?.Keys?.length).sort()).toEqual([100, 100, 50]);
    expect(calls.every((c) => c.RequestItems?.['t']?.ConsistentRead === true)).toBe(true);
    expect(Object.keys(calls[0]?.RequestItems?.['t']?.Keys?.[0] ?? {}).sort()).toEqual(['pk', 'sk']);
  });

  it('names a missing item and a changed one by attribute names, counting them', async () => {
    const changed = { ...written[3], total: { N: '12345678901234567890.6' } } as Item;
    const stored = written.filter((_, i) => i !== 10).map((item, i) => (i === 3 ? changed : item));
    serveTable(stored);
    expect(await checkDynamoDbItems(client, 't', ['pk', 'sk'], written)).toEqual(['2 items with attributes "pk", "sk", "tags", "total" missing or different in t']);
  });

  it('counts items of the page that share the key it reads by as lost, even when the table holds one of them exactly', async () => {
    // Audit R1 F2: read back by `pk` alone, the lines of one order are one item of the table, whichever write won.
    const lines: Item[] = [
      { pk: { S: 'x' }, sk: { N: '1' }, v: { S: 'only' } },
      { pk: { S: 'y' }, sk: { N: '1' }, v: { S: 'line 1' } },
      { pk: { S: 'y' }, sk: { N: '2' }, v: { S: 'line 2' } },
      { pk: { S: 'y' }, sk: { N: '3' }, v: { S: 'line 3' } },
    ];
    const table = new Map([lines[0], lines[2]].map((item) => [item?.['pk']?.S, item]));
    ddb.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => ({
      Responses: { t: (input.RequestItems?.['t']?.Keys ?? []).flatMap((k): Item[] => (table.get(k['pk']?.S) ? [table.get(k['pk']?.S) as Item] : [])) },
    }));
    expect(await checkDynamoDbItems(client, 't', ['pk'], lines)).toEqual(['2 items with attributes "pk", "sk", "v" sharing its key ("pk") with another item of the backup, so t holds only one of them']);
  });

  it('asks again for keys the table left unprocessed (throttled) and passes when they come', async () => {
    const calls = serveTable(written, (call, keys) => (call <= 2 ? keys.slice(0, 10) : []));
    expect(await checkDynamoDbItems(client, 't', ['pk', 'sk'], written)).toEqual([]);
    expect(calls.length).toBeGreaterThan(3);
  });

  it('checks, when its time runs out, only the items before the first whose key was not read back, and starts no later call (review rCC F1)', async () => {
    // Items 10 and 150 are missing; only 10 is among the first 100, the keys of the one call that gets its units in time.
    const calls = serveTable(written.filter((_, i) => i !== 10 && i !== 150));
    let now = 0;
    const clock: BucketClock = { now: () => now, sleep: (ms) => ((now += ms), Promise.resolve()) };
    // 100 RCU a second from empty: a call of 100 keys waits a second for its units, and there are 1.5 s.
    const readBudget = new CapacityTokenBucket({ unitsPerSecond: 100, clock });
    const outcome = await checkDynamoDbItemsInTime(client, 't', ['pk', 'sk'], written, { readBudget, msLeft: () => 1500 - now });
    expect(outcome).toEqual({ checked: 100, mismatches: ['an item with attributes "pk", "sk", "tags", "total" missing or different in t'] });
    expect(calls).toHaveLength(1);
    expect(now).toBeLessThanOrEqual(1500);
  });

  it('gives up with a TransientError (the step retries) when keys stay unprocessed', async () => {
    serveTable(written, (_call, keys) => keys.slice(0, 1));
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const check = checkDynamoDbItems(client, 't', ['pk', 'sk'], written.slice(0, 5));
      const settled = check.then(
        () => undefined,
        (err: unknown) => err,
      );
      for (let i = 0; i < 20; i++) await jest.advanceTimersByTimeAsync(2500);
      const error = await settled;
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toBe('Table t kept 1 keys unprocessed after 10 rounds of reading back (throttled).');
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('a table that takes a few items of every batch (audit d4-2)', () => {
  /** Processes the first two put requests of each BatchWriteItem and hands the rest back; `none`: processes nothing. */
  function takeTwo(none = false): { stored: number } {
    const seen = { stored: 0 };
    ddb.on(BatchWriteItemCommand).callsFake((input: BatchWriteItemCommandInput) => {
      const requests = input.RequestItems?.['t'] ?? [];
      const taken = none ? 0 : Math.min(2, requests.length);
      seen.stored += taken;
      const left = requests.slice(taken);
      return { ...(left.length > 0 ? { UnprocessedItems: { t: left } } : {}), ConsumedCapacity: [{ TableName: 't', CapacityUnits: taken }], $metadata: { attempts: 1 } };
    });
    return seen;
  }
  /** A clock that moves only when the budget waits: no real sleeps. */
  const fakeClock = (): BucketClock => {
    let now = 0;
    return { now: () => now, sleep: (ms) => ((now += ms), Promise.resolve()) };
  };

  it('writes every item within a budget: a round that processed some items is progress, not a throttle towards giving up', async () => {
    const seen = takeTwo();
    const writeBudget = new CapacityTokenBucket({ unitsPerSecond: 1000, minBurstUnits: 25, clock: fakeClock() });
    expect(await writeDynamoDbItems(client, 't', written.slice(0, 200), { writeBudget })).toBe(200);
    expect(seen.stored).toBe(200);
  });

  it('writes every item without a budget, however many rounds the batch takes', async () => {
    const seen = takeTwo();
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const write = writeDynamoDbItems(client, 't', written.slice(0, 25));
      const settled = write.then(
        (n) => n,
        (err: unknown) => err,
      );
      for (let i = 0; i < 20; i++) await jest.advanceTimersByTimeAsync(2500);
      expect(await settled).toBe(25);
      expect(seen.stored).toBe(25);
    } finally {
      jest.useRealTimers();
    }
  });

  it('still gives up with the clear message when the table takes nothing', async () => {
    takeTwo(true);
    const writeBudget = new CapacityTokenBucket({ unitsPerSecond: 1000, minBurstUnits: 25, clock: fakeClock() });
    await expect(writeDynamoDbItems(client, 't', written.slice(0, 25), { writeBudget })).rejects.toThrow('BatchWriteItem into table t (25 unprocessed) was throttled 30 times in a row despite backing off; the table has no capacity to spare now');
  });
});
