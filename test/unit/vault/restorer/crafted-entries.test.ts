import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { RestoreIncompleteError, restoreSnapshot } from '../../../../vault/restorer/restore';
import { UnsafeEntryPathError } from '../../../../vault/restorer/safe-target-path';
import { VaultCorruptionError } from '../../../../vault/vault-errors';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { mapBounded } from '../../../../vault';
import { openDirectoryRestorer } from '../../../../lambdas/restore/directory-writer';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { expectWrittenNotLinked as writtenNotLinked } from '../../../support/written-not-linked';

/**
 * Snapshots a backup never records, crafted with the vault's own code (commitSnapshot's `entries` skip the checks a
 * writer makes of entry paths): a hard link whose first name is reached through a symlink, a size its blobs do not
 * hold, a symlink that meets a directory of the target.
 */
describe('the directory restorer on crafted entries', () => {
  let dir: string;
  let vault: Vault;
  let outside: string;
  const SECRET = 'outside the target, not to be touched\n';
  const BACKED_UP = 'inside the backup\n';
  let backedUp: { size: number; content: string[] };
  let parts: Awaited<ReturnType<Awaited<ReturnType<Vault['newSnapshotWriter']>>['finish']>>[];

  beforeAll(async () => {
    dir = await tempDir('crafted-entries');
    ({ vault } = await newTestVault(dir));
    outside = path.join(dir, 'outside');
    await fs.mkdir(outside);
    await fs.writeFile(path.join(outside, 'secret'), SECRET);
    const writer = await vault.newSnapshotWriter({ inline: true });
    const recorded = await writer.storeContent(Buffer.from(BACKED_UP));
    parts = [await writer.finish()];
    // The writer's index objects are stored now; the one the vault loaded for the writer predates them.
    await vault.reloadIndex();
    backedUp = { size: recorded.size, content: [...recorded.content] };
  });
  afterAll(async () => {
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  const snapshotOf = (entries: ManifestEntry[]): Promise<Snapshot> => vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, entries });
  const file = (p: string, meta: ManifestEntry['meta'] = {}): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644, ...meta }, size: backedUp.size, content: backedUp.content });
  const symlink = (p: string, target: string): ManifestEntry => ({ path: p, kind: 'symlink', meta: { target }, size: 0, content: [] });

  const expectWrittenNotLinked = (restored: string): Promise<void> => writtenNotLinked(restored, BACKED_UP, path.join(outside, 'secret'), SECRET);

  it('never links a file to a first name reached through a symlink already in the target: the content is written instead', async () => {
    const snapshot = await snapshotOf([file('notes.txt', { hardlink: 'lnk/secret' })]);
    const target = path.join(dir, 'through-target-link');
    await fs.mkdir(target);
    await fs.symlink(outside, path.join(target, 'lnk'));
    const stats = await restoreSnapshot(vault, snapshot, target, { overwrite: true });
    expect(stats).toMatchObject({ files: 1, links: 0 });
    await expectWrittenNotLinked(path.join(target, 'notes.txt'));
    expect(await fs.readlink(path.join(target, 'lnk'))).toBe(outside);
  });

  it('never links a file to a first name that is itself a symlink (link(2) would make another symlink)', async () => {
    const snapshot = await snapshotOf([file('notes.txt', { hardlink: 'to-secret' })]);
    const target = path.join(dir, 'first-is-link');
    await fs.mkdir(target);
    await fs.symlink(path.join(outside, 'secret'), path.join(target, 'to-secret'));
    await restoreSnapshot(vault, snapshot, target, { overwrite: true });
    await expectWrittenNotLinked(path.join(target, 'notes.txt'));
  });

  it('the workflow’s way (manifest order, 16 at a time): a symlink of the snapshot on the way to a first name is not followed either', async () => {
    const fillers = Array.from({ length: 20 }, (_, i) => file(`f${String(i).padStart(2, '0')}`));
    const entries = [symlink('a', outside), ...fillers, file('z', { hardlink: 'a/secret' })];
    const target = path.join(dir, 'workflow-order');
    const restorer = await openDirectoryRestorer(vault, target, () => true, { overwrite: true });
    await mapBounded(entries, 16, (e) => restorer.restoreEntry(e));
    await expectWrittenNotLinked(path.join(target, 'z'));
    expect(await fs.readlink(path.join(target, 'a'))).toBe(outside);
  });

  it('still links a later name to its first name when that is a regular file of the target, reached without a link', async () => {
    const snapshot = await snapshotOf([
      { path: 'd', kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] },
      file('d/first'),
      file('e', { hardlink: 'd/first' }),
    ]);
    const target = path.join(dir, 'plain-link');
    const stats = await restoreSnapshot(vault, snapshot, target);
    expect(stats).toMatchObject({ files: 2, links: 1 });
    const [first, later] = await Promise.all([fs.stat(path.join(target, 'd', 'first')), fs.stat(path.join(target, 'e'))]);
    expect(later.ino).toBe(first.ino);
  });

  // Audit a58B F1: only the include, the sort order and the damaged files were checked, not that this restore wrote the first name.
  it.each([
    ['a first name the snapshot does not hold', (): ManifestEntry[] => [file('b', { hardlink: 'aaa' })], 'b', 'aaa'],
    [
      'a key beside a public directory',
      (): ManifestEntry[] => [{ path: 'public', kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] }, file('public/index.html', { hardlink: 'private/id_rsa' })],
      'public/index.html',
      'private/id_rsa',
    ],
    ['a first name below a directory of the snapshot', (): ManifestEntry[] => [{ path: 'aaa', kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] }, file('b', { hardlink: 'aaa/x' })], 'b', 'aaa/x'],
  ])(
    'with --overwrite, never makes a hard link another name of the target’s own file at %s: the content is written, and said (audit a58B F1)',
    async (_what, entries, later, first) => {
      const why = 'the backup has no entry there';
      const snapshot = await snapshotOf(entries());
      const target = path.join(dir, `own-file-${later.replace(/\W/g, '-')}-${first.replace(/\W/g, '-')}`);
      await fs.mkdir(path.dirname(path.join(target, first)), { recursive: true });
      await fs.writeFile(path.join(target, first), SECRET, { mode: 0o600 });
      const stats = await restoreSnapshot(vault, snapshot, target, { overwrite: true });
      expect(stats).toMatchObject({ files: 1, links: 0 });
      await writtenNotLinked(path.join(target, later), BACKED_UP, path.join(target, first), SECRET);
      expect(stats.notRestored).toEqual([{ path: later, what: `hard link not made to its first name ${JSON.stringify(first)}: ${why}; its recorded content was written to it as a file of its own` }]);
    },
  );

  it('does not link to a first name of the snapshot that is not a file, or holds other content: each is restored as recorded', async () => {
    const writer = await vault.newSnapshotWriter({ inline: true });
    const other = await writer.storeContent(Buffer.from('another file\n'));
    const otherParts = [...parts, await writer.finish()];
    await vault.reloadIndex();
    const snapshot = await vault.commitSnapshot({
      source: { kind: 'directory', id: '/src' },
      parts: otherParts,
      entries: [
        { path: 'a', kind: 'file', meta: { mode: 0o644 }, size: other.size, content: [...other.content] },
        file('b', { hardlink: 'a' }),
        symlink('c', 'a'),
        file('d', { hardlink: 'c' }),
        { path: 'dd', kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] },
        file('e', { hardlink: 'dd' }),
      ],
    });
    const target = path.join(dir, 'first-of-other-content');
    const stats = await restoreSnapshot(vault, snapshot, target);
    expect(stats).toMatchObject({ files: 4, links: 0, symlinks: 1, dirs: 1 });
    expect(await fs.readFile(path.join(target, 'a'), 'utf8')).toBe('another file\n');
    expect(await fs.readFile(path.join(target, 'b'), 'utf8')).toBe(BACKED_UP);
    expect(await fs.readFile(path.join(target, 'd'), 'utf8')).toBe(BACKED_UP);
    expect((await fs.stat(path.join(target, 'a'))).nlink).toBe(1);
    const note = (first: string, why: string): string => `hard link not made to its first name ${JSON.stringify(first)}: ${why}; its recorded content was written to it as a file of its own`;
    expect(stats.notRestored).toEqual([
      { path: 'b', what: note('a', "the backup's file there holds other content") },
      { path: 'd', what: note('c', "the backup's entry there is a symlink, not a file") },
      { path: 'e', what: note('dd', "the backup's entry there is a dir, not a file") },
    ]);
    expect(await fs.readFile(path.join(target, 'e'), 'utf8')).toBe(BACKED_UP);
  });

  it('names the entry being restored, not its first name, when the first name would leave the target', async () => {
    const snapshot = await snapshotOf([file('notes.txt', { hardlink: '/etc/hostname' })]);
    const restore = restoreSnapshot(vault, snapshot, path.join(dir, 'absolute-first'));
    await expect(restore).rejects.toThrow(UnsafeEntryPathError);
    await expect(restore).rejects.toThrow('Refusing to restore entry "notes.txt": it is another name (a hard link) of "/etc/hostname", which is an absolute path.');
  });

  it('does not link a later name to a first name that sorts after it: that one is not restored yet, the target still holds its old file', async () => {
    const snapshot = await snapshotOf([file('m', { hardlink: 'x' }), file('x')]);
    const target = path.join(dir, 'first-after-later');
    await fs.mkdir(target);
    await fs.writeFile(path.join(target, 'x'), 'OLD CONTENT\n');
    const stats = await restoreSnapshot(vault, snapshot, target, { overwrite: true });
    expect(stats).toMatchObject({ files: 2, links: 0 });
    const [m, x] = await Promise.all([fs.stat(path.join(target, 'm')), fs.stat(path.join(target, 'x'))]);
    expect(m.ino).not.toBe(x.ino);
    expect(await fs.readFile(path.join(target, 'm'), 'utf8')).toBe(BACKED_UP);
    expect(await fs.readFile(path.join(target, 'x'), 'utf8')).toBe(BACKED_UP);
  });

  it('refuses a first name out of the target even where the restore does not cover that name (a workflow shard), naming the entry', async () => {
    const target = path.join(dir, 'out-of-shard-first');
    const restorer = await openDirectoryRestorer(vault, target, (p) => p >= 'm', { overwrite: true });
    await expect(restorer.restoreEntry(file('notes.txt', { hardlink: '../outside/secret' }))).rejects.toThrow(
      'Refusing to restore entry "notes.txt": it is another name (a hard link) of "../outside/secret", which',
    );
    expect(await fs.readFile(path.join(outside, 'secret'), 'utf8')).toBe(SECRET);
  });

  it('refuses a file whose recorded size its blobs do not hold as damaged, writes nothing for it, and restores the others', async () => {
    const snapshot = await snapshotOf([{ ...file('big.bin'), size: 100000 }, file('ok.txt')]);
    const target = path.join(dir, 'size-disagrees');
    const restore = restoreSnapshot(vault, snapshot, target);
    await expect(restore).rejects.toThrow(RestoreIncompleteError);
    const err = (await restore.catch((e: unknown) => e)) as RestoreIncompleteError;
    expect(err.damaged.map((d) => d.path)).toEqual(['big.bin']);
    expect(err.damaged[0]?.error).toBeInstanceOf(VaultCorruptionError);
    expect(err.damaged[0]?.error.message).toContain(`object entry "big.bin" is corrupt: it records 100000 bytes, but its blobs hold ${backedUp.size} by the vault's index`);
    expect(await fs.readdir(target)).toEqual(['ok.txt']);
  });

  it('says a symlink meeting a directory of the target stopped the restore, as for any other entry', async () => {
    const snapshot = await snapshotOf([{ path: 'docs', kind: 'dir', meta: { mode: 0o555 }, size: 0, content: [] }, file('docs/readme'), symlink('current', 'docs')]);
    const target = path.join(dir, 'symlink-meets-dir');
    await fs.mkdir(path.join(target, 'current'), { recursive: true });
    const restore = restoreSnapshot(vault, snapshot, target, { overwrite: true });
    await expect(restore).rejects.toThrow(UnsafeEntryPathError);
    await expect(restore).rejects.toThrow(
      'Refusing to restore entry "current": a directory is already there in the target. Nothing was written for it, and the restore stopped there: entries after it were not restored, and the directories restored so far lack their final modes and times.',
    );
    expect((await fs.stat(path.join(target, 'current'))).isDirectory()).toBe(true);
  });

  it('refuses a path with a "." or an empty segment instead of restoring "a/./b", "a//b" and "a/b" onto one file (audit a58B F6)', async () => {
    const snapshot = await snapshotOf([{ path: 'a', kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] }, file('a/./b'), file('a//b'), file('a/b')]);
    const target = path.join(dir, 'dot-and-empty-segments');
    const restore = restoreSnapshot(vault, snapshot, target);
    await expect(restore).rejects.toThrow(UnsafeEntryPathError);
    // Manifest order: "/" sorts first, so "a//b" comes before "a/./b" and "a/b".
    await expect(restore).rejects.toThrow('Refusing to restore entry "a//b": it contains an empty segment (a "/" at its start or end, or two in a row), which no manifest path has');
    // Entries run side by side, so "a/b" itself may be in place; nothing else was written, and no temporary file is left.
    expect((await fs.readdir(path.join(target, 'a'))).filter((name) => name !== 'b')).toEqual([]);
  });
});
