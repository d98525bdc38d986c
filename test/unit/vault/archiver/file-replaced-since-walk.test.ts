import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileBlocks, readBlocks, readRegularFile } from '../../../../vault/archiver/block-source';
import { isFileAccessError, NotRegularFileError } from '../../../../vault/archiver/file-access-error';
import { REPO_ROOT } from '../../../support/repo-root';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * A file the walk found regular may be something else by the time it is read. Opened plainly, a FIFO put in its place
 * made the backup wait for a writer forever (no snapshot, no message), and a symlink was followed out of the tree. Both
 * readers (the vault CLI's, fileBlocks; the workflow's directory shards', readBlocks and readRegularFile) now refuse them
 * as file-access errors, which leave the file out of the snapshot, reported.
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

  it('does not follow a symlink put in a file\'s place, and says it was replaced', async () => {
    const err: unknown = await fileBlocks(link, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotRegularFileError);
    expect((err as Error).message).toBe(`${link} is no longer a regular file (a symlink since the walk)`);
    expect(isFileAccessError(err)).toBe(true);
    await expect(readBlocks(link).next()).rejects.toThrow(NotRegularFileError);
    await expect(readRegularFile(link)).rejects.toThrow(NotRegularFileError);
  });

  it('refuses a socket in a file\'s place as a file-access error (open(2) answers ENXIO)', async () => {
    const socketPath = path.join(dir, 'now-a-socket');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const err: unknown = await fileBlocks(socketPath, 10).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ENXIO' });
      expect(isFileAccessError(err)).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the directory shards\' whole-file read refuses a FIFO at once too', async () => {
    await expect(readRegularFile(fifo)).rejects.toThrow(NotRegularFileError);
  });

  it('reads a regular file under another process\'s write lease, waiting for the lease\'s break as a plain open does', async () => {
    const leased = path.join(dir, 'leased');
    await fs.writeFile(leased, 'leased content');
    const holder = spawn('python3', [path.join(REPO_ROOT, 'test', 'support', 'file-lease-holder.py'), leased], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => (d.toString().includes('ready') ? resolve() : undefined));
        holder.on('exit', (code) => reject(new Error(`the lease holder exited (${String(code)}) before holding the lease`)));
      });
      // The non-blocking open answers EWOULDBLOCK while the lease is held: the file is opened again, waiting.
      expect((await readRegularFile(leased)).toString()).toBe('leased content');
    } finally {
      holder.kill();
    }
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
