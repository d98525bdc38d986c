import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileBlocks, readBlocks } from '../../../../vault/archiver/block-source';
import { isFileAccessError, NotRegularFileError } from '../../../../vault/archiver/file-access-error';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * A file the walk found regular may be something else by the time it is read. Opened plainly, a FIFO put in its place
 * made the backup wait for a writer forever (no snapshot, no message), and a symlink was followed out of the tree. Both
 * readers (the vault CLI's, fileBlocks; the workflow's directory shards', readBlocks) now refuse them as file-access
 * errors, which leave the file out of the snapshot, reported.
 */
describe('reading a file replaced since the walk', () => {
  let dir: string;
  let fifo: string;
  let link: string;
  beforeAll(async () => {
    dir = await tempDir('file-replaced');
    fifo = path.join(dir, 'was-a-file');
    execFileSync('mkfifo', [fifo]);
    await fs.writeFile(path.join(dir, 'outside'), 'not under the walked tree');
    link = path.join(dir, 'now-a-link');
    await fs.symlink(path.join(dir, 'outside'), link);
  });
  afterAll(() => removeDir(dir));

  it('refuses a FIFO at once instead of waiting for a writer, as a file-access error', async () => {
    const err: unknown = await fileBlocks(fifo, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotRegularFileError);
    expect((err as Error).message).toBe(`${fifo} is no longer a regular file (a FIFO since the walk)`);
    expect(isFileAccessError(err)).toBe(true);
    await expect(readBlocks(fifo).next()).rejects.toThrow(NotRegularFileError);
  });

  it('does not follow a symlink put in a file\'s place (ELOOP, a file-access error)', async () => {
    const err: unknown = await fileBlocks(link, 10).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ELOOP' });
    expect(isFileAccessError(err)).toBe(true);
    await expect(readBlocks(link).next()).rejects.toMatchObject({ code: 'ELOOP' });
  });

  it('reads a regular file as before', async () => {
    const file = path.join(dir, 'regular');
    await fs.writeFile(file, 'twelve bytes');
    const source = await fileBlocks(file, 12);
    const block = await source.next();
    const into = Buffer.alloc(12);
    expect(await block?.fill(into, 0)).toBe(12);
    await source.close();
    expect(into.toString()).toBe('twelve bytes');
  });
});
