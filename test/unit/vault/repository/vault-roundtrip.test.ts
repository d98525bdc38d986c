import fc from 'fast-check';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { PageRunWriter } from '../../../../vault/manifest/manifest-pages';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { readEntry, restoreSnapshot } from '../../../../vault/restorer/restore';
import { initVault, openVault } from '../../../../vault/repository/vault';
import { KeyUnwrapError, VaultCorruptionError } from '../../../../vault/vault-errors';
import { verifyVault } from '../../../../vault/checker/verify';
import { UnsafeEntryPathError } from '../../../../vault/restorer/safe-target-path';
import { newTestVault, pseudoRandomBytes, readTree, removeDir, SMALL_TUNING, tempDir, type TreeSpec } from '../../../support/vault-test-helpers';

const nameArb = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9 ._%+-]{1,12}$/),
  fc.constantFrom('naïve', 'ü', '日本語', 'emoji😀', 'a b', '-dash', 'a-b', 'a0', '%41', '+x'),
).filter((n) => n !== '.' && n !== '..');

const contentArb = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.tuple(fc.integer({ min: 1, max: 120_000 }), fc.integer()).map(([n, seed]) => pseudoRandomBytes(n, seed)),
  fc.tuple(fc.integer({ min: 1, max: 60_000 }), fc.string({ minLength: 1, maxLength: 5 })).map(([n, s]) => Buffer.from(s.repeat(n).slice(0, n))),
);

type Node = { kind: 'file'; content: Buffer } | { kind: 'dir'; children: Record<string, Node> } | { kind: 'link'; target: string };
const treeArb: fc.Arbitrary<Record<string, Node>> = fc.letrec<{ node: Node; dir: Record<string, Node> }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    contentArb.map((content): Node => ({ kind: 'file', content })),
    fc.constantFrom('target', '../outside', '/abs/path').map((target): Node => ({ kind: 'link', target })),
    tie('dir').map((children): Node => ({ kind: 'dir', children })),
  ),
  dir: fc.dictionary(nameArb, tie('node'), { maxKeys: 5 }),
})).dir;

async function writeTree(root: string, tree: Record<string, Node>): Promise<void> {
  await fs.mkdir(root, { recursive: true });
  for (const [name, node] of Object.entries(tree)) {
    const p = path.join(root, name);
    if (node.kind === 'file') await fs.writeFile(p, node.content);
    else if (node.kind === 'link') await fs.symlink(node.target, p);
    else await writeTree(p, node.children);
  }
}

function expectSameTree(actual: TreeSpec, expected: TreeSpec): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [k, v] of expected) {
    const a = actual.get(k);
    if (v === 'dir' || 'link' in v) expect(a).toEqual(v);
    else expect(a !== undefined && a !== 'dir' && 'file' in a && a.file.equals(v.file)).toBe(true);
  }
}

