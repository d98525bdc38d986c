/**
 * Runs `fn` over an async stream with at most `limit` calls in flight, pulling from the stream only
 * as calls finish, so a listing of millions of keys never sits in memory. The first failure stops
 * the pulling and is rethrown once the calls in flight have settled (none is left dangling).
 */
export async function forEachBounded<T>(items: AsyncIterable<T> | Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const call: Promise<void> = fn(item)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => running.delete(call));
    running.add(call);
    if (running.size >= Math.max(1, limit)) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}
