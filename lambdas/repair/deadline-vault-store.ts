import { type ByteRange, type CondemnedPacksWeighed, type DeleteOptions, type ListedObject, packKey, type PutOptions, type RepairIndexObserver, type VaultStore } from '../../vault';
import { RepairDeadlinePassedError, type RepairIndexProgress } from './repair-index-errors';

const DATA_PREFIX = 'data/';
const INDEX_PREFIX = 'index/';

/**
 * A VaultStore that refuses every request after `deadline`, and what the repair it serves did through it; `observer`
 * is the repair's (RepairIndexOptions), so that its reads of condemned packs are counted apart.
 */
export type DeadlineVaultStore = { readonly store: VaultStore; readonly observer: RepairIndexObserver; progress(): RepairIndexProgress };

/**
 * Wraps `inner` (a decorator of the port, as retries are): once `deadline` (ms since the epoch) has passed,
 * each request throws RepairDeadlinePassedError before it is sent, so that a repair that cannot finish stops at
 * its next request instead of running on in a container Lambda freezes; and counts what the repair did, for the
 * message that says how far it got. The repair treats the error as fatal (it is no VaultError): nothing after it
 * runs. Optional methods stay optional: the repair asks whether a store has them.
 */
export function deadlineVaultStore(inner: VaultStore, deadline: number, now: () => number = Date.now): DeadlineVaultStore {
  let packsListed: number | undefined;
  const packsRead = new Set<string>();
  let indexesWritten = 0;
  let indexesRemoved = 0;
  let condemned: { weighed: CondemnedPacksWeighed; keys: ReadonlySet<string>; read: Set<string>; done: boolean } | undefined;
  const check = (): void => {
    if (now() >= deadline) throw new RepairDeadlinePassedError();
  };
  async function* counted<T>(items: AsyncIterable<T>, prefix: string, keyOf: (item: T) => string): AsyncIterable<T> {
    let listed = 0;
    for await (const item of items) {
      check();
      if (keyOf(item).startsWith(DATA_PREFIX)) listed++;
      yield item;
    }
    if (prefix === DATA_PREFIX) packsListed = listed;
  }
  const wrapped: Partial<Record<keyof VaultStore, unknown>> = {
    get: async (key: string, range?: ByteRange) => {
      check();
      if (key.startsWith(DATA_PREFIX)) packsRead.add(key);
      if (condemned?.keys.has(key) === true) condemned.read.add(key);
      return inner.get(key, range);
    },
    has: async (key: string) => {
      check();
      return inner.has(key);
    },
    put: async (key: string, body: Uint8Array, options?: PutOptions) => {
      check();
      await inner.put(key, body, options);
      if (key.startsWith(INDEX_PREFIX)) indexesWritten++;
    },
    delete: async (key: string, options?: DeleteOptions) => {
      check();
      await inner.delete(key, options);
      if (key.startsWith(INDEX_PREFIX)) indexesRemoved++;
    },
    list: (prefix: string) => counted(inner.list(prefix), prefix, (key) => key),
  };
  const listWithSizes = inner.listWithSizes?.bind(inner);
  if (listWithSizes) wrapped.listWithSizes = (prefix: string) => counted(listWithSizes(prefix), prefix, (o: ListedObject) => o.key);
  // Every other member (location, the optional methods, present or not) is the inner store's, bound to it.
  const store = new Proxy(inner, {
    get(target, prop) {
      if (typeof prop === 'string' && Object.hasOwn(wrapped, prop)) return wrapped[prop as keyof VaultStore];
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const observer: RepairIndexObserver = {
    condemnedPacksWeighing: (weighed) => {
      condemned = { weighed, keys: new Set(weighed.packs.map(packKey)), read: new Set(), done: false };
    },
    condemnedPacksWeighed: () => {
      if (condemned) condemned.done = true;
    },
  };
  const progress = (): RepairIndexProgress => ({
    packsListed,
    packsRead: packsRead.size,
    indexesWritten,
    indexesRemoved,
    ...(condemned && !condemned.done ? { weighingCondemned: { packs: condemned.weighed.packs.length, packsRead: condemned.read.size, batches: condemned.weighed.batches } } : {}),
  });
  return { store, observer, progress };
}
