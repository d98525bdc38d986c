import { type WrappedVaultKey } from './key-provider';
import { encodeJson, sha256Hex } from './sealed-object';
import { keyObjectKey } from './vault-layout';
import { type VaultStore } from './vault-store';

/** Stores a wrapped master key as a `keys/<sha256>` object (docs/FORMAT.md §2) and returns its key. */
export async function putKeyObject(store: VaultStore, wrapped: WrappedVaultKey, created: Date = new Date()): Promise<string> {
  const body = encodeJson({ v: 1, created: created.toISOString(), wrapped });
  const key = keyObjectKey(sha256Hex(body));
  await store.put(key, body);
  return key;
}
