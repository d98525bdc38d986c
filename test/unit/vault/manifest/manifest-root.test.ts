import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { encodeJson, putSealedObject } from '../../../../vault/crypto/sealed-object';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type ManifestRoot, type PageRef } from '../../../../vault/manifest/manifest-format';
import { DuplicateEntryError } from '../../../../vault/manifest/manifest-pages';
import { ManifestReader } from '../../../../vault/manifest/manifest-reader';
import { loadManifestRoot, manifestObjectIds, ManifestRootWriter } from '../../../../vault/manifest/manifest-root';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { initVault, type Vault } from '../../../../vault/repository/vault';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { VaultCorruptionError } from '../../../../vault/vault-errors';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';

/**
 * The two-level manifest root (docs/FORMAT.md §7): a manifest of more pages than the fanout gets a
 * v2 root over nodes. One page per two entries (a writer per two paths, as shards write), committed
 * with fanout 2 (v2: a root over nodes of two pages) and with the default fanout (v1); every read
 * of the v2 manifest must give what the v1 one gives.
 */

const PATHS = ['a', 'b/x', 'b/y', 'b/z', 'c', 'd/e/f', 'd/e/g', 'd/h', 'e', 'f0', 'f1', 'f2', 'g'];

async function vaultWithBoth(): Promise<{ vault: Vault; flat: Snapshot; tree: Snapshot; store: MemoryVaultStore }> {
  const store = new MemoryVaultStore('root-test');
  const vault = await initVault(store, new PassphraseKeyProvider('root test', { N: 1024, r: 8, p: 1 }), { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 64 * 1024, compressionLevel: null });
  const commit = async (fanout: number | undefined): Promise<Snapshot> => {
    // One writer (one shard) per two paths: disjoint runs of one page each, concatenated by the commit.
    const parts = [];
    for (let at = 0; at < PATHS.length; at += 2) {
      const writer = await vault.newSnapshotWriter({ inline: true });
      for (const [i, path] of PATHS.entries()) if (i >= at && i < at + 2) await writer.add({ path, kind: 'object', meta: {}, changeToken: `t${i}`, content: pseudoRandomBytes(300 + i, i) });
      parts.push(await writer.finish());
    }
    return vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, manifestFanout: fanout });
  };
  return { vault, flat: await commit(undefined), tree: await commit(2), store };
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('the two-level manifest root', () => {
  let v: Awaited<ReturnType<typeof vaultWithBoth>>;
  beforeAll(async () => {
    v = await vaultWithBoth();
  });

  it('is written past the fanout: 7 pages under 4 nodes of at most 2, while the default fanout keeps a v1 root', async () => {
    const flat = await loadManifestRoot(v.store, v.vault.keys, v.flat.manifest);
    const tree = await loadManifestRoot(v.store, v.vault.keys, v.tree.manifest);
    expect(flat.v).toBe(1);
    expect(flat.v === 1 && flat.pages).toHaveLength(7);
    expect(tree.v).toBe(2);
    expect(tree.v === 2 && tree.nodes.map((n) => n.pages)).toEqual([2, 2, 2, 1]);
    expect({ entries: tree.entries, bytes: tree.bytes }).toEqual({ entries: flat.entries, bytes: flat.bytes });
    expect(v.tree.stats.entries).toBe(PATHS.length);
    // Root, 4 nodes and 7 pages, each object once, each one stored.
    const ids = await all(manifestObjectIds(v.store, v.vault.keys, v.tree.manifest));
    expect(ids.slice(0, 5)).toEqual([v.tree.manifest, ...(tree.v === 2 ? tree.nodes.map((n) => n.id) : [])]);
    expect(new Set(ids).size).toBe(1 + 4 + 7);
    for (const id of ids) expect(await v.store.has(manifestKey(id))).toBe(true);
  });

  it('reads like the v1 root: every entry in order, every prefix, every lookup', async () => {
    const flat = await v.vault.manifest(v.flat);
    const tree = await v.vault.manifest(v.tree);
    const flatEntries = await all(flat.entries());
    expect(flatEntries.map((e) => e.path)).toEqual(PATHS);
    expect(await all(tree.entries())).toEqual(flatEntries);
    for (const prefix of ['b', 'd', 'd/e', 'f1', 'f', 'zz', 'a', 'g', 'b/y']) {
      expect({ prefix, entries: await all(tree.entries(prefix)) }).toEqual({ prefix, entries: await all(flat.entries(prefix)) });
    }
    for (const path of [...PATHS, '0', 'b/w', 'd/e', 'f', 'zz']) {
      expect({ path, entry: await tree.find(path) }).toEqual({ path, entry: await flat.find(path) });
    }
  });

  it('serves an incremental backup: every unchanged entry is found in a v2 parent and reused unread', async () => {
    const parent = await v.vault.manifest(v.tree);
    const byPath = new Map<string, ManifestEntry>();
    for await (const e of parent.entries()) byPath.set(e.path, e);
    const writer = await v.vault.newSnapshotWriter({ inline: true, parent: v.tree.id });
    for (const [i, path] of PATHS.entries()) await writer.add({ path, kind: 'object', meta: {}, changeToken: `t${i}`, content: pseudoRandomBytes(300 + i, i) });
    const part = await writer.finish();
    // Every entry found in the parent by its path (ManifestReader.find through the nodes) and reused unread.
    expect(part.stats).toMatchObject({ bytesScanned: 0, bytesNew: 0, bytesReused: v.tree.stats.bytes });
    const again = await v.vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [part], manifestFanout: 2 });
    expect(await all((await v.vault.manifest(again)).entries())).toEqual([...byPath.values()]);
  });

  it('fails on a node that does not match its reference, naming the node', async () => {
    const tree = (await loadManifestRoot(v.store, v.vault.keys, v.tree.manifest)) as Extract<ManifestRoot, { v: 2 }>;
    const [first, second, ...rest] = tree.nodes;
    if (!first || !second) throw new Error('the test needs two nodes');
    // A root whose second node claims one page more than it lists.
    const lying = { ...tree, nodes: [first, { ...second, pages: second.pages + 1 }, ...rest] };
    const rootId = await putSealedObject(v.store, v.vault.keys, manifestKey, 'manifest', encodeJson(lying), 3);
    const reader = await ManifestReader.open(v.store, v.vault.keys, rootId);
    const read = all(reader.entries()).catch((err: unknown) => err);
    await expect(read).resolves.toBeInstanceOf(VaultCorruptionError);
    await expect(read).resolves.toMatchObject({ key: manifestKey(second.id), message: expect.stringContaining('node lists 2 pages, its reference says 3') });
  });

  it('refuses a root whose nodes overlap or whose counts do not add up', async () => {
    const tree = (await loadManifestRoot(v.store, v.vault.keys, v.tree.manifest)) as Extract<ManifestRoot, { v: 2 }>;
    const [first, second, ...rest] = tree.nodes;
    if (!first || !second) throw new Error('the test needs two nodes');
    const swapped = await putSealedObject(v.store, v.vault.keys, manifestKey, 'manifest', encodeJson({ ...tree, nodes: [second, first, ...rest] }), 3);
    await expect(loadManifestRoot(v.store, v.vault.keys, swapped)).rejects.toThrow(/nodes 0 and 1 overlap or are out of order/);
    const miscounted = await putSealedObject(v.store, v.vault.keys, manifestKey, 'manifest', encodeJson({ ...tree, entries: tree.entries + 1 }), 3);
    await expect(loadManifestRoot(v.store, v.vault.keys, miscounted)).rejects.toThrow(`nodes hold ${tree.entries} entries, the object says ${tree.entries + 1}`);
  });
});

describe('ManifestRootWriter', () => {
  const page = (id: number, first: string, last: string): PageRef => ({ id: id.toString(16).padStart(64, '0'), first, last, count: 2, bytes: 10 });

  it('refuses pages out of order or overlapping, and a path in two pages', async () => {
    const store = new MemoryVaultStore('writer-test');
    const vault = await initVault(store, new PassphraseKeyProvider('writer test', { N: 1024, r: 8, p: 1 }));
    const writer = new ManifestRootWriter(store, vault.keys, 2);
    await writer.add(page(1, 'b', 'c'));
    await expect(writer.add(page(2, 'a', 'a0'))).rejects.toThrow('manifest pages out of order: a page starting at "a" after one ending at "c"');
    await expect(writer.add(page(3, 'c', 'd'))).rejects.toThrow(DuplicateEntryError);
    expect(() => new ManifestRootWriter(store, vault.keys, 1)).toThrow('a manifest fanout is an integer ≥ 2, got 1');
  });
});
