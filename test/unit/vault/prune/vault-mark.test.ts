import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type ByteRange } from '../../../../vault/backend/vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { MarkedPages, markVault } from '../../../../vault/prune/vault-mark';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { MANIFEST_PREFIX, snapshotKey } from '../../../../vault/repository/vault-layout';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';

/** A memory store that counts the GETs of manifest objects. */
class CountingStore extends MemoryVaultStore {
  manifestGets = 0;
  override async get(key: string, range?: ByteRange): Promise<Buffer> {
    if (key.startsWith(MANIFEST_PREFIX)) this.manifestGets++;
    return super.get(key, range);
  }
}

/** A mark as plain values: its referenced ids sorted, so two marks compare by what they hold. */
async function marked(vault: Vault, pages?: MarkedPages): Promise<{ snapshots: number; manifests: Set<string>; blobs: string[] }> {
  const mark = await markVault(vault, pages);
  return { snapshots: mark.snapshots, manifests: new Set(mark.manifests), blobs: [...mark.blobs.hexIds()].sort() };
}

async function backup(vault: Vault, files: ReadonlyArray<[string, Buffer]>): Promise<string> {
  const writer = await vault.newSnapshotWriter({ inline: true });
  for (const [path, content] of files) await writer.add({ path, kind: 'object', meta: {}, content });
  return (await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()] })).id;
}

describe('markVault with MarkedPages', () => {
  it('reads each manifest page once across marks, yet marks a snapshot committed between them and forgets nothing it references', async () => {
    const store = new CountingStore();
    const made = await initVault(store, new PassphraseKeyProvider('mark test', { N: 1024, r: 8, p: 1 }), { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 16 * 1024, compressionLevel: null });
    const vault = new Vault(store, made.keys, made.config);
    const first = await backup(vault, [['a', pseudoRandomBytes(20_000, 1)], ['b', pseudoRandomBytes(20_000, 2)]]);
    const pages = new MarkedPages();

    const fresh = await marked(vault);
    store.manifestGets = 0;
    const markedFirst = await marked(vault, pages);
    const readFirst = store.manifestGets;
    expect(markedFirst).toEqual(fresh);

    store.manifestGets = 0;
    expect(await marked(vault, pages)).toEqual(fresh);
    // Only the manifest roots are read again: one per snapshot, no page.
    expect(store.manifestGets).toBe(1);
    expect(readFirst).toBeGreaterThan(1);

    const second = await backup(vault, [['a', pseudoRandomBytes(20_000, 1)], ['c', pseudoRandomBytes(20_000, 3)]]);
    const both = await marked(vault, pages);
    expect(both).toEqual(await marked(vault));
    expect(both.snapshots).toBe(2);
    expect(both.blobs.length).toBeGreaterThan(fresh.blobs.length);

    // A forgotten snapshot's blobs leave the mark even though its pages were read before.
    await store.delete(snapshotKey(first));
    const after = await marked(vault, pages);
    expect(after).toEqual(await marked(vault));
    expect(after.snapshots).toBe(1);
    expect(second).toBeDefined();
  });
});
