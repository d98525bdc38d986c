import { constants as fsc, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CALLING_THREAD_CALLS, fileCallsFor, type FileCalls, THREAD_POOL_CALLS } from '../../../../vault/platform/file-calls';

describe('fileCallsFor', () => {
  it('makes the calls on the calling thread on a memory file system (tmpfs)', () => {
    expect(fileCallsFor('/dev/shm').name).toBe('calling-thread');
  });

  it('keeps the thread pool on a file system it does not know as local (procfs), and where statfs fails', () => {
    expect(fileCallsFor('/proc').name).toBe('thread-pool');
    expect(fileCallsFor(path.join(tmpdir(), 'lifeboat-no-such-directory', 'x')).name).toBe('thread-pool');
  });
});

describe.each([
  ['calling-thread', CALLING_THREAD_CALLS],
  ['thread-pool', THREAD_POOL_CALLS],
] as Array<[string, FileCalls]>)('%s file calls', (_name, calls) => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-file-calls-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('write, read back, truncate, chmod, utimes, stat, close and rename a file as their names say', async () => {
    const temp = path.join(dir, '.temp');
    const fh = await calls.open(temp, fsc.O_RDWR | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    const data = Buffer.from('the restored bytes, then some more');
    expect((await fh.write(data, 0, data.length, 0)).bytesWritten).toBe(data.length);
    const back = Buffer.alloc(8);
    expect((await fh.read(back, 0, 8, 4)).bytesRead).toBe(8);
    expect(back.toString()).toBe('restored');
    await fh.truncate(18);
    await fh.chmod(0o640);
    await fh.utimes('86400.5', '172800.25');
    const stats = await fh.stat({ bigint: true });
    await calls.rename(temp, path.join(dir, 'final'));
    await fh.close();
    expect(existsSync(temp)).toBe(false);
    expect(readFileSync(path.join(dir, 'final'), 'utf8')).toBe('the restored bytes');
    const final = statSync(path.join(dir, 'final'), { bigint: true });
    expect({ ino: stats.ino, size: stats.size, mode: stats.mode & 0o7777n, mtimeNs: stats.mtimeNs }).toEqual({ ino: final.ino, size: 18n, mode: 0o640n, mtimeNs: 172_800_250_000_000n });
  });

  it('refuse as the system call does: an existing name with O_EXCL, and a rename from a missing name, as rejections with the errno code', async () => {
    const name = path.join(dir, 'taken');
    await (await calls.open(name, fsc.O_WRONLY | fsc.O_CREAT, 0o600)).close();
    const again = calls.open(name, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
    await expect(again).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(calls.rename(path.join(dir, 'missing'), name)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a file opened with the calling-thread calls, once closed', () => {
  it('closes again as a no-op and refuses every other call with EBADF, never touching the file that reuses its number', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-file-calls-'));
    try {
      const fh = await CALLING_THREAD_CALLS.open(path.join(dir, 'first'), fsc.O_RDWR | fsc.O_CREAT, 0o600);
      await fh.close();
      // The kernel hands out the lowest free number: the next open most likely gets the same one.
      const other = await CALLING_THREAD_CALLS.open(path.join(dir, 'second'), fsc.O_RDWR | fsc.O_CREAT, 0o600);
      await expect(fh.close()).resolves.toBeUndefined();
      await expect(fh.write(Buffer.from('stray'), 0, 5, 0)).rejects.toMatchObject({ code: 'EBADF' });
      await expect(fh.chmod(0o777)).rejects.toMatchObject({ code: 'EBADF' });
      await expect(fh.truncate(100)).rejects.toMatchObject({ code: 'EBADF' });
      const stats = await other.stat({ bigint: true });
      await other.close();
      expect({ size: stats.size, mode: stats.mode & 0o777n }).toEqual({ size: 0n, mode: 0o600n });
      expect(readFileSync(path.join(dir, 'second'), 'utf8')).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
