import { createHash } from 'node:crypto';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { encodeIndexObject, type IndexedPack } from '../../../../vault/blob-index/index-object';
import { writeIndexObject } from '../../../../vault/blob-index/index-writer';
import { putSealedObject } from '../../../../vault/crypto/sealed-object';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { loadIndexObjects, LoadedPack } from '../../../../vault/prune/index-objects';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { indexKey } from '../../../../vault/repository/vault-layout';
import { VaultCorruptionError } from '../../../../vault/vault-errors';

const id = (name: string): Buffer => createHash('sha256').update(name).digest();
const pack = (packId: string, blobs: readonly string[]): IndexedPack => ({
  packId: id(packId).toString('hex'),
  length: blobs.length * 100 + 64,
  entries: blobs.map((b, i) => ({ id: id(b), offset: i * 100, storedLength: 90 + i, rawLength: 200 + i })),
});

async function newVault(): Promise<Vault> {
  const store = new MemoryVaultStore();
  const made = await initVault(store, new PassphraseKeyProvider('index objects test', { N: 1024, r: 8, p: 1 }));
  return new Vault(store, made.keys, made.config);
}

describe('loadIndexObjects: the index as prune holds it (blob records in place, 44 bytes a blob)', () => {
  it('gives every pack of every index object with its records, decoded on demand exactly as written', async () => {
    const vault = await newVault();
    const packs = [pack('p1', ['a', 'b', 'c']), pack('p2', ['d'])];
    const first = await writeIndexObject(vault.store, vault.keys, packs);
    const second = await writeIndexObject(vault.store, vault.keys, [pack('p3', [])]);
    const loaded = await loadIndexObjects(vault);
    expect(loaded.map((o) => o.id)).toEqual([first, second].sort());
    const byId = new Map(loaded.map((o) => [o.id, o]));
    const p1 = byId.get(first)?.packs[0] as LoadedPack;
    expect(p1).toBeInstanceOf(LoadedPack);
    expect(p1.count).toBe(3);
    expect(p1.storedLength(2)).toBe(92);
    expect(p1.records.subarray(p1.idOffset(1), p1.idOffset(1) + 32)).toEqual(id('b'));
    expect(byId.get(first)?.packs.map((p) => ({ packId: p.packId, length: p.length, entries: p.entries }))).toEqual(packs);
    expect(byId.get(second)?.packs.map((p) => p.count)).toEqual([0]);
    // LoadedPack.of holds a written pack the same way.
    expect(LoadedPack.of(packs[0] as IndexedPack).entries).toEqual((packs[0] as IndexedPack).entries);
  });

  it('holds a pack one object lists twice as one pack with both listings\' records', async () => {
    const vault = await newVault();
    const twice = [pack('p1', ['a', 'b']), pack('p1', ['c'])];
    await writeIndexObject(vault.store, vault.keys, twice);
    const [object] = await loadIndexObjects(vault);
    expect(object?.packs.length).toBe(1);
    expect(object?.packs[0]?.entries.map((e) => e.id)).toEqual([id('a'), id('b'), id('c')]);
  });

  it('names a truncated index object as corrupt instead of holding part of it', async () => {
    const vault = await newVault();
    const body = encodeIndexObject([pack('p1', ['a', 'b'])]);
    await putSealedObject(vault.store, vault.keys, indexKey, 'index', body.subarray(0, body.length - 10), null);
    await expect(loadIndexObjects(vault)).rejects.toThrow(VaultCorruptionError);
    await expect(loadIndexObjects(vault)).rejects.toThrow(/truncated blob records/);
  });
});
