import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { type RestoreOptions, restoreSnapshot } from '../../../../vault/restorer/restore';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { finishDirectories, openDirectoryRestorer } from '../../../../lambdas/restore/directory-writer';
import { captureTree, pathKey, type TreeCapture, withoutAttributes } from '../../../support/tree-capture';
import { buildHostileTree, isRoot, LATIN1_DIR, LATIN1_FILE, LATIN1_TARGET, PRE_1970_NS, requireCalls, SPARSE_SIZE, YEAR_2200_NS } from '../../../support/hostile-fixture-tree';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** The restore workflow's way: one shard's restorer over every entry in manifest order, then finishDirectories. */
async function restoreLikeWorkflow(vault: Vault, snapshot: Snapshot, target: string): Promise<void> {
  const entries: ManifestEntry[] = [];
  for await (const e of vault.entries(snapshot)) entries.push(e);
  const restorer = await openDirectoryRestorer(vault, target, () => true, { entries });
  for (const e of entries) await restorer.restoreEntry(e);
  await finishDirectories(target, entries);
}

function expectedAfterRestore(source: TreeCapture): TreeCapture {
  // A socket belongs to the process listening on it: it is reported, never recreated.
  return new Map([...source].filter(([, node]) => node.kind !== 'socket'));
}

