import { forEachBounded, InvalidConcurrencyLimitError, mapBounded } from '../../../../vault/workers/bounded-concurrency';

/**
 * The one bounded-concurrency helper: order, the bound, what happens after a failure, and lazy
 * pulling from async iterables. Calls are scripted with promises the test resolves, so every
 * assertion is about which calls have started, never about time.
 */

/** A call the test settles by hand. */
type Pending = { item: number; resolve: () => void; reject: (err: Error) => void };

function scripted(): { started: number[]; pending: Pending[]; fn: (item: number) => Promise<void> } {
  const started: number[] = [];
  const pending: Pending[] = [];
  const fn = (item: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      started.push(item);
      pending.push({ item, resolve, reject });
    });
  return { started, pending, fn };
}

/** Lets every queued promise callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function take(pending: Pending[], item: number): Pending {
  const index = pending.findIndex((p) => p.item === item);
  const [found] = pending.splice(index, 1);
  if (index < 0 || !found) throw new Error(`call ${item} is not pending`);
  return found;
}

describe('mapBounded', () => {
  it('keeps the input order whatever order the calls finish in', async () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    // Later items finish first: each call waits for a number of ticks that falls with its index.
    const results = await mapBounded(items, 4, async (item, index) => {
      for (let t = 0; t < 20 - item; t++) await settle();
      return `${item}@${index}`;
    });
    expect(results).toEqual(items.map((i) => `${i}@${i}`));
  });

  it('returns an empty array for no items without calling fn', async () => {
    const fn = jest.fn(async () => 1);
    await expect(mapBounded([], 3, fn)).resolves.toEqual([]);
    expect(fn).not.toHaveBeenCalled();
  });

  it('never has more than `limit` calls running', async () => {
    let running = 0;
    let highest = 0;
    await mapBounded(Array.from({ length: 50 }, (_, i) => i), 3, async (item) => {
      running++;
      highest = Math.max(highest, running);
      for (let t = 0; t < (item % 5) + 1; t++) await settle();
      running--;
    });
    expect(highest).toBe(3);
  });

  it('stops starting items after the first failure and rethrows it once the calls in flight settle', async () => {
    const { started, pending, fn } = scripted();
    let outcome: string | undefined;
    const done = mapBounded([0, 1, 2, 3, 4, 5, 6], 2, fn).then(
      () => (outcome = 'resolved'),
      (err: Error) => (outcome = `rejected: ${err.message}`),
    );
    await settle();
    expect(started).toEqual([0, 1]);

    take(pending, 0).reject(new Error('item 0 failed'));
    await settle();
    // No new call after the failure, and the helper waits for call 1, still in flight.
    expect(started).toEqual([0, 1]);
    expect(outcome).toBeUndefined();

    take(pending, 1).reject(new Error('item 1 failed too'));
    await done;
    expect(started).toEqual([0, 1]);
    expect(outcome).toBe('rejected: item 0 failed');
  });

  it('treats a synchronous throw of fn like a rejection', async () => {
    const fn = (item: number): Promise<number> => {
      if (item === 1) throw new Error('thrown before any promise');
      return Promise.resolve(item);
    };
    await expect(mapBounded([0, 1, 2], 1, fn)).rejects.toThrow('thrown before any promise');
  });

  it('passes a sync iterable\'s promise items through unawaited', async () => {
    const items = [Promise.resolve('a'), Promise.resolve('b')];
    const seen = await mapBounded(items, 2, async (item) => item instanceof Promise);
    expect(seen).toEqual([true, true]);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects the limit %p', async (limit) => {
    await expect(mapBounded([1], limit, async (x) => x)).rejects.toThrow(new InvalidConcurrencyLimitError(limit));
    await expect(mapBounded([1], limit, async (x) => x)).rejects.toThrow(`The concurrency limit must be a positive integer, got ${limit}.`);
  });
});

describe('forEachBounded', () => {
  it('pulls from an async iterable only when a slot is free', async () => {
    const pulled: number[] = [];
    async function* listing(): AsyncGenerator<number> {
      for (let i = 0; i < 10; i++) {
        pulled.push(i);
        yield i;
      }
    }
    const { started, pending, fn } = scripted();
    const done = forEachBounded(listing(), 2, fn);
    await settle();
    // Two calls in flight, and the listing read no further than the two items they hold.
    expect(started).toEqual([0, 1]);
    expect(pulled).toEqual([0, 1]);

    take(pending, 1).resolve();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    expect(pulled).toEqual([0, 1, 2]);

    while (pending.length > 0) {
      for (const p of pending.splice(0)) p.resolve();
      await settle();
    }
    await done;
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('closes the async iterable when it stops after a failure', async () => {
    let closed = false;
    let pulled = 0;
    async function* listing(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    await expect(
      forEachBounded(listing(), 3, async (item) => {
        if (item === 4) throw new Error('item 4 failed');
      }),
    ).rejects.toThrow('item 4 failed');
    expect(closed).toBe(true);
    // At most the failed item plus the slots that were free when it failed were pulled.
    expect(pulled).toBeLessThanOrEqual(4 + 3);
  });

  it('starts nothing that a listing page brings after a call failed while that page was read', async () => {
    // Each page of the listing is opened by the test, so item 0 fails while the helper waits for page 1.
    const pages: (() => void)[] = [];
    let closed = false;
    async function* listing(): AsyncGenerator<number> {
      try {
        for (let i = 0; i < 5; i++) {
          if (i > 0) await new Promise<void>((open) => pages.push(open));
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const { started, pending, fn } = scripted();
    let outcome: string | undefined;
    const done = forEachBounded(listing(), 2, fn).catch((err: Error) => (outcome = err.message));
    await settle();
    // Item 0 runs and a slot is free, so the helper is reading page 1.
    expect(started).toEqual([0]);
    expect(pages).toHaveLength(1);

    take(pending, 0).reject(new Error('item 0 failed'));
    await settle();
    pages.shift()?.();
    await settle();
    // Item 1 arrived after the failure: it is not started (a restore would write one more entry).
    expect(started).toEqual([0]);
    // Settled before the wait so that a call started by mistake cannot keep the helper from returning.
    for (const p of pending.splice(0)) p.resolve();
    await done;
    expect(outcome).toBe('item 0 failed');
    expect(closed).toBe(true);
  });

  it('reports the first failure when closing the listing fails too', async () => {
    async function* listing(): AsyncGenerator<number> {
      try {
        for (let i = 0; i < 10; i++) yield i;
      } finally {
        // eslint-disable-next-line no-unsafe-finally -- a source whose cleanup fails is what this test is about
        throw new Error('listing cleanup failed');
      }
    }
    await expect(
      forEachBounded(listing(), 2, async (item) => {
        if (item === 1) throw new Error('item 1 failed');
      }),
    ).rejects.toThrow('item 1 failed');
  });

  it('lets the calls in flight settle before reporting a failure of the listing itself', async () => {
    async function* listing(): AsyncGenerator<number> {
      yield 0;
      yield 1;
      throw new Error('listing page 2 could not be read');
    }
    const { started, pending, fn } = scripted();
    let outcome: string | undefined;
    const done = forEachBounded(listing(), 5, fn).catch((err: Error) => (outcome = err.message));
    await settle();
    expect(started).toEqual([0, 1]);
    expect(outcome).toBeUndefined();
    for (const p of pending.splice(0)) p.resolve();
    await done;
    expect(outcome).toBe('listing page 2 could not be read');
  });

  it('waits for a free slot with work in proportion to the items, not items × limit', async () => {
    // Every reaction attached to a promise by a call of `then` (catch and finally call it too) is counted. Waiting through
    // Promise.race(running) attached one to each of the `limit` calls in flight for every item (restore: 64 a file).
    const then = jest.spyOn(Promise.prototype, 'then');
    try {
      const items = Array.from({ length: 200 }, (_, i) => i);
      await forEachBounded(items, 32, async (item) => {
        for (let t = 0; t < (item % 3) + 1; t++) await settle();
      });
      expect(then.mock.calls.length).toBeLessThan(items.length * 8);
    } finally {
      then.mockRestore();
    }
  });

  it('counts the index in pull order', async () => {
    const seen: string[] = [];
    await forEachBounded(new Set(['a', 'b', 'c']), 2, async (item, index) => {
      seen.push(`${index}:${item}`);
    });
    expect(seen.sort()).toEqual(['0:a', '1:b', '2:c']);
  });
});
