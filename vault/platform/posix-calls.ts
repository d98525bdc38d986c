import type * as KoffiModule from 'koffi';
import { createRequire } from 'node:module';
import { getSystemErrorName } from 'node:util';

/**
 * The POSIX calls Node has no API for, made through koffi (an FFI with prebuilt binaries, no install
 * script): extended attributes (`llistxattr`, `lgetxattr`, `lsetxattr`, `fsetxattr`), nanosecond
 * times that may be before 1970 (`utimensat`, `futimens`; Node's utimes rounds to about a microsecond
 * and turns a negative time into "now"), special files (`mknod`) and the page-cache hints of a restore
 * (`sync_file_range`, `posix_fadvise`, `dup`: vault/restorer/drop-behind.ts), and glibc's malloc
 * parameters (`mallopt`: ./malloc-tuning.ts). This folder is the only place
 * of Lifeboat that calls native code.
 *
 * `platformCalls()` is null where the calls are not available: another OS than Linux on a 64-bit
 * CPU, koffi or libc not loadable (a Lambda bundle leaves koffi out), or `LIFEBOAT_PLATFORM_CALLS=off`.
 * Callers then fall back (docs/ARCHITECTURE.md, "Platform calls"): mtimes through fs.utimes
 * (microseconds), extended attributes neither backed up nor restored, special files not recreated,
 * and each such loss reported.
 */

/** A file-system path as Node takes it: a string, or the exact bytes when a name is not UTF-8. */
export type FsPath = string | Buffer;

/** A platform call failed; `code` is the errno name (`EPERM`, `ENOTSUP`, …) as in Node's own errors. */
export class PosixCallError extends Error {
  override readonly name = 'PosixCallError';
  readonly code: string;
  constructor(
    readonly syscall: string,
    readonly errno: number,
    readonly path: string | null,
  ) {
    const code = errnoName(errno);
    super(`${code}: ${syscall} failed${path === null ? '' : ` on ${path}`}`);
    this.code = code;
  }
}

/** Type bits of `mknod`'s mode (sys/stat.h; the same on every Linux architecture). */
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

export interface PosixCalls {
  /** The names of the extended attributes of `path` itself (a symlink is not followed), as raw bytes. */
  listXattrs(path: FsPath): Buffer[];
  /** The value of one extended attribute of `path` itself. */
  getXattr(path: FsPath, name: string): Buffer;
  /** Sets an extended attribute of `path` itself (a symlink is not followed). */
  setXattr(path: FsPath, name: string, value: Buffer): void;
  /** Sets an extended attribute of an open file or directory. */
  setXattrFd(fd: number, name: string, value: Buffer): void;
  /** Sets access and modification time, in nanoseconds since the epoch (negative: before 1970), of `path` itself (a symlink is not followed). */
  setTimes(path: FsPath, atimeNs: bigint, mtimeNs: bigint): void;
  /** The same for an open file or directory. */
  setTimesFd(fd: number, atimeNs: bigint, mtimeNs: bigint): void;
  /** Creates a FIFO or device node (`mode` = S_IF… | permission bits, `rdev` = the device number as stat reports it). */
  makeNode(path: FsPath, mode: number, rdev: bigint): void;
  /**
   * Starts writing an open file's dirty pages to its device (`sync_file_range`, SYNC_FILE_RANGE_WRITE):
   * the call does not wait for the writes, but it allocates the file's blocks and queues its writes,
   * and it waits while the device's queue is full.
   */
  startWriteback(fd: number): void;
  /** Drops an open file's cached pages that are clean (`posix_fadvise`, POSIX_FADV_DONTNEED); pages still dirty or being written stay. */
  dropCleanPages(fd: number): void;
  /** A second descriptor of the same open file (`dup`), closed with fs.closeSync. */
  duplicate(fd: number): number;
  /** Sets one of glibc's malloc parameters (`mallopt`, M_… from malloc.h); false when glibc refuses the value. */
  setMallocOption(param: number, value: number): boolean;
}

type Koffi = typeof KoffiModule;
type NativeFunction = (...args: unknown[]) => unknown;

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const NS_PER_SECOND = 1_000_000_000n;
/** First buffer tried for attribute names and values; a larger one is sized on ERANGE. */
const FIRST_TRY_BYTES = 4096;

let loaded: { calls: PosixCalls | null; reason: string } | undefined;

/** The platform calls, loaded on first use; null when unavailable (see platformCallsUnavailableReason). */
export function platformCalls(): PosixCalls | null {
  loaded ??= load();
  return loaded.calls;
}

