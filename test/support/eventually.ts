/**
 * Polls `probe` every 50 ms until `holds` says yes (the local cloud's replication is asynchronous),
 * failing after `withinMs` (10 s unless given) with what it last saw.
 */
export async function eventually<T>(probe: () => Promise<T>, holds: (value: T) => boolean, what: string, withinMs = 10_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (holds(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not happen within ${withinMs / 1000} s; last seen: ${JSON.stringify(last)}`);
}
