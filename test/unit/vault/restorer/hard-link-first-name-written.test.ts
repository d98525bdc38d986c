import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { openVault, type Vault } from '../../../../vault/repository/vault';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { RestoreIncompleteError, restoreSnapshot } from '../../../../vault/restorer/restore';
import { VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** A store whose `get` is watched: `onGet` may count a read or fail it. */
function watchedStore(store: FileVaultStore, onGet: (key: string) => void): FileVaultStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'get')
        return (...args: Parameters<FileVaultStore['get']>) => {
          onGet(args[0]);
          return target.get(...args);
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Review r58K of 9a54011d: a hard link was linked to a first name the manifest holds with the link's content and that sorts
 * earlier, taken as written by this restore. F1: a first name on a page whose read failed once (reported damaged, its entries
 * skipped) and read again by the lookup was never written, and the link became a second name of the target's own file there.
 * F2: the lookup read one manifest page per link when first names were scattered.
 */
describe('a hard link restored by lifeboat vault restore', () => {
  let dir: string;
  let store: FileVaultStore;
  let keyFile: string;
  let vault: Vault;
  let recorded: { size: number; content: string[] };
  let parts: Awaited<ReturnType<Awaited<ReturnType<Vault['newSnapshotWriter']>>['finish']>>[];
  const CONTENT = 'backed up content\n';

  beforeAll(async () => {
    dir = await tempDir('hard-link-first-name-written');
    ({ vault, store, keyFile } = await newTestVault(dir));
    const writer = await vault.newSnapshotWriter({ inline: true });
    const stored = await writer.storeContent(Buffer.from(CONTENT));
    parts = [await writer.finish()];
    await vault.reloadIndex();
    recorded = { size: stored.size, content: [...stored.content] };
  });
  afterAll(async () => {
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  // A page closes at about 1 MiB of entries' JSON: three padded entries fill one.
  const PAD = 'p'.repeat(400_000);
  const file = (p: string, meta: Record<string, unknown> = {}): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644, note: PAD, ...meta }, ...recorded });

  it('is written as a file of its own when its first name was on a page that failed to read once (r58K F1)', async () => {
    const snapshot = await vault.commitSnapshot({
      source: { kind: 'directory', id: '/src-flaky' },
      parts,
      entries: [file('a'), file('b'), file('c'), file('d'), file('e'), file('z', { hardlink: 'a' })],
    });
    const refs = [];
    for await (const ref of (await vault.manifest(snapshot)).pageRefs()) refs.push(ref);
    expect(refs.map((r) => [r.first, r.last])).toEqual([
      ['a', 'c'],
      ['d', 'z'],
    ]);
    const flakyKey = manifestKey((refs[0] as { id: string }).id);
    let failed = false;
    const flaky = watchedStore(store, (key) => {
      if (key === flakyKey && !failed) {
        failed = true;
        throw new VaultObjectNotFoundError(store.location, key);
      }
    });
    const flakyVault = await openVault(flaky, await KeyFileKeyProvider.load(keyFile));
    const target = path.join(dir, 'target-flaky');
    await fs.mkdir(target);
    await fs.writeFile(path.join(target, 'a'), 'the user own file, not in the backup\n', { mode: 0o600 });

    const err = (await restoreSnapshot(flakyVault, snapshot, target, { overwrite: true }).catch((e: unknown) => e)) as RestoreIncompleteError;
    expect(err).toBeInstanceOf(RestoreIncompleteError);
    expect(err.damaged).toEqual([{ path: 'a', through: 'c', entries: 3, error: expect.any(VaultObjectNotFoundError) }]);
    // z holds its recorded content, and the user's file at a got no second name.
    expect(await fs.readFile(path.join(target, 'z'), 'utf8')).toBe(CONTENT);
    expect(await fs.readFile(path.join(target, 'a'), 'utf8')).toBe('the user own file, not in the backup\n');
    expect((await fs.stat(path.join(target, 'a'))).nlink).toBe(1);
    expect((await fs.stat(path.join(target, 'z'))).ino).not.toBe((await fs.stat(path.join(target, 'a'))).ino);
  });

  it('links later names whose first names are scattered over many pages without reading a page twice (r58K F2)', async () => {
    // Fifteen first names over five pages, then fifteen later names, each naming a first name far from the last one's page.
    const firsts = Array.from({ length: 15 }, (_, i) => `a/f${String(i).padStart(2, '0')}`);
    const firstOf = (j: number): string => firsts[(j * 7) % 15] as string;
    const links: ManifestEntry[] = Array.from({ length: 15 }, (_, j) => ({ path: `b/l${String(j).padStart(2, '0')}`, kind: 'file', meta: { mode: 0o644, hardlink: firstOf(j) }, ...recorded }));
    const dirs: ManifestEntry[] = ['a', 'b'].map((p) => ({ path: p, kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] }));
    const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/src-scattered' }, parts, entries: [dirs[0] as ManifestEntry, ...firsts.map((p) => file(p)), dirs[1] as ManifestEntry, ...links] });
    const reads = new Map<string, number>();
    const counting = watchedStore(store, (key) => {
      if (key.startsWith('manifest/')) reads.set(key, (reads.get(key) ?? 0) + 1);
    });
    const countingVault = await openVault(counting, await KeyFileKeyProvider.load(keyFile));
    const target = path.join(dir, 'target-scattered');

    const stats = await restoreSnapshot(countingVault, snapshot, target);

    expect(stats).toMatchObject({ files: 30, links: 15 });
    for (const [j, link] of links.entries()) {
      const [l, f] = await Promise.all([fs.stat(path.join(target, link.path)), fs.stat(path.join(target, firstOf(j)))]);
      expect(l.ino).toBe(f.ino);
    }
    expect([...reads].filter(([, n]) => n > 1)).toEqual([]);
  });

  // Review r59C F6: the record of written files is bounded (written-files.ts); a later name whose first name it left out is
  // written as a file of its own, holding its content, and said, not linked unseen nor dropped.
  it('writes a later name as a file of its own, and says why, when the record of written files was full', async () => {
    const firsts = Array.from({ length: 10 }, (_, i) => `a/f${i}`);
    const links: ManifestEntry[] = firsts.map((first, j) => ({ path: `b/l${j}`, kind: 'file', meta: { mode: 0o644, hardlink: first }, ...recorded }));
    const dirs: ManifestEntry[] = ['a', 'b'].map((p) => ({ path: p, kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] }));
    const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/src-full' }, parts, entries: [dirs[0] as ManifestEntry, ...firsts.map((p) => ({ path: p, kind: 'file' as const, meta: { mode: 0o644 }, ...recorded })), dirs[1] as ManifestEntry, ...links] });
    const target = path.join(dir, 'target-full');

    // Eight slots of 12 bytes: six files kept, the others written but not kept.
    const stats = await restoreSnapshot(vault, snapshot, target, { writtenFilesMaxBytes: 8 * 12 });

    let linked = 0;
    for (const [j, link] of links.entries()) {
      const [l, f] = await Promise.all([fs.stat(path.join(target, link.path)), fs.stat(path.join(target, firsts[j] as string))]);
      expect(await fs.readFile(path.join(target, link.path), 'utf8')).toBe(CONTENT);
      if (l.ino === f.ino) linked++;
    }
    expect(linked).toBeLessThanOrEqual(6);
    expect(stats.links).toBe(linked);
    expect(stats.notRestored).toHaveLength(10 - linked);
    for (const n of stats.notRestored) expect(n.what).toMatch(/^hard link not made to its first name "a\/f\d": this restore's record of the files it wrote was full at 6 files, and that name may have been written after/);
  });
});