/**
 * Loads the calls on the next turn of the event loop: loading koffi takes a few tens of
 * milliseconds of the main thread, which then overlap the I/O the caller starts meanwhile (opening
 * the vault) instead of delaying the restore's first file.
 */
export function prewarmPlatformCalls(): void {
  if (loaded) return;
  setImmediate(() => {
    loaded ??= load();
  });
}

/** Why platformCalls() is null (for the one line a backup or restore reports); '' when it is not. */
export function platformCallsUnavailableReason(): string {
  loaded ??= load();
  return loaded.reason;
}

function load(): { calls: PosixCalls | null; reason: string } {
  if (process.env.LIFEBOAT_PLATFORM_CALLS === 'off') return { calls: null, reason: 'platform calls are turned off (LIFEBOAT_PLATFORM_CALLS=off)' };
  // The timespec and dev_t layouts below are those of 64-bit Linux.
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
    return { calls: null, reason: `platform calls exist for 64-bit Linux only, not ${process.platform}/${process.arch}` };
  }
  let koffi: Koffi;
  try {
    // Resolved at run time (not bundled): a Lambda bundle that lacks koffi falls back instead of failing.
    koffi = createRequire(__filename)('koffi') as Koffi;
  } catch (err) {
    return { calls: null, reason: `koffi cannot be loaded (${(err as Error).message.split('\n')[0]})` };
  }
  try {
    return { calls: new LinuxPosixCalls(koffi, koffi.load('libc.so.6')), reason: '' };
  } catch (err) {
    return { calls: null, reason: `libc cannot be loaded through koffi (${(err as Error).message})` };
  }
}

class LinuxPosixCalls implements PosixCalls {
  private readonly llistxattr: NativeFunction;
  private readonly lgetxattr: NativeFunction;
  private readonly lsetxattr: NativeFunction;
  private readonly fsetxattr: NativeFunction;
  private readonly utimensat: NativeFunction;
  private readonly futimens: NativeFunction;
  private readonly mknod: NativeFunction;
  private readonly syncFileRange: NativeFunction;
  private readonly posixFadvise: NativeFunction;
  private readonly dup: NativeFunction;
  private readonly mallopt: NativeFunction;
  private readonly scratch = Buffer.alloc(FIRST_TRY_BYTES);

  constructor(
    private readonly koffi: Koffi,
    lib: ReturnType<Koffi['load']>,
  ) {
    // koffi has no ssize_t: intptr_t has its size. Paths and names go as NUL-terminated byte buffers.
    this.llistxattr = lib.func('intptr_t llistxattr(const void *path, void *list, size_t size)');
    this.lgetxattr = lib.func('intptr_t lgetxattr(const void *path, const void *name, void *value, size_t size)');
    this.lsetxattr = lib.func('int lsetxattr(const void *path, const void *name, const void *value, size_t size, int flags)');
    this.fsetxattr = lib.func('int fsetxattr(int fd, const void *name, const void *value, size_t size, int flags)');
    this.utimensat = lib.func('int utimensat(int dirfd, const void *path, const void *times, int flags)');
    this.futimens = lib.func('int futimens(int fd, const void *times)');
    this.mknod = lib.func('int mknod(const void *path, uint32_t mode, uint64_t dev)');
    this.syncFileRange = lib.func('int sync_file_range(int fd, int64_t offset, int64_t nbytes, uint32_t flags)');
    this.posixFadvise = lib.func('int posix_fadvise(int fd, int64_t offset, int64_t len, int advice)');
    this.dup = lib.func('int dup(int fd)');
    this.mallopt = lib.func('int mallopt(int param, int value)');
  }

