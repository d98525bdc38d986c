import { type BigIntStats, closeSync, fchmodSync, fchownSync, fstatSync, ftruncateSync, futimesSync, open as openCallback, readSync, renameSync, statfsSync, writeSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { promisify } from 'node:util';
import { type FsPath } from './posix-calls';

/**
 * A file the restore holds open: what the restorer, the codecs and the attribute writer call on it.
 * Node's FileHandle has this shape (every call a round trip to libuv's thread pool); CallingThreadFile
 * makes the same calls on the calling thread.
 */
export interface OpenFile {
  readonly fd: number;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  chmod(mode: number): Promise<void>;
  chown(uid: number, gid: number): Promise<void>;
  /** Times as decimal strings of seconds (attribute-writer.ts says why). */
  utimes(atime: string, mtime: string): Promise<void>;
  stat(options: { bigint: true }): Promise<BigIntStats>;
  close(): Promise<void>;
}

/** How a restore target opens its files and renames them onto their names: one of the two below. */
export type FileCalls = {
  readonly name: 'thread-pool' | 'calling-thread';
  open(path: FsPath, flags: number, mode: number): Promise<OpenFile>;
  rename(from: FsPath, to: FsPath): Promise<void>;
};

/** A call made on this thread, its result or error handed back as a settled promise, as the thread-pool form would. */
function now<T>(call: () => T): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

/**
 * An open descriptor whose calls are made on the calling thread. Like a FileHandle, it forgets its
 * descriptor when closed: a second close does nothing and any other call fails with EBADF, instead
 * of reaching whatever file the process has opened under the same number since.
 */
class CallingThreadFile implements OpenFile {
  private closed = false;

  constructor(readonly fd: number) {}

  private call<T>(syscall: string, make: (fd: number) => T): Promise<T> {
    if (this.closed) return Promise.reject(Object.assign(new Error(`EBADF: file closed, ${syscall}`), { code: 'EBADF', syscall }));
    return now(() => make(this.fd));
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    return this.call('read', (fd) => ({ bytesRead: readSync(fd, buffer, offset, length, position) }));
  }

  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }> {
    return this.call('write', (fd) => ({ bytesWritten: writeSync(fd, buffer, offset, length, position) }));
  }

  truncate(length: number): Promise<void> {
    return this.call('ftruncate', (fd) => ftruncateSync(fd, length));
  }

  chmod(mode: number): Promise<void> {
    return this.call('fchmod', (fd) => fchmodSync(fd, mode));
  }

  chown(uid: number, gid: number): Promise<void> {
    return this.call('fchown', (fd) => fchownSync(fd, uid, gid));
  }

  utimes(atime: string, mtime: string): Promise<void> {
    return this.call('futime', (fd) => futimesSync(fd, atime, mtime));
  }

  stat(options: { bigint: true }): Promise<BigIntStats> {
    return this.call('fstat', (fd) => fstatSync(fd, options));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return now(() => closeSync(this.fd));
  }
}

/**
 * Each call a round trip to libuv's thread pool: the event loop never waits for the file system.
 * For network file systems (EFS, NFS), where one call can wait on the server.
 */
export const THREAD_POOL_CALLS: FileCalls = {
  name: 'thread-pool',
  open: (path, flags, mode) => fs.open(path, flags, mode),
  rename: (from, to) => fs.rename(from, to),
};

/** fs.open's callback form: a plain descriptor (no FileHandle, which only closes on the thread pool), opened on the thread pool. */
const openDescriptor = promisify(openCallback);

/**
 * The open on the thread pool, every other call on the calling thread. On a local file system
 * those calls take microseconds, and a round trip to the thread pool costs more than the call: two
 * thread wake-ups and an event-loop turn. The open stays on the pool because creating a file can
 * take long (ext4 without a journal, as on the bench's machine, steps over every inode freed in the
 * last half minute whose inode-table block is not yet written), and the calling thread would stop
 * handing out work meanwhile. A restore of the bench's 1 GiB tree (1,697 files: open, chmod, times,
 * close and rename each) took 7–9 % less time (docs/BENCHMARKS.md, "Per-file calls on the calling
 * thread").
 */
export const CALLING_THREAD_CALLS: FileCalls = {
  name: 'calling-thread',
  open: async (path, flags, mode) => new CallingThreadFile(await openDescriptor(path, flags, mode)),
  rename: (from, to) => now(() => renameSync(from, to)),
};

/**
 * statfs(2) magic numbers of the file systems whose calls are made on the calling thread: disk and memory file
 * systems of the machine itself. Anything else (NFS, which EFS is; FUSE; SMB; one not listed) keeps
 * the thread pool.
 */
const LOCAL_FILE_SYSTEMS: ReadonlySet<number> = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x858458f6, // ramfs
  0x794c7630, // overlayfs
  0xf2f52010, // f2fs
  0x2fc12fc1, // zfs
]);

/** The calls for files under `dir` (which exists): on the calling thread on a local file system, the thread pool elsewhere or when statfs cannot tell. */
export function fileCallsFor(dir: FsPath): FileCalls {
  try {
    return LOCAL_FILE_SYSTEMS.has(statfsSync(dir).type) ? CALLING_THREAD_CALLS : THREAD_POOL_CALLS;
  } catch {
    return THREAD_POOL_CALLS;
  }
}
