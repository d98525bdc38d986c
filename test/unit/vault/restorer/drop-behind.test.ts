import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DropBehind, type PageCacheCalls } from '../../../../vault/restorer/drop-behind';
import { PosixCallError } from '../../../../vault/platform/posix-calls';
import { requireCalls } from '../../../support/hostile-fixture-tree';
import { pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

const MiB = 1024 * 1024;

/** Calls that record what was asked, on duplicates that are descriptors of /dev/null, which the test checks for being closed. */
function recordingCalls(options: { startWriteback?: (fd: number) => void; dropCleanPages?: (fd: number) => void } = {}) {
  const log: string[] = [];
  const duplicates = new Map<number, number>();
  const calls: PageCacheCalls = {
    duplicate: (fd) => {
      const copy = openSync('/dev/null', 'r');
      duplicates.set(copy, fd);
      return copy;
    },
    startWriteback: (fd) => {
      log.push(`writeback ${fd}`);
      options.startWriteback?.(fd);
    },
    dropCleanPages: (fd) => {
      log.push(`drop ${duplicates.get(fd)}`);
      options.dropCleanPages?.(fd);
    },
  };
  const open = (): number[] => [...duplicates.keys()].filter((fd) => isOpen(fd));
  return { calls, log, open };
}

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

describe('DropBehind (a restore\'s files leave the page cache behind it)', () => {
  it('starts each file\'s writeback, drops the oldest once the lag is passed, and closes every duplicate by finish', () => {
    const { calls, log, open } = recordingCalls();
    const drop = new DropBehind(calls, 2 * MiB, 256 * 1024);
    drop.written(101, MiB);
    drop.written(102, 100); // under the minimum: left to the kernel
    drop.written(103, MiB);
    drop.written(104, MiB); // 3 MiB kept: the oldest goes
    expect(log).toEqual(['writeback 101', 'writeback 103', 'writeback 104', 'drop 101']);
    expect(open()).toHaveLength(2);
    drop.finish();
    expect(log.slice(4)).toEqual(['drop 103', 'drop 104']);
    expect(open()).toEqual([]);
    // A file that finishes after the restore ended is left alone: no descriptor outlives finish.
    drop.written(105, MiB);
    expect(log).toHaveLength(6);
  });

  it('ignores calls that fail: the restore goes on, and the duplicates are closed all the same', () => {
    const { calls, log, open } = recordingCalls({
      startWriteback: (fd) => {
        if (fd === 2) throw new PosixCallError('sync_file_range', 5, null);
      },
      dropCleanPages: () => {
        throw new PosixCallError('posix_fadvise', 9, null);
      },
    });
    const drop = new DropBehind(calls, MiB, 0);
    for (let fd = 1; fd <= 4; fd++) drop.written(fd, MiB);
    drop.finish();
    // File 2's writeback failed: it was not kept, so it has no drop.
    expect(log.filter((l) => l.startsWith('drop'))).toEqual(['drop 1', 'drop 3', 'drop 4']);
    expect(open()).toEqual([]);
  });

  it('stops taking files once a call waits on the device (a disk slower than the restore), and still drops those it took', () => {
    let now = 0;
    const clock = jest.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const { calls, log, open } = recordingCalls({
        startWriteback: (fd) => {
          if (fd === 3) now += 30; // the device's queue is full
        },
      });
      const drop = new DropBehind(calls, 64 * MiB, 0, 25);
      for (let fd = 1; fd <= 6; fd++) drop.written(fd, MiB);
      expect(log).toEqual(['writeback 1', 'writeback 2', 'writeback 3']);
      drop.finish();
      expect(log.slice(3)).toEqual(['drop 1', 'drop 2', 'drop 3']);
      expect(open()).toEqual([]);
    } finally {
      clock.mockRestore();
    }
  });
});

// fincore (util-linux) reads which pages of a file are cached; without it the page cache cannot be observed from here.
const fincore = spawnSync('fincore', ['--version']).status === 0;
if (!fincore) console.warn('Skipping the page-cache test of DropBehind: fincore (util-linux) is not on PATH.');
// eslint-disable-next-line no-restricted-properties -- skipped only where fincore is missing, with the reason printed above
const cacheTest = fincore ? it : it.skip;

describe('DropBehind with the platform calls', () => {
  const calls = requireCalls();
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('drop-behind');
  });
  afterAll(async () => removeDir(dir));

  const residentBytes = (file: string): number => Number(spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' }).stdout.trim());

  cacheTest('drops the pages of the files it is past, keeps those of the last one until finish, and leaves every byte as written', () => {
    const files = [1, 2, 3].map((i) => ({ file: path.join(dir, `f${i}`), bytes: pseudoRandomBytes(2 * MiB, i) }));
    // Writeback that waits for the device (fsync), so that the pages are clean when their drop comes.
    const drop = new DropBehind({ duplicate: (fd) => calls.duplicate(fd), dropCleanPages: (fd) => calls.dropCleanPages(fd), startWriteback: (fd) => fsyncSync(fd) }, 3 * MiB, 0, Infinity);
    for (const { file, bytes } of files) {
      writeFileSync(file, bytes);
      const fd = openSync(file, 'r');
      expect(residentBytes(file)).toBe(2 * MiB);
      drop.written(fd, bytes.length);
      closeSync(fd);
    }
    // Each file pushed the kept bytes past 3 MiB: f1 and f2 are dropped, f3 waits for finish.
    expect(files.map(({ file }) => residentBytes(file))).toEqual([0, 0, 2 * MiB]);
    drop.finish();
    expect(files.map(({ file }) => residentBytes(file))).toEqual([0, 0, 0]);
    for (const { file, bytes } of files) expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('makes the calls on a real file: a duplicate of the same file, writeback started, clean pages dropped; a closed descriptor is EBADF', () => {
    const file = path.join(dir, 'calls');
    writeFileSync(file, pseudoRandomBytes(MiB, 9));
    const fd = openSync(file, 'r+');
    const copy = calls.duplicate(fd);
    try {
      expect(copy).not.toBe(fd);
      expect(fstatSync(copy).ino).toBe(fstatSync(fd).ino);
      calls.startWriteback(copy);
      calls.dropCleanPages(copy);
    } finally {
      closeSync(copy);
      closeSync(fd);
    }
    expect(readFileSync(file).equals(pseudoRandomBytes(MiB, 9))).toBe(true);
    expect(() => calls.startWriteback(copy)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'sync_file_range' }));
    expect(() => calls.dropCleanPages(copy)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'posix_fadvise' }));
    expect(() => calls.duplicate(copy)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'dup' }));
  });
});