  listXattrs(path: FsPath): Buffer[] {
    const cPath = cString(path);
    const list = this.sized('llistxattr', path, (buf, size) => this.llistxattr(cPath, buf, size));
    const names: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < list.length; i++) {
      if (list[i] !== 0) continue;
      if (i > start) names.push(Buffer.from(list.subarray(start, i)));
      start = i + 1;
    }
    return names;
  }

  getXattr(path: FsPath, name: string): Buffer {
    const cPath = cString(path);
    const cName = cString(name);
    return Buffer.from(this.sized('lgetxattr', path, (buf, size) => this.lgetxattr(cPath, cName, buf, size)));
  }

  setXattr(path: FsPath, name: string, value: Buffer): void {
    this.check('lsetxattr', path, this.lsetxattr(cString(path), cString(name), value, value.length, 0));
  }

  setXattrFd(fd: number, name: string, value: Buffer): void {
    this.check('fsetxattr', null, this.fsetxattr(fd, cString(name), value, value.length, 0));
  }

  setTimes(path: FsPath, atimeNs: bigint, mtimeNs: bigint): void {
    this.check('utimensat', path, this.utimensat(AT_FDCWD, cString(path), timespecs(atimeNs, mtimeNs), AT_SYMLINK_NOFOLLOW));
  }

  setTimesFd(fd: number, atimeNs: bigint, mtimeNs: bigint): void {
    this.check('futimens', null, this.futimens(fd, timespecs(atimeNs, mtimeNs)));
  }

  makeNode(path: FsPath, mode: number, rdev: bigint): void {
    this.check('mknod', path, this.mknod(cString(path), mode, rdev));
  }

  startWriteback(fd: number): void {
    // Offset 0 and length 0: the whole file.
    this.check('sync_file_range', null, this.syncFileRange(fd, 0, 0, SYNC_FILE_RANGE_WRITE));
  }

  dropCleanPages(fd: number): void {
    // posix_fadvise returns the error number itself rather than setting errno.
    const error = Number(this.posixFadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
    if (error !== 0) throw new PosixCallError('posix_fadvise', error, null);
  }

  duplicate(fd: number): number {
    const copy = Number(this.dup(fd));
    if (copy < 0) throw new PosixCallError('dup', this.koffi.errno(), null);
    return copy;
  }

  setMallocOption(param: number, value: number): boolean {
    // mallopt returns 1 on success, 0 on error (and sets no errno).
    return Number(this.mallopt(param, value)) === 1;
  }

  /**
   * Calls a "fill this buffer, return the length" function: first into a reused buffer (one call
   * when the answer fits, the usual case), then, on ERANGE, with the size it reports (the attribute
   * may grow in between: then again).
   */
  private sized(syscall: string, path: FsPath, call: (buf: Buffer | null, size: number) => unknown): Buffer {
    let n = Number(call(this.scratch, this.scratch.length));
    if (n >= 0) return this.scratch.subarray(0, n);
    for (;;) {
      const errno = this.koffi.errno();
      if (errno !== ERANGE) throw new PosixCallError(syscall, errno, display(path));
      n = Number(call(null, 0));
      if (n < 0) throw new PosixCallError(syscall, this.koffi.errno(), display(path));
      const buf = Buffer.alloc(n);
      const got = Number(call(buf, n));
      if (got >= 0) return buf.subarray(0, got);
    }
  }

  private check(syscall: string, path: FsPath | null, result: unknown): void {
    if (Number(result) < 0) throw new PosixCallError(syscall, this.koffi.errno(), path === null ? null : display(path));
  }
}

const ERANGE = 34;
const SYNC_FILE_RANGE_WRITE = 2;
const POSIX_FADV_DONTNEED = 4;

/** `struct timespec[2]` {atime, mtime} of 64-bit Linux: tv_sec int64, tv_nsec long in [0, 1e9). */
function timespecs(atimeNs: bigint, mtimeNs: bigint): Buffer {
  const buf = Buffer.alloc(32);
  writeTimespec(buf, 0, atimeNs);
  writeTimespec(buf, 16, mtimeNs);
  return buf;
}

function writeTimespec(buf: Buffer, at: number, ns: bigint): void {
  // BigInt division truncates toward zero; tv_nsec must not be negative, so round seconds down.
  let seconds = ns / NS_PER_SECOND;
  let rest = ns % NS_PER_SECOND;
  if (rest < 0n) {
    seconds -= 1n;
    rest += NS_PER_SECOND;
  }
  buf.writeBigInt64LE(seconds, at);
  buf.writeBigInt64LE(rest, at + 8);
}

/** `value` NUL-terminated, in one small allocation (Node's pool): a backup makes one per entry. */
function cString(value: FsPath): Buffer {
  if (typeof value === 'string') {
    if (value.includes('\0')) throw new TypeError(`a path or attribute name holds a NUL byte: ${JSON.stringify(value)}`);
    const length = Buffer.byteLength(value, 'utf8');
    const bytes = Buffer.allocUnsafe(length + 1);
    bytes.write(value, 0, 'utf8');
    bytes[length] = 0;
    return bytes;
  }
  if (value.includes(0)) throw new TypeError(`a path or attribute name holds a NUL byte: ${JSON.stringify(value.toString('utf8'))}`);
  const bytes = Buffer.allocUnsafe(value.length + 1);
  value.copy(bytes);
  bytes[value.length] = 0;
  return bytes;
}

function display(path: FsPath): string {
  return typeof path === 'string' ? path : path.toString('utf8');
}

function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}
