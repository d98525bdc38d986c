import { randomBytes } from 'node:crypto';
import { decodeIndexObject, type IndexedPack } from '../../vault/blob-index/index-object';
import { writeIndexObject } from '../../vault/blob-index/index-writer';
import { getSealedObject } from '../../vault/crypto/sealed-object';
import { type VaultKeys } from '../../vault/crypto/vault-keys';
import { type VaultStore } from '../../vault/backend/vault-store';
import { type PackEntry } from '../../vault/pack/pack-format';
import { idFromKey, INDEX_PREFIX, indexKey, packKey } from '../../vault/repository/vault-layout';

/** A pack of the vault and the copy storeEveryPackTwice made of it. */
export type StoredTwice = {
  readonly original: string;
  readonly copy: string;
  /** Of the two, the copy a reader reads first (VaultIndex.lookup: the lower pack id). */
  readonly first: string;
  readonly second: string;
  readonly entries: readonly PackEntry[];
};

/** Copies every pack of the vault to a new pack id, indexed by one new index object: every blob is then stored twice, as two concurrent writers leave it. */
export async function storeEveryPackTwice(store: VaultStore, keys: VaultKeys): Promise<StoredTwice[]> {
  const packs = new Map<string, { length: number; entries: PackEntry[] }>();
  for await (const key of store.list(INDEX_PREFIX)) {
    const id = idFromKey(INDEX_PREFIX, key);
    if (!id) continue;
    const plain = await getSealedObject(store, keys, indexKey(id), id, 'index');
    decodeIndexObject(plain, { location: store.location, key }, (packId, length, blobId, offset, storedLength, rawLength) => {
      const pack = packs.get(packId) ?? { length, entries: [] };
      packs.set(packId, pack);
      pack.entries.push({ id: Buffer.from(blobId), offset, storedLength, rawLength });
    });
  }
  const pairs = [...packs].map(([original, { entries }]): StoredTwice => {
    const copy = randomBytes(32).toString('hex');
    return { original, copy, first: original < copy ? original : copy, second: original < copy ? copy : original, entries };
  });
  for (const { original, copy } of pairs) await store.put(packKey(copy), await store.get(packKey(original)));
  const copies: IndexedPack[] = pairs.map(({ original, copy, entries }) => ({ packId: copy, length: packs.get(original)?.length ?? 0, entries }));
  await writeIndexObject(store, keys, copies);
  return pairs;
}
