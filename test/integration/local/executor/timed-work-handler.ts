/**
 * The function of the executor's timeout tests (lambda-timeouts.test.ts): works `ms` milliseconds and
 * reports how much of its own timeout was left. LOAD_MS makes its module's load (Lambda's init phase)
 * that slow, as a large bundle's first import is. `spinMs` first keeps the CPU busy that long without
 * yielding (a hung computation), after logging that it started.
 */
const loadUntil = Date.now() + Number(process.env.LOAD_MS ?? '0');
while (Date.now() < loadUntil) {
  // A synchronous load, as `require` of a large bundle is: the worker can do nothing else meanwhile.
}

export async function handler(event: { ms?: number; spinMs?: number }, context: { getRemainingTimeInMillis: () => number }): Promise<{ ms: number; remainingMs: number }> {
  if (event.spinMs !== undefined) {
    console.log(`spinning for ${event.spinMs} ms`);
    // Lets the log line reach the parent before the loop holds the thread.
    await new Promise((resolve) => setImmediate(resolve));
    const spinUntil = Date.now() + event.spinMs;
    while (Date.now() < spinUntil) {
      // Busy: nothing else runs on this worker meanwhile.
    }
  }
  const ms = event.ms ?? 0;
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { ms, remainingMs: context.getRemainingTimeInMillis() };
}
