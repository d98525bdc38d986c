import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit R1 F4: `lifeboat vault restore --include a/b/f.txt` makes `a` and `a/b` on the way to the
 * file. They are entries of the snapshot, and come back with their recorded mode and mtime (as
 * restic restores an included path's parents), not 0700 dated by the restore.
 */
let dir: string;
let vault: Vault;
let snapshot: Snapshot;
let src: string;

/** Directory → [mode, mtime]; set deepest first, so a child's change does not move its parent's mtime. */
const RECORDED: ReadonlyArray<readonly [string, number, Date]> = [
  ['a/b/c', 0o700, new Date('2021-03-04T05:06:07.123Z')],
  ['a/b', 0o2775, new Date('2020-01-02T03:04:05.678Z')],
  ['a', 0o751, new Date('2019-06-07T08:09:10.111Z')],
];

beforeAll(async () => {
  dir = await tempDir('include-ancestors');
  ({ vault } = await newTestVault(dir));
  src = path.join(dir, 'src');
  await fs.mkdir(path.join(src, 'a', 'b', 'c'), { recursive: true });
  await fs.writeFile(path.join(src, 'a', 'b', 'f.txt'), 'the included file\n');
  await fs.writeFile(path.join(src, 'a', 'b', 'c', 'g.txt'), 'below the included directory\n');
  await fs.writeFile(path.join(src, 'a', 'beside.txt'), 'not included\n');
  for (const [d, mode, mtime] of RECORDED) {
    await fs.chmod(path.join(src, d), mode);
    await fs.utimes(path.join(src, d), mtime, mtime);
  }
  snapshot = (await backupDirectory(vault, src)).snapshot;
});
afterAll(async () => {
  await CodecPool.shutdownShared();
  await removeDir(dir);
});

async function modeAndTime(root: string, d: string): Promise<{ d: string; mode: number; mtime: number }> {
  const stats = await fs.stat(path.join(root, d));
  return { d, mode: stats.mode & 0o7777, mtime: stats.mtimeMs };
}

it.each([
  ['a file', 'a/b/f.txt', ['a', 'a/b']],
  ['a directory', 'a/b/c', ['a', 'a/b', 'a/b/c']],
  ['a directory written with a trailing slash', 'a/b/', ['a', 'a/b']],
])('restores the parents of %s with their recorded mode and mtime', async (_what, include, dirs) => {
  const target = path.join(dir, `out-${include.replace(/\W/g, '-')}`);
  await restoreSnapshot(vault, snapshot, target, { include });
  for (const d of dirs) expect(await modeAndTime(target, d)).toEqual(await modeAndTime(src, d));
  await expect(fs.access(path.join(target, 'a', 'beside.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
});

it('leaves a parent that was already in the target as it is (an overwrite in place), and still finishes the ones it made', async () => {
  const live = path.join(dir, 'live');
  await restoreSnapshot(vault, snapshot, live);
  // After the backup its owner locks a/ down and adds a file beside b; a/b is gone and comes back with the restore.
  await fs.chmod(path.join(live, 'a'), 0o700);
  await fs.writeFile(path.join(live, 'a', 'later.txt'), 'written after the backup\n');
  await fs.rm(path.join(live, 'a', 'b'), { recursive: true });
  const before = await modeAndTime(live, 'a');
  await restoreSnapshot(vault, snapshot, live, { include: 'a/b/c/g.txt', overwrite: true });
  // Its mode as its owner left it, and its time not set back to the recorded one (making b in it moved it forward, as any write does).
  const after = await modeAndTime(live, 'a');
  expect(after.mode).toBe(before.mode);
  expect(after.mtime).toBeGreaterThanOrEqual(before.mtime);
  expect(await modeAndTime(live, 'a/b')).toEqual(await modeAndTime(src, 'a/b'));
  expect(await modeAndTime(live, 'a/b/c')).toEqual(await modeAndTime(src, 'a/b/c'));
});
