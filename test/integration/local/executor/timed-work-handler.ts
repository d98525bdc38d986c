/**
 * The function of the executor's timeout tests (lambda-timeouts.test.ts): works `ms` milliseconds and
 * reports how much of its own timeout was left. LOAD_MS makes its module's load (Lambda's init phase)
 * that slow, as a large bundle's first import is.
 */
const loadUntil = Date.now() + Number(process.env.LOAD_MS ?? '0');
while (Date.now() < loadUntil) {
  // A synchronous load, as `require` of a large bundle is: the worker can do nothing else meanwhile.
}

export async function handler(event: { ms: number }, context: { getRemainingTimeInMillis: () => number }): Promise<{ ms: number; remainingMs: number }> {
  await new Promise((resolve) => setTimeout(resolve, event.ms));
  return { ms: event.ms, remainingMs: context.getRemainingTimeInMillis() };
}
