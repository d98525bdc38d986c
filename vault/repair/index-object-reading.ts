import { authenticate, EnvelopeError, objectContext } from '../crypto/sealed-codec';
import { openSealed, sha256Hex } from '../crypto/sealed-object';
import { type VaultKeys } from '../crypto/vault-keys';
import { type VaultStore } from '../backend/vault-store';
import { type LoadedIndexObject, loadedIndexObjectOf } from '../prune/index-objects';
import { indexKey } from '../repository/vault-layout';
import { VaultCorruptionError, VaultObjectNotFoundError } from '../vault-errors';

/**
 * What reading one old index object told `vault repair index`, which must tell damage from another key
 * (RepairNothingAuthenticatedError):
 * - `read`: it opened and decoded;
 * - `damaged`: its bytes do not hash to its name (changed since they were written: damage, whatever the key),
 *   or they authenticated and then did not open or decode (the key is the vault's: `authenticated`);
 * - `unauthenticated`: its bytes are the ones written under its name, and they fail authentication under the
 *   key the vault was opened with: what another key does, which damage cannot, since the name vouches for them;
 * - `gone`: deleted since the listing (a prune's sweep).
 */
export type IndexObjectReading =
  | { readonly kind: 'read'; readonly object: LoadedIndexObject }
  | { readonly kind: 'damaged'; readonly authenticated: boolean; readonly detail: string }
  | { readonly kind: 'unauthenticated'; readonly detail: string }
  | { readonly kind: 'gone' };

/** Reads index object `id` as loadIndexObject does, telling apart why it failed (IndexObjectReading). */
export async function readIndexObjectForRepair(store: VaultStore, keys: VaultKeys, id: string): Promise<IndexObjectReading> {
  const key = indexKey(id);
  let stored: Buffer;
  try {
    stored = await store.get(key);
  } catch (err) {
    if (err instanceof VaultObjectNotFoundError) return { kind: 'gone' };
    throw err;
  }
  if (sha256Hex(stored) !== id) return { kind: 'damaged', authenticated: false, detail: 'its SHA-256 does not match its name' };
  try {
    await authenticate(keys, objectContext('index'), stored);
  } catch (err) {
    if (err instanceof EnvelopeError) return { kind: 'unauthenticated', detail: err.message };
    throw err;
  }
  try {
    return { kind: 'read', object: loadedIndexObjectOf(store.location, id, await openSealed(store.location, key, keys, 'index', stored)).object };
  } catch (err) {
    if (err instanceof VaultCorruptionError) return { kind: 'damaged', authenticated: true, detail: err.detail };
    throw err;
  }
}
