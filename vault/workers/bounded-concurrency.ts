/**
 * The one bounded-concurrency helper of the project: fan-out over user-sized lists and over listings
 * of millions of keys stays at `limit` calls in flight.
 *
 * Failure semantics (the same for every caller): after the first failure no further item is started;
 * the calls already in flight are allowed to settle (none is left running unobserved, writing into
 * a target or a vault after its caller has moved on), and then that first error is thrown. A failure
 * of the iteration itself (a listing page that could not be read) is treated the same way.
 */

/** A positive integer number of calls in flight; anything else is a programming error, said so. */
export class InvalidConcurrencyLimitError extends RangeError {
  override readonly name = 'InvalidConcurrencyLimitError';
  constructor(readonly limit: number) {
    super(`The concurrency limit must be a positive integer, got ${limit}.`);
  }
}

function isAsyncIterable<T>(items: Iterable<T> | AsyncIterable<T>): items is AsyncIterable<T> {
  return typeof (items as Partial<AsyncIterable<T>>)[Symbol.asyncIterator] === 'function';
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight. Items are pulled from the (async)
 * iterable only when a slot is free, so a listing is never read ahead of the work by more than
 * `limit` items. `index` counts the items in the order they were pulled.
 */
export async function forEachBounded<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new InvalidConcurrencyLimitError(limit);
  // The iterator is driven by hand (not for-await) so that a sync iterable's items are passed as they
  // are: for-await would await an item that happens to be a promise.
  const iterator: Iterator<T> | AsyncIterator<T> = isAsyncIterable(items) ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const running = new Set<Promise<void>>();
  /** Resolves the wait for a free slot: set only while the loop waits, called by the call that frees one. */
  let slotFreed: (() => void) | undefined;
  let failure: { error: unknown } | undefined;
  let exhausted = false;
  let index = 0;
  try {
    while (!failure) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      // A call can fail while the loop waits for a (slow) listing page: the item that page brought is not
      // started. `exhausted` stays false, so the source is still closed below.
      if (failure) break;
      const itemIndex = index++;
      // `async () => fn(...)` turns a synchronous throw of fn into a rejection like any other.
      const call: Promise<void> = (async () => {
        await fn(next.value, itemIndex);
      })()
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          running.delete(call);
          slotFreed?.();
          slotFreed = undefined;
        });
      running.add(call);
      // The loop waits for one call to end (its finally wakes it), not for Promise.race(running): a race attaches a reaction to
      // each of the `limit` calls in flight for every item, which each call keeps until it settles, so the main thread did
      // items × limit work (~20 µs an item at a restore's 64, ~2 µs this way).
      if (running.size >= limit) await new Promise<void>((resolve) => (slotFreed = resolve));
    }
  } catch (error) {
    // The iteration failed: what is in flight still settles before the error is reported.
    failure ??= { error };
    exhausted = true;
  } finally {
    await Promise.all(running);
    // Stopped early after a failure: let the source release what it holds (an async generator's finally).
    if (!exhausted) {
      // The first error is the one reported: a source whose cleanup also fails (a generator's finally
      // that throws) must not hide the failure of the item that made the loop stop.
      try {
        await iterator.return?.();
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  if (failure) throw failure.error;
}

/**
 * `Promise.all(items.map(fn))` with at most `limit` calls running; the results keep the input order.
 * Same failure semantics as forEachBounded (it is a thin wrapper over it).
 */
export async function mapBounded<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  await forEachBounded(items, limit, async (item, index) => {
    results[index] = await fn(item, index);
  });
  return results;
}
