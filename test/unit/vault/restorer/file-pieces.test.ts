import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type EntryAttributes } from '../../../../vault/restorer/entry-attributes';
import { RestoreTarget } from '../../../../vault/restorer/restore-target';
import { piecePathFor } from '../../../../vault/restorer/target-path';
import { UnsafeEntryPathError } from '../../../../vault/restorer/safe-target-path';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/** The piece file of a large file restored by several shards (RestoreTarget.writeFilePiece / finishFilePieces). */
let dir: string;
beforeEach(async () => {
  dir = await tempDir('file-pieces');
});
afterEach(async () => {
  await removeDir(dir);
});

const attributes: EntryAttributes = { mode: 0o600, mtimeNs: 1_700_000_000_000_000_000n, uid: null, gid: null, xattrs: null };

it('names the piece file after the entry and the restore, and refuses a restore id that is not a plain name', () => {
  expect(piecePathFor('/t/media/video.raw', 'r-1_a')).toBe('/t/media/.video.raw.lifeboat-r-1_a.part');
  for (const id of ['', '../x', 'a/b', 'x'.repeat(101)]) expect(() => piecePathFor('/t/f', id)).toThrow(TypeError);
});

it('pieces written side by side meet in one file, which appears under its name only once finished, its length set', async () => {
  const target = new RestoreTarget(path.join(dir, 't'), { owner: 'never' });
  await Promise.all([
    target.writeFilePiece('d/f', 'r1', (fh) => fh.write(Buffer.from('world'), 0, 5, 6).then((r) => r.bytesWritten)),
    target.writeFilePiece('d/f', 'r1', (fh) => fh.write(Buffer.from('hello '), 0, 6, 0).then((r) => r.bytesWritten)),
  ]);
  await expect(fs.lstat(path.join(dir, 't', 'd', 'f'))).rejects.toMatchObject({ code: 'ENOENT' });
  expect(await target.finishFilePieces('d/f', 'r1', 14, attributes)).toBe(true);
  expect(await fs.readFile(path.join(dir, 't', 'd', 'f'))).toEqual(Buffer.concat([Buffer.from('hello world'), Buffer.alloc(3)]));
  const stats = await fs.stat(path.join(dir, 't', 'd', 'f'));
  expect([stats.mode & 0o7777, stats.mtimeMs]).toEqual([0o600, 1_700_000_000_000]);
  // A second finish (a retried verify step) finds nothing left to do.
  expect(await target.finishFilePieces('d/f', 'r1', 14, attributes)).toBe(false);
});

it('never writes through a symlink planted at the piece file’s name', async () => {
  const target = new RestoreTarget(path.join(dir, 't'), { owner: 'never' });
  await fs.mkdir(path.join(dir, 't', 'd'), { recursive: true });
  await fs.writeFile(path.join(dir, 'outside'), 'keep');
  await fs.symlink(path.join(dir, 'outside'), piecePathFor(path.join(dir, 't', 'd', 'f'), 'r2') as string);
  await expect(target.writeFilePiece('d/f', 'r2', (fh) => fh.write(Buffer.from('x'), 0, 1, 0).then((r) => r.bytesWritten))).rejects.toMatchObject({ code: 'ELOOP' });
  expect(await fs.readFile(path.join(dir, 'outside'), 'utf8')).toBe('keep');
});

it('refuses to finish a piece file that holds more than the entry, and discards it', async () => {
  const target = new RestoreTarget(path.join(dir, 't'), { owner: 'never' });
  await target.writeFilePiece('f', 'r3', (fh) => fh.write(Buffer.alloc(10), 0, 10, 0).then((r) => r.bytesWritten));
  await expect(target.finishFilePieces('f', 'r3', 4, attributes)).rejects.toThrow(UnsafeEntryPathError);
  await target.discardFilePieces('f', 'r3');
  await expect(fs.lstat(piecePathFor(path.join(dir, 't', 'f'), 'r3'))).rejects.toMatchObject({ code: 'ENOENT' });
});
