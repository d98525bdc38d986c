import { createHash } from 'node:crypto';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type ByteRange } from '../../../../vault/backend/vault-store';
import { PageRunWriter } from '../../../../vault/manifest/manifest-pages';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { MarkedPages, markVault } from '../../../../vault/prune/vault-mark';
import { initVault, Vault } from '../../../../vault/repository/vault';
import { MANIFEST_PREFIX, snapshotKey } from '../../../../vault/repository/vault-layout';
import { ManifestCountingStore } from '../../../support/manifest-counting-store';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';


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
    const store = new ManifestCountingStore();
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

describe('markVault over many pages', () => {
  /** A memory store whose manifest GETs take a few milliseconds, counting how many are in flight at once. */
  class SlowManifestStore extends MemoryVaultStore {
    inFlight = 0;
    mostInFlight = 0;
    override async get(key: string, range?: ByteRange): Promise<Buffer> {
      if (!key.startsWith(MANIFEST_PREFIX)) return super.get(key, range);
      this.inFlight++;
      this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 3));
        return await super.get(key, range);
      } finally {
        this.inFlight--;
      }
    }
  }

  it('reads several pages at once and marks every blob of every page', async () => {
    const store = new SlowManifestStore();
    const made = await initVault(store, new PassphraseKeyProvider('mark test', { N: 1024, r: 8, p: 1 }));
    const vault = new Vault(store, made.keys, made.config);
    // 40 pages of 5 entries, each entry naming 3 blob ids of its own (the pages are the test: no packs needed).
    const writer = new PageRunWriter(store, made.keys);
    const expected: string[] = [];
    for (let e = 0; e < 200; e++) {
      const content = [0, 1, 2].map((b) => createHash('sha256').update(`blob ${e}/${b}`).digest('hex'));
      expected.push(...content);
      await writer.add({ path: `f${String(e).padStart(4, '0')}`, kind: 'file', meta: {}, size: 0, content });
      if (e % 5 === 4) await writer.flush();
    }
    expect(writer.pages.length).toBe(40);
    const stats = { entries: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0, bytesReused: 0 };
    await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [{ v: 1, runs: [writer.pages], indexes: [], stats }] });

    store.mostInFlight = 0;
    const mark = await marked(vault);
    expect(mark.blobs).toEqual([...expected].sort());
    expect(store.mostInFlight).toBeGreaterThan(1);
    expect(store.mostInFlight).toBeLessThanOrEqual(8);
  });
});
