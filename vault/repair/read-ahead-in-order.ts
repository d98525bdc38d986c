import { InvalidConcurrencyLimitError } from '../workers/bounded-concurrency';

type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/**
 * Reads `items` with up to `limit` reads at once and hands each result to `use` one at a time, in the items' order:
 * for a loop whose every decision depends on the ones before it (the repair's coverage check of condemned packs) but
 * whose reads do not. Run one after the other, such reads cost a round trip each (review aV2-1: 86 ms a condemned
 * pack against 13 ms a live one at 40 ms a GET). At most `limit` results are read ahead of the one `use` has, not
 * all of them as mapBounded would hold: with readData a reading holds a pack's intact blobs.
 *
 * Failure semantics as mapBounded's: after the first failure (of a read or of `use`) no read is started, those in
 * flight settle, and then that error is thrown.
 */
export async function readAheadInOrder<T, R>(items: Iterable<T>, limit: number, read: (item: T) => Promise<R>, use: (result: R, item: T) => Promise<void>): Promise<void> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new InvalidConcurrencyLimitError(limit);
  const iterator = items[Symbol.iterator]();
  // Settled, never rejected: a read that fails while an earlier result is still being used is not left unobserved.
  const window: Array<{ readonly item: T; readonly result: Promise<Settled<R>> }> = [];
  // Set when any read fails, not only the head's: a later read's failure must stop new reads too (review rD F1).
  let failed = false;
  const fill = (): void => {
    while (window.length < limit && !failed) {
      const next = iterator.next();
      if (next.done === true) return;
      const item = next.value;
      const result = (async () => read(item))().then(
        (value): Settled<R> => ({ ok: true, value }),
        (error: unknown): Settled<R> => {
          failed = true;
          return { ok: false, error };
        },
      );
      window.push({ item, result });
    }
  };
  try {
    fill();
    for (let head = window.shift(); head !== undefined; head = window.shift()) {
      const settled = await head.result;
      if (!settled.ok) throw settled.error;
      // The next read starts before this result is used: the window stays full while `use` runs.
      fill();
      await use(settled.value, head.item);
    }
  } finally {
    await Promise.all(window.map((w) => w.result));
  }
}