describe('vault backup and restore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('vault');
  });
  afterEach(async () => removeDir(dir));

  it('restore(backup(tree)) equals the tree, byte for byte, for arbitrary trees', async () => {
    const { vault } = await newTestVault(dir);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(treeArb, async (tree) => {
        run++;
        const src = path.join(dir, `src-${run}`);
        const out = path.join(dir, `out-${run}`);
        await writeTree(src, tree);
        const { snapshot } = await backupDirectory(vault, src, { parent: null });
        await restoreSnapshot(vault, snapshot, out);
        expectSameTree(await readTree(out), await readTree(src));
        await removeDir(src);
        await removeDir(out);
      }),
      { numRuns: 30 },
    );
    expect((await verifyVault(vault, { readData: true })).problems).toEqual([]);
  });

  it('deduplicates, reuses unchanged files from the parent, and restores modes, mtimes and subsets', async () => {
    const { vault, store, keyFile } = await newTestVault(dir);
    const src = path.join(dir, 'src');
    await writeTree(src, {
      big: { kind: 'file', content: pseudoRandomBytes(300_000, 9) },
      copy: { kind: 'file', content: pseudoRandomBytes(300_000, 9) },
      docs: { kind: 'dir', children: { 'a.txt': { kind: 'file', content: Buffer.from('hello '.repeat(5000)) }, empty: { kind: 'dir', children: {} } } },
      'docs-2': { kind: 'file', content: Buffer.from('x') },
      link: { kind: 'link', target: 'docs/a.txt' },
    });
    await fs.chmod(path.join(src, 'docs', 'a.txt'), 0o640);
    await fs.utimes(path.join(src, 'big'), 1_600_000_000, 1_600_000_000.5);
    const first = await backupDirectory(vault, src);
    expect(first.snapshot.stats.bytesNew).toBeLessThan(first.snapshot.stats.bytesScanned - 250_000); // `copy` deduplicated
    expect(first.snapshot.parent).toBeNull();

    await fs.appendFile(path.join(src, 'docs-2'), 'y');
    const second = await backupDirectory(vault, src);
    expect(second.snapshot.parent).toBe(first.snapshot.id);
    expect(second.snapshot.stats.bytesScanned).toBe(2); // only the changed file was read

    // A fresh process's view: open from the store and key file alone.
    const reopened = await openVault(new FileVaultStore(store.root), await KeyFileKeyProvider.load(keyFile));
    const snap = await reopened.resolveSnapshot(second.snapshot.id.slice(0, 8));
    const out = path.join(dir, 'out');
    const restored = await restoreSnapshot(reopened, snap, out);
    expectSameTree(await readTree(out), await readTree(src));
    // Entries are restored side by side; the byte count must still add up every file.
    expect(restored.bytes).toBe(snap.stats.bytes);
    expect((await fs.stat(path.join(out, 'docs', 'a.txt'))).mode & 0o777).toBe(0o640);
    expect((await fs.stat(path.join(out, 'big'))).mtimeMs).toBeCloseTo(1_600_000_000_500, 0);

    const sub = path.join(dir, 'sub');
    await restoreSnapshot(reopened, snap, sub, { include: 'docs' });
    expect([...(await readTree(sub)).keys()].sort()).toEqual(['docs', 'docs/a.txt', 'docs/empty']);

    const chunks: Buffer[] = [];
    for await (const c of readEntry(reopened, snap, 'big')) chunks.push(c);
    expect(Buffer.concat(chunks).equals(pseudoRandomBytes(300_000, 9))).toBe(true);
    expect((await reopened.listSnapshots()).map((s) => s.id)).toEqual([first.snapshot.id, second.snapshot.id]);
  });

  it('merges manifest parts of concurrent writers (shards) and refuses duplicate paths', async () => {
    const { vault } = await newTestVault(dir);
    const a = await vault.newSnapshotWriter();
    const b = await vault.newSnapshotWriter({ runEntries: 3 });
    await a.add({ path: 'm', kind: 'object', meta: { etag: '"1"' }, content: Buffer.from('one') });
    for (const p of ['z', 'a/b', 'a', 'k/1', 'k/2']) await b.add({ path: p, kind: 'object', meta: {}, content: Buffer.from(p.repeat(1000)) });
    const snap = await vault.commitSnapshot({ source: { kind: 's3-bucket', id: 's3://bucket' }, parts: await Promise.all([a.finish(), b.finish()]) });
    const paths: string[] = [];
    for await (const e of vault.entries(snap)) paths.push(e.path);
    expect(paths).toEqual(['a', 'a/b', 'k/1', 'k/2', 'm', 'z']);
    const c = await vault.newSnapshotWriter();
    await c.add({ path: 'm', kind: 'object', meta: {} });
    await expect(vault.commitSnapshot({ source: { kind: 's3-bucket', id: 's3://bucket' }, parts: [await c.finish(), await (await vault.newSnapshotWriter()).finish(), await a.finish()] })).rejects.toThrow(/more than once/);
  });

  it('restores a snapshot another process committed after this instance loaded its index (a warm Lambda, the DR vault)', async () => {
    const { vault: reader, store, keyFile } = await newTestVault(dir);
    const first = await reader.newSnapshotWriter();
    await first.add({ path: 'old', kind: 'object', meta: {}, content: pseudoRandomBytes(20_000, 1) });
    const old = await reader.commitSnapshot({ source: { kind: 'test', id: 't' }, parts: [await first.finish()] });
    const oldBytes: Buffer[] = [];
    for await (const piece of readEntry(reader, old, 'old')) oldBytes.push(piece);
    expect((await reader.index()).size).toBeGreaterThan(0);

    // Another process (the next backup, replication into the DR vault) writes new packs, index objects and a snapshot.
    const writer = await openVault(store, await KeyFileKeyProvider.load(keyFile));
    const newer = await writer.newSnapshotWriter();
    const data = pseudoRandomBytes(50_000, 2);
    await newer.add({ path: 'new', kind: 'object', meta: {}, content: data });
    const committed = await writer.commitSnapshot({ source: { kind: 'test', id: 't' }, parts: [await newer.finish()] });

    const seen = await reader.loadSnapshot(committed.id);
    const restored: Buffer[] = [];
    for await (const piece of readEntry(reader, seen, 'new')) restored.push(piece);
    expect(Buffer.concat(restored).equals(data)).toBe(true);
  });

  it('refuses to restore entries whose paths would leave the target', async () => {
    const { vault } = await newTestVault(dir);
    const w = await vault.newSnapshotWriter();
    await expect(w.add({ path: '../evil', kind: 'file', meta: {}, content: Buffer.from('x') })).rejects.toThrow(/invalid entry path/);
    await expect(w.add({ path: '/etc/passwd', kind: 'file', meta: {}, content: Buffer.from('x') })).rejects.toThrow(/absolute/);
    // A hostile manifest written by hand bypasses the writer's check; restore must still refuse it.
    const part = await w.finish();
    const snap = await vault.commitSnapshot({ source: { kind: 'test', id: 't' }, parts: [part] });
    expect(snap.stats.entries).toBe(0);
    const pages = new PageRunWriter(vault.store, vault.keys);
    await pages.add({ path: '../evil', kind: 'file', meta: {}, size: 0, content: [] });
    await pages.flush();
    const hostile = await vault.commitSnapshot({ source: { kind: 'test', id: 't' }, parts: [{ ...part, runs: [pages.pages] }] });
    await expect(restoreSnapshot(vault, hostile, path.join(dir, 'out'))).rejects.toThrow(UnsafeEntryPathError);
    await expect(fs.stat(path.join(dir, 'evil'))).rejects.toThrow();
  });

  it('opens with a passphrase, and reports a wrong key or passphrase as KeyUnwrapError', async () => {
    const store = new FileVaultStore(path.join(dir, 'v'), { durable: false });
    const cost = { N: 1024, r: 8, p: 1 };
    await initVault(store, new PassphraseKeyProvider('correct horse', cost), SMALL_TUNING);
    await expect(openVault(store, new PassphraseKeyProvider('correct horse', cost))).resolves.toBeDefined();
    await expect(openVault(store, new PassphraseKeyProvider('wrong', cost))).rejects.toThrow(KeyUnwrapError);
    await expect(openVault(store, await KeyFileKeyProvider.create(path.join(dir, 'k')))).rejects.toThrow(KeyUnwrapError);
  });
});

