import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type * as PosixCallsModule from '../../../../vault/platform/posix-calls';
import { PosixCallError, S_IFCHR, S_IFIFO } from '../../../../vault/platform/posix-calls';
import { isRoot, PRE_1970_NS, requireCalls, YEAR_2200_NS } from '../../../support/hostile-fixture-tree';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

describe('the platform calls (koffi → libc)', () => {
  const calls = requireCalls();
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('posix-calls');
  });
  afterAll(async () => removeDir(dir));

  it('sets, lists and reads extended attributes, binary and block-sized values included', async () => {
    const file = path.join(dir, 'xattrs');
    await fs.writeFile(file, 'x');
    // ext4 keeps at most about a block of attributes per file.
    const big = Buffer.alloc(3000, 0xab);
    calls.setXattr(file, 'user.small', Buffer.from([0, 1, 0xff]));
    calls.setXattr(file, 'user.big', big);
    expect(
      calls
        .listXattrs(file)
        .map((n) => n.toString())
        .sort(),
    ).toEqual(['user.big', 'user.small']);
    expect(calls.getXattr(file, 'user.small')).toEqual(Buffer.from([0, 1, 0xff]));
    expect(calls.getXattr(file, 'user.big').equals(big)).toBe(true);
  });

  it('sets an extended attribute through an open descriptor', async () => {
    const file = path.join(dir, 'xattr-fd');
    const fh = await fs.open(file, 'w');
    try {
      calls.setXattrFd(fh.fd, 'user.fd', Buffer.from('through fd'));
    } finally {
      await fh.close();
    }
    expect(calls.getXattr(file, 'user.fd').toString()).toBe('through fd');
  });

  it('reports errno as a typed error with the errno name', () => {
    const missing = path.join(dir, 'no-such-file');
    let caught: unknown;
    try {
      calls.getXattr(missing, 'user.any');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PosixCallError);
    expect(caught).toMatchObject({ code: 'ENOENT', syscall: 'lgetxattr', path: missing });
  });

  it('reads a missing attribute of an existing file as ENODATA', async () => {
    const file = path.join(dir, 'no-attr');
    await fs.writeFile(file, 'x');
    expect(() => calls.getXattr(file, 'user.absent')).toThrow(expect.objectContaining({ code: 'ENODATA' }) as Error);
  });

  it.each([
    ['before 1970', PRE_1970_NS],
    ['in 2200', YEAR_2200_NS],
    ['at a whole negative second', -1_000_000_000n],
    ['one ns before the epoch', -1n],
  ])('sets mtimes exact to the nanosecond %s, by path and by descriptor', async (_name, ns) => {
    const file = path.join(dir, `times-${ns}`);
    await fs.writeFile(file, 'x');
    calls.setTimes(file, ns, ns);
    expect((await fs.stat(file, { bigint: true })).mtimeNs).toBe(ns);
    const fh = await fs.open(file, 'r+');
    try {
      calls.setTimesFd(fh.fd, ns + 5n, ns + 3n);
    } finally {
      await fh.close();
    }
    const st = await fs.stat(file, { bigint: true });
    expect([st.atimeNs, st.mtimeNs]).toEqual([ns + 5n, ns + 3n]);
  });

  it('sets a symlink’s own times, not its target’s', async () => {
    const target = path.join(dir, 'link-target');
    const link = path.join(dir, 'link');
    await fs.writeFile(target, 'x');
    await fs.symlink(target, link);
    const before = (await fs.stat(target, { bigint: true })).mtimeNs;
    calls.setTimes(link, PRE_1970_NS, PRE_1970_NS);
    expect((await fs.lstat(link, { bigint: true })).mtimeNs).toBe(PRE_1970_NS);
    expect((await fs.stat(target, { bigint: true })).mtimeNs).toBe(before);
  });

  it('makes a FIFO', async () => {
    const fifo = path.join(dir, 'fifo');
    calls.makeNode(fifo, S_IFIFO | 0o640, 0n);
    const st = await fs.lstat(fifo);
    expect(st.isFIFO()).toBe(true);
  });

  // Device nodes need CAP_MKNOD: as root the device is made; otherwise the call must fail with EPERM (the restorer reports it).
  it(isRoot ? 'makes a character device with the given device number (root)' : 'refuses a character device with EPERM when not root (devices need root)', async () => {
    const node = path.join(dir, 'null-device');
    const rdev = (await fs.stat('/dev/null', { bigint: true })).rdev;
    if (!isRoot) {
      expect(() => calls.makeNode(node, S_IFCHR | 0o600, rdev)).toThrow(expect.objectContaining({ code: 'EPERM' }) as Error);
      return;
    }
    calls.makeNode(node, S_IFCHR | 0o600, rdev);
    const st = await fs.lstat(node, { bigint: true });
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(rdev);
  });

  it('works with paths that are not UTF-8', async () => {
    const file = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0x6e, 0xff, 0xfe])]);
    await fs.writeFile(file, 'x');
    calls.setXattr(file, 'user.k', Buffer.from('v'));
    calls.setTimes(file, PRE_1970_NS, PRE_1970_NS);
    expect(calls.getXattr(file, 'user.k').toString()).toBe('v');
    expect((await fs.stat(file, { bigint: true })).mtimeNs).toBe(PRE_1970_NS);
  });
});

describe('without the platform calls', () => {
  it('platformCalls() is null with the reason when they are turned off (as in a Lambda bundle without koffi)', () => {
    const previous = process.env.LIFEBOAT_PLATFORM_CALLS;
    process.env.LIFEBOAT_PLATFORM_CALLS = 'off';
    try {
      jest.isolateModules(() => {
        // A fresh copy of the module: the loaded state is per module instance.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require('../../../../vault/platform/posix-calls') as typeof PosixCallsModule;
        expect(fresh.platformCalls()).toBeNull();
        expect(fresh.platformCallsUnavailableReason()).toMatch(/LIFEBOAT_PLATFORM_CALLS=off/);
      });
    } finally {
      if (previous === undefined) delete process.env.LIFEBOAT_PLATFORM_CALLS;
      else process.env.LIFEBOAT_PLATFORM_CALLS = previous;
    }
  });
});