describe('restore brings back what the backup met (issue 9, items 4 and 5)', () => {
  let dir: string;
  let vault: Vault;
  let src: string;
  let snapshot: Snapshot;
  let source: TreeCapture;
  let closeSocket: () => Promise<void>;
  beforeAll(async () => {
    dir = await tempDir('restore-fidelity');
    ({ vault } = await newTestVault(dir));
    src = path.join(dir, 'src');
    ({ close: closeSocket } = await buildHostileTree(src));
    const result = await backupDirectory(vault, src);
    expect(result.skipped).toEqual([]);
    snapshot = result.snapshot;
    source = await captureTree(src);
  });
  afterAll(async () => {
    await closeSocket();
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  it('records names and link targets that are not UTF-8 as escaped paths and exact bytes, and special files by type', async () => {
    const entries = new Map<string, ManifestEntry>();
    for await (const e of vault.entries(snapshot)) entries.set(e.path, e);
    const escapedDir = `%lifeboat-escaped-name-${LATIN1_DIR.toString('base64url')}`;
    expect(entries.get(escapedDir)?.kind).toBe('dir');
    expect(entries.get(`${escapedDir}/%lifeboat-escaped-name-${LATIN1_FILE.toString('base64url')}`)?.kind).toBe('file');
    // A real name that looks like an escape is escaped too (injective).
    expect(entries.has(`%lifeboat-escaped-name-${Buffer.from('%lifeboat-escaped-name-bm90LXJlYWxseQ').toString('base64url')}`)).toBe(true);
    expect(entries.get('link-latin1')?.meta['targetBytes']).toBe(LATIN1_TARGET.toString('base64'));
    expect(entries.get('fifo')).toMatchObject({ kind: 'special', meta: { type: 'fifo' } });
    expect(entries.get('socket')).toMatchObject({ kind: 'special', meta: { type: 'socket' } });
    expect(entries.get('hard/b')?.meta['hardlink']).toBe('hard/a');
    expect(entries.get('other/c')?.meta['hardlink']).toBe('hard/a');
    expect(entries.get('other/c')?.content).toEqual(entries.get('hard/a')?.content);
    expect(entries.get('old-dir/old.txt')?.meta['mtimeNs']).toBe(PRE_1970_NS.toString());
    expect(Object.keys(entries.get('xattrs.txt')?.meta['xattrs'] as object)).toEqual(['system.posix_acl_access', 'user.binary', 'user.color']);
    expect(Object.keys(entries.get('xattr-dir')?.meta['xattrs'] as object)).toEqual(['system.posix_acl_default', 'user.purpose']);
  });

  // Both codecs, each with both ways of making the per-file calls (vault/platform/file-calls.ts).
  it.each([
    ['through the codec workers, file calls on the calling thread', { fileCalls: 'calling-thread' }],
    ['through the codec workers, file calls on the thread pool', { fileCalls: 'thread-pool' }],
    ['in-thread, file calls on the calling thread', { inline: true, fileCalls: 'calling-thread' }],
    ['in-thread, file calls on the thread pool', { inline: true, fileCalls: 'thread-pool' }],
  ] as Array<[string, RestoreOptions]>)('vault restore (%s): every entry as the source has it — bytes, names, kinds, modes, owners, ns mtimes, targets, links, xattrs — and the socket reported', async (name, options) => {
    const target = path.join(dir, `restored-${name.replace(/\W+/g, '-')}`);
    const stats = await restoreSnapshot(vault, snapshot, target, options);
    expect(stats.notRestored).toEqual([{ path: 'socket', what: expect.stringContaining('socket not recreated') as string }]);
    expect(stats.links).toBe(2);
    expect(await captureTree(target)).toEqual(expectedAfterRestore(source));
  });

  it('restore workflow: the same, except owners (the runbook leaves files to the restoring user)', async () => {
    const target = path.join(dir, 'restored-workflow');
    await restoreLikeWorkflow(vault, snapshot, target);
    expect(withoutAttributes(await captureTree(target), ['uid', 'gid'])).toEqual(withoutAttributes(expectedAfterRestore(source), ['uid', 'gid']));
  });

  it('keeps a hard-link group as one inode with all its names', async () => {
    const target = path.join(dir, 'restored-links');
    await restoreSnapshot(vault, snapshot, target);
    const [a, b, c] = await Promise.all(['hard/a', 'hard/b', 'other/c'].map((p) => fs.stat(path.join(target, p))));
    expect(a?.nlink).toBe(3);
    expect(b?.ino).toBe(a?.ino);
    expect(c?.ino).toBe(a?.ino);
  });

  it('writes a later name of a hard link as a file of its own when the restore does not include the first name', async () => {
    const target = path.join(dir, 'restored-second-only');
    const stats = await restoreSnapshot(vault, snapshot, target, { include: 'hard/b' });
    expect(stats).toMatchObject({ files: 1, links: 0 });
    const st = await fs.stat(path.join(target, 'hard', 'b'));
    expect(st.nlink).toBe(1);
    expect(await fs.readFile(path.join(target, 'hard', 'b'), 'utf8')).toBe('one inode, three names\n');
    expect(await fs.readdir(target)).toEqual(['hard']);
  });

  it('restores the mtimes before 1970 and in 2200 exactly, on files, directories and symlinks', async () => {
    const target = path.join(dir, 'restored-times');
    await restoreSnapshot(vault, snapshot, target);
    expect((await fs.lstat(path.join(target, 'old-dir', 'old.txt'), { bigint: true })).mtimeNs).toBe(PRE_1970_NS);
    expect((await fs.lstat(path.join(target, 'old-dir'), { bigint: true })).mtimeNs).toBe(PRE_1970_NS + 7n);
    expect((await fs.lstat(path.join(target, 'old-link'), { bigint: true })).mtimeNs).toBe(PRE_1970_NS + 1n);
    expect((await fs.lstat(path.join(target, 'future.txt'), { bigint: true })).mtimeNs).toBe(YEAR_2200_NS);
  });

  it(isRoot ? 'gives entries their recorded owner when restoring as root' : 'leaves entries to the restoring user when not root (only root may give files away)', async () => {
    const target = path.join(dir, 'restored-owner');
    await restoreSnapshot(vault, snapshot, target);
    const st = await fs.stat(path.join(target, 'owned.txt'));
    const want = source.get(pathKey(Buffer.from('owned.txt')));
    expect([st.uid, st.gid]).toEqual(isRoot ? [want?.uid, want?.gid] : [process.getuid?.(), process.getgid?.()]);
  });

  it(isRoot ? 'recreates a FIFO and a character device as root' : 'recreates a FIFO, and reports the character device it may not make when not root', async () => {
    const target = path.join(dir, 'restored-specials');
    const stats = await restoreSnapshot(vault, snapshot, target);
    expect((await fs.lstat(path.join(target, 'fifo'))).isFIFO()).toBe(true);
    if (isRoot) {
      const st = await fs.lstat(path.join(target, 'null-device'), { bigint: true });
      expect(st.isCharacterDevice()).toBe(true);
      expect(st.rdev).toBe((await fs.stat('/dev/null', { bigint: true })).rdev);
    }
    expect(stats.specials).toBe(isRoot ? 2 : 1);
  });

  it('restores a sparse file with its holes (and dense with sparse off)', async () => {
    const sparseTarget = path.join(dir, 'restored-sparse');
    await restoreSnapshot(vault, snapshot, sparseTarget, { include: 'sparse.bin' });
    const sparse = await fs.stat(path.join(sparseTarget, 'sparse.bin'));
    expect(sparse.size).toBe(SPARSE_SIZE);
    expect(sparse.blocks * 512).toBeLessThan(SPARSE_SIZE / 8);
    // Buffer.equals: jest's toEqual walks 8 MiB element by element.
    expect((await fs.readFile(path.join(sparseTarget, 'sparse.bin'))).equals(await fs.readFile(path.join(src, 'sparse.bin')))).toBe(true);

    const denseTarget = path.join(dir, 'restored-dense');
    await restoreSnapshot(vault, snapshot, denseTarget, { include: 'sparse.bin', sparse: false });
    expect((await fs.stat(path.join(denseTarget, 'sparse.bin'))).blocks * 512).toBeGreaterThanOrEqual(SPARSE_SIZE);
  });

  it('notices an extended attribute changed alone in the next incremental backup', async () => {
    const calls = requireCalls();
    const own = path.join(dir, 'xattr-change');
    await fs.mkdir(own);
    await fs.writeFile(path.join(own, 'f.txt'), 'same bytes\n');
    calls.setXattr(path.join(own, 'f.txt'), 'user.state', Buffer.from('before'));
    const first = (await backupDirectory(vault, own)).snapshot;
    calls.setXattr(path.join(own, 'f.txt'), 'user.state', Buffer.from('after'));
    const second = (await backupDirectory(vault, own)).snapshot;
    expect(second.parent).toBe(first.id);
    const target = path.join(dir, 'restored-xattr-change');
    await restoreSnapshot(vault, second, target);
    expect(calls.getXattr(path.join(target, 'f.txt'), 'user.state').toString()).toBe('after');
  });
});