describe('tamper detection', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('tamper');
  });
  afterAll(async () => removeDir(dir));

  it('names the object when any byte of any pack, index, manifest, snapshot or config changes', async () => {
    const { vault, store, keyFile } = await newTestVault(dir);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'a'), pseudoRandomBytes(100_000, 5));
    await fs.writeFile(path.join(src, 'b.txt'), 'text '.repeat(20_000));
    await backupDirectory(vault, src);
    const keys: string[] = [];
    for await (const k of store.list('')) if (!k.startsWith('keys/')) keys.push(k);
    const pristine = new Map<string, Buffer>();
    for (const k of keys) pristine.set(k, await store.get(k));
    expect((await verifyVault(vault, { readData: true })).ok).toBe(true);

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), fc.nat(), fc.integer({ min: 1, max: 255 }), async (key, at, xor) => {
        const original = pristine.get(key) as Buffer;
        const bad = Buffer.from(original);
        const i = at % bad.length;
        bad[i] = (bad[i] as number) ^ xor;
        await store.put(key, bad);
        try {
          const detect = async (): Promise<void> => {
            const fresh = await openVault(new FileVaultStore(store.root), await KeyFileKeyProvider.load(keyFile));
            const report = await verifyVault(fresh, { readData: true });
            if (!report.ok) throw new VaultCorruptionError(store.location, report.problems.map((p) => p.key).join(','), report.problems[0]?.message ?? '');
          };
          // One detection, both assertions: opening and verifying the whole vault is the slow part.
          const detected = await detect().then(() => undefined, (err: unknown) => err);
          expect(detected).toBeInstanceOf(VaultCorruptionError);
          expect((detected as Error).message).toContain(key);
        } finally {
          await store.put(key, original);
        }
      }),
      { numRuns: 40 },
    );
  });
});
