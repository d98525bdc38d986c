import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type EntryAttributes } from '../../../../vault/restorer/entry-attributes';
import { PieceFileMissingError, RestoreTarget } from '../../../../vault/restorer/restore-target';
import { piecePathFor } from '../../../../vault/restorer/target-path';
import { UnsafeEntryPathError } from '../../../../vault/restorer/safe-target-path';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/** The piece file of a large file restored by several shards (RestoreTarget.createFilePieces / writeFilePiece / finishFilePieces). */
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
  // Review 41d F5: names cut to the same first 100 bytes get a piece file each (a hash of the whole name after the cut).
  const [one, two] = [`/t/${'n'.repeat(120)}-one.bin`, `/t/${'n'.repeat(120)}-two.bin`].map((p) => piecePathFor(p, 'r-1') as string);
  expect(one).not.toBe(two);
  expect(one).toMatch(new RegExp(`^/t/\\.${'n'.repeat(100)}~[0-9a-f]{12}\\.lifeboat-r-1\\.part$`));
  const bytes = (piecePathFor(Buffer.from(`/t/${'n'.repeat(120)}-\xff.bin`, 'latin1'), 'r-1') as Buffer).toString('latin1');
  expect(bytes).toMatch(/~[0-9a-f]{12}\.lifeboat-r-1\.part$/);
});

it('pieces written side by side meet in one file, which appears under its name only once finished, its length set', async () => {
  const target = new RestoreTarget(path.join(dir, 't'), { owner: 'never' });
  await target.createFilePieces('d/f', 'r1');
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
  await expect(target.createFilePieces('d/f', 'r2')).rejects.toMatchObject({ code: 'ELOOP' });
  await expect(target.writeFilePiece('d/f', 'r2', (fh) => fh.write(Buffer.from('x'), 0, 1, 0).then((r) => r.bytesWritten))).rejects.toMatchObject({ code: 'ELOOP' });
  expect(await fs.readFile(path.join(dir, 'outside'), 'utf8')).toBe('keep');
});

it('refuses to finish a piece file that holds more than the entry, and discards it', async () => {
  const target = new RestoreTarget(path.join(dir, 't'), { owner: 'never' });
  await target.createFilePieces('f', 'r3');
  await target.writeFilePiece('f', 'r3', (fh) => fh.write(Buffer.alloc(10), 0, 10, 0).then((r) => r.bytesWritten));
  await expect(target.finishFilePieces('f', 'r3', 4, attributes)).rejects.toThrow(UnsafeEntryPathError);
  await target.discardFilePieces('f', 'r3');
  await expect(fs.lstat(piecePathFor(path.join(dir, 't', 'f'), 'r3'))).rejects.toMatchObject({ code: 'ENOENT' });
});

it('a piece written after its piece file was removed (the restore abandoned) fails naming it, and creates nothing', async () => {
  const root = path.join(dir, 't');
  const target = new RestoreTarget(root, { owner: 'never' });
  await target.createFilePieces('d/e/f', 'r4');
  // A retried plan step creates it again: what is there stays.
  await target.writeFilePiece('d/e/f', 'r4', (fh) => fh.write(Buffer.from('kept'), 0, 4, 0).then((r) => r.bytesWritten));
  await target.createFilePieces('d/e/f', 'r4');
  expect(await fs.readFile(piecePathFor(path.join(root, 'd', 'e', 'f'), 'r4'), 'utf8')).toBe('kept');

  await target.discardFilePieces('d/e/f', 'r4');
  let wrote = false;
  const late = target.writeFilePiece('d/e/f', 'r4', (fh) => {
    wrote = true;
    return fh.write(Buffer.alloc(4096, 1), 0, 4096, 0).then((r) => r.bytesWritten);
  });
  await expect(late).rejects.toThrow(PieceFileMissingError);
  await expect(late).rejects.toThrow('the piece file d/e/.f.lifeboat-r4.part is not in the target, so this piece of "d/e/f" was not written by restore r4');
  expect(wrote).toBe(false);
  expect(await fs.readdir(path.join(root, 'd', 'e'))).toEqual([]);

  // Nor are the directories above it made again (a drill's cleanup removed its scratch directory).
  await fs.rm(path.join(root, 'd'), { recursive: true });
  await expect(target.writeFilePiece('d/e/f', 'r4', (fh) => fh.write(Buffer.from('x'), 0, 1, 0).then((r) => r.bytesWritten))).rejects.toThrow(PieceFileMissingError);
  expect(await fs.readdir(root)).toEqual([]);
});

it('writes no piece through a symlink planted where the plan made a directory', async () => {
  const root = path.join(dir, 't');
  const target = new RestoreTarget(root, { owner: 'never', overwrite: true });
  await target.createFilePieces('d/f', 'r5');
  await fs.mkdir(path.join(dir, 'elsewhere'));
  await fs.rename(piecePathFor(path.join(root, 'd', 'f'), 'r5') as string, path.join(dir, 'elsewhere', '.f.lifeboat-r5.part'));
  await fs.rm(path.join(root, 'd'), { recursive: true });
  await fs.symlink(path.join(dir, 'elsewhere'), path.join(root, 'd'));
  await expect(target.writeFilePiece('d/f', 'r5', (fh) => fh.write(Buffer.from('x'), 0, 1, 0).then((r) => r.bytesWritten))).rejects.toThrow(UnsafeEntryPathError);
  expect((await fs.stat(path.join(dir, 'elsewhere', '.f.lifeboat-r5.part'))).size).toBe(0);
});
