import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { entriesNotRestored } from '../../../../vault/restorer/not-restored';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit a58B F9: a name longer than the target's file system allows (255 bytes here; a backup of a CIFS share can hold
 * one) stopped `lifeboat vault restore` with a raw "ENAMETOOLONG: … rename" and left every entry after it unrestored. It
 * is listed as not restored (exit 3) and the restore goes on; a directory's too long name is said once for what lies
 * below it. A name of 255 bytes restores: the temporary name beside it is never the longer one.
 */
describe('names too long for the target', () => {
  let dir: string;
  let vault: Vault;
  const CONTENT = 'restored\n';
  let recorded: { size: number; content: string[] };
  let parts: Awaited<ReturnType<Awaited<ReturnType<Vault['newSnapshotWriter']>>['finish']>>[];

  beforeAll(async () => {
    dir = await tempDir('names-too-long');
    ({ vault } = await newTestVault(dir));
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

  const snapshotOf = (entries: ManifestEntry[]): Promise<Snapshot> => vault.commitSnapshot({ source: { kind: 'directory', id: '/cifs-share' }, parts, entries });
  const file = (p: string, meta: ManifestEntry['meta'] = {}): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644, ...meta }, ...recorded });
  const directory = (p: string): ManifestEntry => ({ path: p, kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] });

  const longest = 'L'.repeat(255);
  const longestWide = `${'é'.repeat(127)}x`;
  const tooLong = 'x'.repeat(256);
  const longDir = 'd'.repeat(300);

  it('lists each entry it could not make as not restored, restores every other entry, and says a directory once for what lies below it', async () => {
    const snapshot = await snapshotOf([
      file('a.txt'),
      file(longest),
      file(longestWide),
      file(tooLong),
      directory(longDir),
      file(`${longDir}/one`),
      file(`${longDir}/two`),
      directory(`${longDir}/sub`),
      file(`${longDir}/sub/three`),
      file('z.txt'),
      // Another name of the file that could not be made: written as a file of its own, not linked to nothing.
      file('zz', { hardlink: tooLong }),
    ]);
    const target = path.join(dir, 'target');
    const stats = await restoreSnapshot(vault, snapshot, target);

    expect((await fs.readdir(target)).sort()).toEqual(['a.txt', longest, longestWide, 'z.txt', 'zz'].sort());
    for (const name of ['a.txt', longest, longestWide, 'z.txt', 'zz']) expect(await fs.readFile(path.join(target, name), 'utf8')).toBe(CONTENT);
    expect(stats).toMatchObject({ entries: 11, files: 5, links: 0, dirs: 0 });
    const tooLongName = (name: string): string =>
      `not restored: the target's file system refuses its name as too long (ENAMETOOLONG; the name is ${Buffer.byteLength(name)} bytes, the path in the target ${Buffer.byteLength(path.join(target, name))}: most file systems allow names of 255 bytes and paths of 4,095)`;
    expect(stats.notRestored).toEqual([
      { path: longDir, what: tooLongName(longDir) },
      { path: tooLong, what: tooLongName(tooLong) },
      {
        path: `${longDir}/one`,
        what: `not restored: the directory ${JSON.stringify(longDir)} above it could not be made, the target's file system refusing its name (or path) as too long (ENAMETOOLONG) (and for 3 more entries)`,
        entries: 4,
        below: longDir,
      },
    ]);
    expect(entriesNotRestored(stats.notRestored)).toBe(6);
  });

  it('says a symlink target too long for the target is its target, not its name (review r58K F7)', async () => {
    const longTarget = 't'.repeat(5000);
    const snapshot = await snapshotOf([{ path: 'link', kind: 'symlink', meta: { target: longTarget }, size: 0, content: [] }, file('z.txt')]);
    const target = path.join(dir, 'target-symlink');
    const stats = await restoreSnapshot(vault, snapshot, target);

    expect(await fs.readdir(target)).toEqual(['z.txt']);
    expect(stats.notRestored).toEqual([
      { path: 'link', what: "not restored: the target's file system refuses its symlink target as too long (ENAMETOOLONG; the target is 5000 bytes: most file systems allow 4,095)" },
    ]);
  });
});
