import { type KeyProvider, type WrappedVaultKey } from './key-provider';
import { decodeJson, encodeJson, sha256Hex } from '../crypto/sealed-object';
import { keyObjectSchema } from '../repository/vault-config';
import { KeyUnwrapError, VaultCorruptionError, VaultObjectNotFoundError } from '../vault-errors';
import { idFromKey, KEYS_PREFIX, keyObjectKey } from '../repository/vault-layout';
import { type VaultStore } from '../backend/vault-store';

/** Stores a wrapped master key as a `keys/<sha256>` object (docs/FORMAT.md §2) and returns its key. */
export async function putKeyObject(store: VaultStore, wrapped: WrappedVaultKey, created: Date = new Date()): Promise<string> {
  const body = encodeJson({ v: 1, created: created.toISOString(), wrapped });
  const key = keyObjectKey(sha256Hex(body));
  await store.put(key, body);
  return key;
}

/**
 * The master key material of every `keys/` object `provider` can unwrap, in listing order. Why the
 * others could not be used goes into `problems` (another kind of key, a wrong key or passphrase);
 * a key object removed between listing and reading (an init that lost its race, cleaning up) is
 * skipped, one whose bytes do not match its name is corruption.
 */
export async function* unwrapKeyObjects(store: VaultStore, provider: KeyProvider, problems: string[], otherKinds?: Set<string>): AsyncGenerator<{ key: string; material: Buffer }> {
  for await (const key of store.list(KEYS_PREFIX)) {
    const id = idFromKey(KEYS_PREFIX, key);
    if (id === null) continue;
    let body: Buffer;
    try {
      body = await store.get(key);
    } catch (err) {
      if (err instanceof VaultObjectNotFoundError) continue;
      throw err;
    }
    if (sha256Hex(body) !== id) throw new VaultCorruptionError(store.location, key, 'its SHA-256 does not match its name');
    const keyObject = decodeJson(keyObjectSchema, body, { location: store.location, key });
    if (keyObject.wrapped.kind !== provider.kind) {
      problems.push(`${key} is a ${keyObject.wrapped.kind} key`);
      otherKinds?.add(keyObject.wrapped.kind);
      continue;
    }
    try {
      yield { key, material: await provider.unwrapVaultKey(keyObject.wrapped) };
    } catch (err) {
      if (!(err instanceof KeyUnwrapError)) throw err;
      problems.push(err.message);
    }
  }
}
