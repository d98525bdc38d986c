/**
 * The function of the executor's engine-semantics tests (engine-semantics-app.ts): returns its event, or throws
 * `event.throw` as it is (a string, a plain object: what some handlers throw instead of an Error).
 */
export async function handler(event: { throw?: unknown }): Promise<unknown> {
  // A rejection of what the event names, not an Error: the point of the test.
  if ('throw' in event) return Promise.reject(event.throw);
  return event;
}
