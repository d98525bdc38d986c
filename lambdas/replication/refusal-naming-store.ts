import { isS3PermissionRefusal, Vault, type VaultStore } from '../../vault';

/**
 * A read-only view of `store` whose refused reads (an AccessDenied on a get or a head) throw what `named` makes of them (the key read and
 * S3's error) rather than S3's bare words: a phase that reads many kinds of object through many helpers (the scrub's
 * damage mapping and work-out: snapshots scanned, manifests walked, index objects read) names each refusal in one place,
 * where a wrap of each call missed all but one (review r64B F1). Only a want of a permission (isS3PermissionRefusal) is
 * so named, as the slice read names it: another 403 (RequestTimeTooSkewed, the credentials' key) passes as S3 said it,
 * where a refusal's advice (credentials with the permission) could not help; since fix f65D the Lambda runtime wraps no
 * such 403, so nothing need be taken from under a wrapper (notRefusalAsSaid did, until review r65M F6).
 */
export function refusalNamingStore(store: VaultStore, named: (key: string, err: unknown) => Error): VaultStore {
  const reading = async <T>(key: string, read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (err) {
      throw isS3PermissionRefusal(err) ? named(key, err) : err;
    }
  };
  const readOnly = (): Promise<never> => Promise.reject(new Error(`${store.location}: a refusal-naming view is not written to`));
  return {
    location: store.location,
    get: (key, range) => reading(key, () => store.get(key, range)),
    has: (key) => reading(key, () => store.has(key)),
    list: (prefix) => store.list(prefix),
    put: readOnly,
    delete: readOnly,
  };
}

/** `vault` read through refusalNamingStore. */
export function refusalNamingVault(vault: Vault, named: (key: string, err: unknown) => Error): Vault {
  const view = new Vault(refusalNamingStore(vault.store, named), vault.keys, vault.config);
  view.memoryLimitMb = vault.memoryLimitMb;
  return view;
}
