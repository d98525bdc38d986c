import { type VaultStore } from '../../vault';

/**
 * `store`, running `during` once when the first delete is issued through it: a prune's sweep deletes only after its
 * mark, so `during` runs between a sweep's mark and its deletes (replication, a scrub or a copy racing the sweep).
 */
export function pausedAtFirstDelete(store: VaultStore, during: () => Promise<void>): VaultStore {
  let ran = false;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop === 'delete') {
        return async (key: string): Promise<void> => {
          if (!ran) {
            ran = true;
            await during();
          }
          return target.delete(key);
        };
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
