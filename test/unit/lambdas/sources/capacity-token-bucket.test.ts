import { DynamoDBClient, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { CapacityTokenBucket } from '../../../../lambdas/sources/capacity-token-bucket';
import { ReadCapacityBudget } from '../../../../lambdas/sources/read-capacity-budget';
import { scanPagesWithinBudget } from '../../../../lambdas/sources/scan-within-budget';
import { TransientError } from '../../../../lambdas/runtime/errors';
import { FakeBucketClock } from '../../../support/fake-bucket-clock';

/** Deterministic pseudo-random numbers in [0, 1) (xorshift), so a failure reproduces. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

type Request = { at: number; estimated: number; consumed: number };

/** Requests through a bucket, one after another, each consuming its estimate times a factor in [0.5, 1.5): estimates are wrong both ways. */
async function run(bucket: CapacityTokenBucket, clock: FakeBucketClock, count: number, random: () => number): Promise<Request[]> {
  const requests: Request[] = [];
  for (let i = 0; i < count; i++) {
    const estimated = 1 + Math.floor(random() * 20);
    const reserved = await bucket.reserve(estimated);
    const consumed = Math.round(estimated * (0.5 + random()) * 2) / 2;
    requests.push({ at: clock.now(), estimated: reserved, consumed });
    bucket.settle(reserved, consumed);
    bucket.succeeded();
    // The request itself takes some time now and then (the clock only moves when asked to).
    if (random() < 0.3) await clock.sleep(Math.floor(random() * 3000));
  }
  return requests;
}

describe('CapacityTokenBucket', () => {
  it('never lets the units of the requests started in any window exceed burst + rate × window + the last one\'s overshoot', async () => {
    for (const [seed, rate] of [
      [1, 10],
      [2, 2.5],
      [3, 100],
      [4, 0.5],
    ] as const) {
      const clock = new FakeBucketClock();
      const random = seeded(seed * 7919);
      const bucket = new CapacityTokenBucket({ unitsPerSecond: rate, minBurstUnits: 20, clock });
      const requests = await run(bucket, clock, 300, random);
      for (let a = 0; a < requests.length; a++) {
        let sum = 0;
        for (let b = a; b < requests.length; b++) {
          const last = requests[b] as Request;
          sum += last.consumed;
          const window = (last.at - (requests[a] as Request).at) / 1000;
          const bound = bucket.burstUnits + rate * window + Math.max(0, last.consumed - last.estimated);
          if (sum > bound + 1e-9) throw new Error(`seed ${seed}: requests ${a}..${b} consumed ${sum} units in ${window} s, above ${bound}`);
        }
      }
    }
  });

  it('starts empty and, once its debt is settled, has consumed at most rate × its own duration', async () => {
    const clock = new FakeBucketClock();
    const bucket = new CapacityTokenBucket({ unitsPerSecond: 7, minBurstUnits: 20, clock });
    const requests = await run(bucket, clock, 200, seeded(42));
    await bucket.settleDebt();
    const consumed = requests.reduce((sum, r) => sum + r.consumed, 0);
    expect(bucket.stats.consumedUnits).toBe(consumed);
    expect(consumed / (clock.now() / 1000)).toBeLessThanOrEqual(7);
    // … and not far below it: the budget is used, not wasted.
    expect(consumed / (clock.now() / 1000)).toBeGreaterThan(7 * 0.8);
  });

  it('serves concurrent reservations one at a time, in order, within the rate', async () => {
    const clock = new FakeBucketClock();
    const bucket = new CapacityTokenBucket({ unitsPerSecond: 10, clock });
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const reserved = await bucket.reserve(5);
        order.push(i);
        bucket.settle(reserved, 5);
      }),
    );
    await bucket.settleDebt();
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // 40 units at 10 a second from an empty bucket: 4 seconds.
    expect(clock.now()).toBe(4000);
  });

  it('backs off a throttle with full jitter over an exponential ceiling and halves its rate', async () => {
    const clock = new FakeBucketClock();
    const bucket = new CapacityTokenBucket({ unitsPerSecond: 100, clock, random: () => 0.5 });
    await bucket.throttled('Scan');
    await bucket.throttled('Scan');
    await bucket.throttled('Scan');
    // Ceilings 200, 400, 800 ms; the jitter draws half of each.
    expect(clock.sleeps).toEqual([100, 200, 400]);
    expect(bucket.currentUnitsPerSecond).toBe(12.5);
    expect(bucket.stats.throttles).toBe(3);
    // Good requests bring the rate back step by step, never above the budget.
    for (let i = 0; i < 40; i++) bucket.succeeded();
    expect(bucket.currentUnitsPerSecond).toBe(100);
  });

  it('slows down when the SDK retried on its own, and counts those retries', () => {
    const bucket = new CapacityTokenBucket({ unitsPerSecond: 40, clock: new FakeBucketClock() });
    bucket.succeeded(3);
    expect(bucket.stats.sdkRetries).toBe(2);
    expect(bucket.currentUnitsPerSecond).toBe(20);
  });

  it('gives up with a TransientError after too many throttles in a row, and a success resets the count', async () => {
    const bucket = new CapacityTokenBucket({ unitsPerSecond: 5, clock: new FakeBucketClock(), random: () => 0.99, maxThrottledInARow: 3 });
    for (let i = 0; i < 3; i++) await bucket.throttled('Scan of table t');
    bucket.succeeded();
    for (let i = 0; i < 3; i++) await bucket.throttled('Scan of table t');
    const failure = bucket.throttled('Scan of table t');
    await expect(failure).rejects.toThrow(TransientError);
    await expect(failure).rejects.toThrow('Scan of table t was throttled 3 times in a row despite backing off; the table has no capacity to spare now (retry later, or raise its capacity).');
  });

  it('waits at most the time it is given: a reservation or a debt further away takes nothing and says so', async () => {
    const clock = new FakeBucketClock();
    const bucket = new CapacityTokenBucket({ unitsPerSecond: 2, clock });
    bucket.settle(await bucket.reserve(2), 12);
    // 10 units of debt: 5 s to pay, 6 s before a reservation of 2.
    expect(await bucket.reserveWithin(2, 1000)).toBeUndefined();
    expect(clock.now()).toBe(2000);
    expect(await bucket.settleDebtWithin(1000)).toBe(false);
    expect(await bucket.settleDebtWithin(10_000)).toBe(true);
    expect(clock.now()).toBe(6000);
    expect(await bucket.reserveWithin(2, 1000)).toBe(2);
    expect(clock.now()).toBe(7000);
  });

  it('charges the estimate when the service reports no consumed capacity', async () => {
    const clock = new FakeBucketClock();
    const bucket = new CapacityTokenBucket({ unitsPerSecond: 4, clock });
    bucket.settle(await bucket.reserve(4), undefined);
    expect(bucket.stats).toMatchObject({ consumedUnits: 4, unreported: 1, requests: 1 });
    expect(clock.now()).toBe(1000);
  });

  it('paces a Scan whose responses carry no ConsumedCapacity by its items\' sizes: it charges and learns them, not its first estimate (audit b4-3)', async () => {
    const ITEMS = 400;
    // 16 KB items, 4 units each consistent; the budget starts from the default guess of 1 KB (a quarter unit).
    const ddb = new DynamoDBClient({ region: 'us-east-1' });
    let trueUnits = 0;
    ddb.send = (async (command: { input: ScanCommandInput }) => {
      const from = command.input.ExclusiveStartKey ? Number(command.input.ExclusiveStartKey['pk']?.N) + 1 : 0;
      const n = Math.min(command.input.Limit ?? 100, ITEMS - from, 64);
      const items = Array.from({ length: n }, (_, i) => ({ pk: { N: String(from + i) }, blob: { S: 'x'.repeat(16 * 1024 - 40) } }));
      trueUnits += Math.ceil((n * 16 * 1024) / 4096);
      return { Items: items, ScannedCount: n, Count: n, $metadata: { attempts: 1 }, ...(from + n < ITEMS ? { LastEvaluatedKey: { pk: { N: String(from + n - 1) } } } : {}) };
    }) as unknown as DynamoDBClient['send'];
    const clock = new FakeBucketClock();
    const budget = new ReadCapacityBudget({ unitsPerSecond: 10, consistentRead: true, clock });
    let pages = 0;
    for await (const page of scanPagesWithinBudget(ddb, { TableName: 't', Segment: 0, TotalSegments: 1, ConsistentRead: true }, budget)) pages += page.Items?.length ? 1 : 0;
    // Before: 1,600 units in 10 s, 160 RCU/s against a budget of 10.
    expect(trueUnits / (clock.now() / 1000)).toBeLessThanOrEqual(10);
    // Charged what the items weigh (their text, a little above DynamoDB's measure), never less than they cost.
    expect(budget.bucket.stats.consumedUnits).toBeGreaterThanOrEqual(trueUnits);
    expect(budget.bucket.stats.unreported).toBe(budget.bucket.stats.requests);
    // Learnt: pages of a few items, a second of the budget each, not the first guess's 10 pages of 40.
    expect(pages).toBeGreaterThan(100);
  });

  it('refuses a budget that is not a positive number', () => {
    expect(() => new CapacityTokenBucket({ unitsPerSecond: 0 })).toThrow('A capacity budget must be a positive number of units a second, not 0.');
    expect(() => new CapacityTokenBucket({ unitsPerSecond: Number.NaN })).toThrow(RangeError);
  });
});
