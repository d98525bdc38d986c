/**
 * The child task of the distributed-map test app (distributed-map-app.ts): sums a batch's items and
 * echoes its BatchInput; an item with `fail: true` fails the whole batch, as a real task would.
 */
export function handler(event: { Items?: { n: number; fail?: boolean }[]; BatchInput?: { tag?: string }; n?: number; index?: number; fail?: boolean }): unknown {
  if (event.Items === undefined) {
    if (event.fail) throw Object.assign(new Error(`item ${event.n ?? '?'} asked to fail`), { name: 'ItemFailedError' });
    return { n: event.n, index: event.index };
  }
  const failing = event.Items.find((item) => item.fail);
  if (failing) {
    const err = new Error(`item ${failing.n} asked to fail`);
    err.name = 'ItemFailedError';
    throw err;
  }
  return { sum: event.Items.reduce((total, item) => total + item.n, 0), count: event.Items.length, tag: event.BatchInput?.tag ?? null };
}
