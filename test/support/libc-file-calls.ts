import { constants as osConstants } from 'node:os';
import koffi from 'koffi';

/**
 * The file-system calls the fidelity tests need and Node does not offer, made on glibc through
 * koffi (FFI with prebuilt binaries): extended attributes (`llistxattr`, `lgetxattr`, `lsetxattr`),
 * nanosecond-exact times that also reach a symlink (`utimensat` with AT_SYMLINK_NOFOLLOW), and
 * `mknod` for FIFOs, sockets and devices. Paths are raw bytes (Buffers), so names that are not
 * UTF-8 reach the kernel unchanged. None of these follows a symlink.
 *
 * This is test support: the archiver's own platform calls live in the engine and are not used
 * here, so a test never checks the engine with the engine's own code.
 */

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
/** The kernel's limit for the list of a file's attribute names and for one attribute value. */
const XATTR_LIST_MAX = 65536;
const XATTR_SIZE_MAX = 65536;

/** A libc call failed; `code` is the errno name (ENOTSUP, EPERM …). */
export class LibcCallError extends Error {
  override readonly name = 'LibcCallError';
  constructor(
    readonly call: string,
    readonly code: string,
    path: Buffer,
  ) {
    super(`${call}(${JSON.stringify(path.toString('latin1'))}) failed with ${code}${code === 'ENOTSUP' ? ': the file system does not support extended attributes here; run the test on ext4, xfs, btrfs or tmpfs' : ''}`);
  }
}

/** Linux has no libc soname to load elsewhere: the fidelity tests need Linux with glibc. */
export class LibcUnavailableError extends Error {
  override readonly name = 'LibcUnavailableError';
  constructor(cause: unknown) {
    super(`cannot load libc.so.6 through koffi (${(cause as Error).message}); the fidelity tests need Linux with glibc`);
  }
}

type Libc = {
  llistxattr: (path: Buffer, list: Buffer, size: number) => number | bigint;
  lgetxattr: (path: Buffer, name: string, value: Buffer, size: number) => number | bigint;
  lsetxattr: (path: Buffer, name: string, value: Buffer, size: number, flags: number) => number;
  utimensat: (dirfd: number, path: Buffer, times: Array<{ tv_sec: bigint; tv_nsec: bigint }>, flags: number) => number;
  mknod: (path: Buffer, mode: number, dev: bigint) => number;
};

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load('libc.so.6');
  } catch (err) {
    throw new LibcUnavailableError(err);
  }
  // koffi knows no `ssize_t`: intptr_t has its size and sign on every Linux ABI. The struct is
  // anonymous: koffi's type names are process-wide, and each jest test file loads this module anew.
  const timespec = koffi.struct({ tv_sec: 'int64_t', tv_nsec: 'int64_t' });
  libc = {
    llistxattr: lib.func('intptr_t llistxattr(const uint8_t *path, _Out_ uint8_t *list, size_t size)'),
    lgetxattr: lib.func('intptr_t lgetxattr(const uint8_t *path, const char *name, _Out_ uint8_t *value, size_t size)'),
    lsetxattr: lib.func('int lsetxattr(const uint8_t *path, const char *name, const uint8_t *value, size_t size, int flags)'),
    utimensat: lib.func('utimensat', 'int', ['int', 'const uint8_t *', koffi.pointer(timespec), 'int']),
    mknod: lib.func('int mknod(const uint8_t *path, uint32_t mode, uint64_t dev)'),
  };
  return libc;
}

/** The path as C wants it: its bytes and a NUL. */
function cPath(path: Buffer): Buffer {
  return Buffer.concat([path, Buffer.alloc(1)]);
}

function errnoName(): string {
  const errno = koffi.errno();
  return Object.entries(osConstants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
}

function check(call: string, path: Buffer, result: number | bigint): number {
  const n = Number(result);
  if (n < 0) throw new LibcCallError(call, errnoName(), path);
  return n;
}

/** The names of a file's extended attributes (the link's own for a symlink), in the kernel's order. */
export function listXattrs(path: Buffer): string[] {
  const list = Buffer.alloc(XATTR_LIST_MAX);
  const n = check('llistxattr', path, load().llistxattr(cPath(path), list, list.length));
  // Attribute names are NUL-terminated byte strings; the kernel accepts any bytes, tests use UTF-8 ones.
  return list
    .subarray(0, n)
    .toString('utf8')
    .split('\0')
    .filter((name) => name !== '');
}

/** One extended attribute's value (the link's own for a symlink). */
export function getXattr(path: Buffer, name: string): Buffer {
  const value = Buffer.alloc(XATTR_SIZE_MAX);
  const n = check('lgetxattr', path, load().lgetxattr(cPath(path), name, value, value.length));
  return Buffer.from(value.subarray(0, n));
}

/** Sets an extended attribute, creating or replacing it. */
export function setXattr(path: Buffer, name: string, value: Buffer): void {
  check('lsetxattr', path, load().lsetxattr(cPath(path), name, value, value.length, 0));
}

const NS_PER_SECOND = 1_000_000_000n;

/** Sets atime and mtime to `mtimeNs` (nanoseconds since the epoch, any sign), on the link itself for a symlink. */
export function setTimesNs(path: Buffer, mtimeNs: bigint): void {
  // timespec wants seconds rounded down and 0 ≤ nanoseconds < 10⁹, also before 1970.
  let seconds = mtimeNs / NS_PER_SECOND;
  let nanoseconds = mtimeNs % NS_PER_SECOND;
  if (nanoseconds < 0n) {
    seconds -= 1n;
    nanoseconds += NS_PER_SECOND;
  }
  const time = { tv_sec: seconds, tv_nsec: nanoseconds };
  check('utimensat', path, load().utimensat(AT_FDCWD, cPath(path), [time, time], AT_SYMLINK_NOFOLLOW));
}

/** File types mknod can create. */
export const NODE_TYPE = { fifo: 0o010000, charDevice: 0o020000, blockDevice: 0o060000, socket: 0o140000 } as const;

/** Creates a FIFO, socket or device node; the process umask applies to `permissions`, so callers chmod afterwards. */
export function makeNode(path: Buffer, type: (typeof NODE_TYPE)[keyof typeof NODE_TYPE], permissions: number, rdev: bigint = 0n): void {
  check('mknod', path, load().mknod(cPath(path), type | (permissions & 0o7777), rdev));
}

/** glibc's makedev: a device number from its major and minor numbers. */
export function makeDeviceNumber(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}
