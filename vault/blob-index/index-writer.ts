import { encodeIndexObject, type IndexedPack } from './index-object';
import { putSealedObject } from '../crypto/sealed-object';
import { type VaultKeys } from '../crypto/vault-keys';
import { indexKey } from '../repository/vault-layout';
import { type VaultStore } from '../backend/vault-store';

/** Writes one index object for packs that are already stored (packs first, then their index). Returns its id. */
export function writeIndexObject(store: VaultStore, keys: VaultKeys, packs: readonly IndexedPack[]): Promise<string> {
  // Uncompressed: the records are mostly random ids and would not shrink.
  return putSealedObject(store, keys, indexKey, 'index', encodeIndexObject(packs), null);
}
