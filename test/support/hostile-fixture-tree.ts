import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { platformCalls, type PosixCalls, S_IFCHR, S_IFIFO } from '../../vault/platform/posix-calls';

/** Names and targets that are not UTF-8 (Latin-1 bytes, a lone continuation byte). */
export const LATIN1_DIR = Buffer.from([0x64, 0x69, 0x72, 0xff, 0xfe]);
export const LATIN1_FILE = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]);
export const LATIN1_TARGET = Buffer.from([0x74, 0x6f, 0x2d, 0x80, 0x2f, 0x78]);

export const LONG_UTF8_NAME = 'あ'.repeat(85);
export const LONG_BYTES_NAME = Buffer.alloc(255, 0xfe);

/** 1966-01-01 minus a few ns, 2200-01-01 plus a few ns: times Node's utimes gets wrong. */
export const PRE_1970_NS = -126_230_400_000_000_000n + 123_456_789n;
export const YEAR_2200_NS = 7_258_118_400_000_000_000n + 987_654_321n;

export const SPARSE_SIZE = 8 * 1024 * 1024;

/**
 * A POSIX ACL in the kernel's xattr form (version 2; entries tag, perm, id): owner rw-, user
 * `uid` r--, owning group r--, mask r--, other r-- (the form `getfacl` shows as user:<uid>:r--).
 */
export function aclXattr(uid: number): Buffer {
  const entries: Array<[number, number, number]> = [
    [0x01, 6, 0xffffffff],
    [0x02, 4, uid],
    [0x04, 4, 0xffffffff],
    [0x10, 4, 0xffffffff],
    [0x20, 4, 0xffffffff],
  ];
  const buf = Buffer.alloc(4 + entries.length * 8);
  buf.writeUInt32LE(2, 0);
  entries.forEach(([tag, perm, id], i) => {
    buf.writeUInt16LE(tag, 4 + i * 8);
    buf.writeUInt16LE(perm, 6 + i * 8);
    buf.writeUInt32LE(id, 8 + i * 8);
  });
  return buf;
}

export function requireCalls(): PosixCalls {
  const calls = platformCalls();
  if (!calls) throw new Error('these tests need the platform calls (koffi on 64-bit Linux)');
  return calls;
}

export const isRoot = process.getuid?.() === 0;

/**
 * Builds, under `root`, a tree with everything a restore must bring back: names and a symlink
 * target that are not UTF-8, names of 255 bytes, a name that looks like an escaped one, a FIFO, a character device
 * (root only), a socket (listening until `close`), a hard-link group of three names in two
 * directories, an owner that is not the restoring user's (root only), mtimes before 1970 and in
 * 2200 on a file, a directory and a symlink, extended attributes and ACLs on a file and a
 * directory, and a sparse file with a hole at its end.
 */
export async function buildHostileTree(root: string): Promise<{ close: () => Promise<void> }> {
  const calls = requireCalls();
  const b = (rel: string | Buffer): Buffer => Buffer.concat([Buffer.from(`${root}/`), typeof rel === 'string' ? Buffer.from(rel) : rel]);
  await fs.mkdir(root, { recursive: true });
  await fs.writeFile(path.join(root, 'plain.txt'), 'plain\n');
  await fs.mkdir(b(LATIN1_DIR));
  await fs.writeFile(b(Buffer.concat([LATIN1_DIR, Buffer.from('/'), LATIN1_FILE])), 'bytes in a latin-1 name\n');
  await fs.writeFile(path.join(root, '%lifeboat-escaped-name-bm90LXJlYWxseQ'), 'a real name that looks escaped\n');
  await fs.symlink(LATIN1_TARGET, b('link-latin1'));
  // Names of the longest length a name may have (255 bytes), in three-byte characters and in bytes that are not UTF-8.
  await fs.writeFile(path.join(root, LONG_UTF8_NAME), 'long name\n');
  await fs.writeFile(b(LONG_BYTES_NAME), 'long bytes name\n');

  calls.makeNode(b('fifo'), S_IFIFO | 0o640, 0n);
  if (isRoot) calls.makeNode(b('null-device'), S_IFCHR | 0o666, (await fs.stat('/dev/null', { bigint: true })).rdev);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(path.join(root, 'socket'), resolve));

  await fs.mkdir(path.join(root, 'hard'));
  await fs.mkdir(path.join(root, 'other'));
  await fs.writeFile(path.join(root, 'hard', 'a'), 'one inode, three names\n');
  await fs.link(path.join(root, 'hard', 'a'), path.join(root, 'hard', 'b'));
  await fs.link(path.join(root, 'hard', 'a'), path.join(root, 'other', 'c'));

  await fs.writeFile(path.join(root, 'owned.txt'), 'someone else’s\n');
  if (isRoot) await fs.chown(path.join(root, 'owned.txt'), 1234, 5678);

  await fs.writeFile(path.join(root, 'xattrs.txt'), 'with attributes\n');
  calls.setXattr(path.join(root, 'xattrs.txt'), 'user.color', Buffer.from('blue'));
  calls.setXattr(path.join(root, 'xattrs.txt'), 'user.binary', Buffer.from([0, 1, 2, 0xff]));
  calls.setXattr(path.join(root, 'xattrs.txt'), 'system.posix_acl_access', aclXattr(4242));
  await fs.mkdir(path.join(root, 'xattr-dir'));
  await fs.writeFile(path.join(root, 'xattr-dir', 'inside.txt'), 'in a directory with attributes\n');
  calls.setXattr(path.join(root, 'xattr-dir'), 'user.purpose', Buffer.from('testing'));
  calls.setXattr(path.join(root, 'xattr-dir'), 'system.posix_acl_default', aclXattr(4243));

  const sparse = await fs.open(path.join(root, 'sparse.bin'), 'w');
  await sparse.write(Buffer.alloc(4096, 7), 0, 4096, 0);
  await sparse.write(Buffer.alloc(4096, 9), 0, 4096, 6 * 1024 * 1024);
  await sparse.truncate(SPARSE_SIZE);
  await sparse.close();

  await fs.mkdir(path.join(root, 'old-dir'));
  await fs.writeFile(path.join(root, 'old-dir', 'old.txt'), 'before 1970\n');
  await fs.writeFile(path.join(root, 'future.txt'), 'in 2200\n');
  await fs.symlink('old-dir/old.txt', path.join(root, 'old-link'));
  calls.setTimes(path.join(root, 'old-dir', 'old.txt'), PRE_1970_NS, PRE_1970_NS);
  calls.setTimes(path.join(root, 'future.txt'), YEAR_2200_NS, YEAR_2200_NS);
  calls.setTimes(path.join(root, 'old-link'), PRE_1970_NS, PRE_1970_NS + 1n);
  // Directories last: creating their children changed their times.
  calls.setTimes(path.join(root, 'old-dir'), PRE_1970_NS, PRE_1970_NS + 7n);
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
