import { Vault, type VaultStore } from '../../vault';

/**
 * A read a reads-until view was asked for at or after its time. Internal to the scrub: the caller that set the time
 * catches it and says what it left undone; it never reaches a user.
 */
export class ReadsStoppedError extends Error {
  override name = 'ReadsStoppedError';
  constructor(location: string, key: string) {
    super(`${location}: no read of ${key} starts after the time this view was given (the scrub's deadline comes first)`);
  }
}

/**
 * A read-only view of `vault` that starts no read (get, has, a listing or its next key) once `now()` reaches `until`: it
 * throws ReadsStoppedError instead, so work whose reads cannot be counted up front (a walk of snapshots, index objects and
 * manifests) ends by a deadline however far it got. Reads already started run on.
 */
export function readsUntilVault(vault: Vault, until: number, now: () => number): Vault {
  const inner = vault.store;
  const startable = (key: string): void => {
    if (now() >= until) throw new ReadsStoppedError(inner.location, key);
  };
  const readOnly = (): Promise<never> => Promise.reject(new Error(`${inner.location}: a reads-until view is not written to`));
  const store: VaultStore = {
    location: inner.location,
    async get(key, range) {
      startable(key);
      return inner.get(key, range);
    },
    async has(key) {
      startable(key);
      return inner.has(key);
    },
    // Checked before each key is asked of the listing, not only when it starts: a listing is a read per page (S3
    // returns 1,000 keys a page), so one walked past the time would go on reading (review rN F4).
    async *list(prefix) {
      const keys = inner.list(prefix)[Symbol.asyncIterator]();
      try {
        for (;;) {
          startable(prefix);
          const next = await keys.next();
          if (next.done === true) return;
          yield next.value;
        }
      } finally {
        await keys.return?.();
      }
    },
    put: readOnly,
    delete: readOnly,
  };
  return new Vault(store, vault.keys, vault.config);
}
