import { createHash } from 'node:crypto';
import { type BigIntStats } from 'node:fs';
import * as fs from 'node:fs/promises';
import { type EntryPath, type FileContent, type HostileNode, type HostileTree, type Inode, type Owner } from './hostile-tree';
import { makeNode, NODE_TYPE, setTimesNs, setXattr } from './libc-file-calls';
import { type CapturedEntry, pathKey } from './tree-capture';
import { pseudoRandomBytes } from './vault-test-helpers';

/**
 * Writes a HostileTree at `dir` (which must not exist) with Buffer paths, so every name reaches the
 * file system byte for byte. The order is a restorer's: every entry is created first (directories
 * u+rwx), then each inode gets its owner, extended attributes, mode and mtime — in that order,
 * because chown clears setuid/setgid, an ACL sets the mode's group bits, and user.* attributes need
 * write access — and directories get theirs last, deepest first (creating a child changes a
 * directory's mtime; a read-only mode would block the children; a default ACL would be inherited
 * by them).
 */
export async function writeHostileTree(dir: string | Buffer, tree: HostileTree): Promise<void> {
  const root = Buffer.from(dir);
  const abs = (p: EntryPath): Buffer => joinPath(root, p);
  for (const node of tree.nodes) await createNode(abs(node.path), node, abs);
  for (const node of tree.nodes) {
    if (node.kind === 'dir' || node.kind === 'hardLink') continue;
    if (node.kind === 'symlink') {
      await chown(abs(node.path), node.owner);
      setTimesNs(abs(node.path), node.mtimeNs);
      continue;
    }
    await applyInode(abs(node.path), node.inode);
  }
  const dirs = tree.nodes.filter((n): n is Extract<HostileNode, { kind: 'dir' }> => n.kind === 'dir');
  dirs.sort((a, b) => b.path.length - a.path.length);
  for (const d of dirs) await applyInode(abs(d.path), d.inode);
}

/** The absolute path of an entry: the tree's directory and the entry's segments, joined by '/'. */
export function joinPath(root: Buffer, p: EntryPath): Buffer {
  return Buffer.concat([root, ...p.flatMap((segment) => [Buffer.from('/'), segment])]);
}

/** The bytes of a dense file, or of the data at one end of a sparse file. */
export function seededBytes(length: number, seed: number): Buffer {
  return pseudoRandomBytes(length, seed + 1);
}

/** The whole content of a file as it reads back (a sparse file's holes read as zeros). */
export function fileBytes(content: FileContent): Buffer {
  if (content.kind === 'dense') return seededBytes(content.size, content.seed);
  const out = Buffer.alloc(content.size);
  seededBytes(content.head.length, content.head.seed).copy(out, 0);
  seededBytes(content.tail.length, content.tail.seed).copy(out, content.size - content.tail.length);
  return out;
}

async function createNode(path: Buffer, node: HostileNode, abs: (p: EntryPath) => Buffer): Promise<void> {
  switch (node.kind) {
    case 'dir':
      await fs.mkdir(path, { mode: 0o700 });
      return;
    case 'file':
      await writeContent(path, node.content);
      return;
    case 'hardLink':
      await fs.link(abs(node.to), path);
      return;
    case 'symlink':
      await fs.symlink(node.target, path);
      return;
    case 'fifo':
      makeNode(path, NODE_TYPE.fifo, 0o600);
      return;
    case 'charDevice':
      makeNode(path, NODE_TYPE.charDevice, 0o600, node.rdev);
      return;
    case 'blockDevice':
      makeNode(path, NODE_TYPE.blockDevice, 0o600, node.rdev);
      return;
    case 'socket':
      // A socket's inode, as bind(2) leaves it; nothing listens on it (none is needed to back it up).
      makeNode(path, NODE_TYPE.socket, 0o600);
      return;
  }
}

async function writeContent(path: Buffer, content: FileContent): Promise<void> {
  if (content.kind === 'dense') {
    await fs.writeFile(path, seededBytes(content.size, content.seed), { mode: 0o600 });
    return;
  }
  // ftruncate, then data at both ends only: everything between is a hole.
  const fh = await fs.open(path, 'w', 0o600);
  try {
    await fh.truncate(content.size);
    await fh.write(seededBytes(content.head.length, content.head.seed), 0, content.head.length, 0);
    await fh.write(seededBytes(content.tail.length, content.tail.seed), 0, content.tail.length, content.size - content.tail.length);
  } finally {
    await fh.close();
  }
}

async function applyInode(path: Buffer, inode: Inode): Promise<void> {
  await chown(path, inode.owner);
  for (const x of inode.xattrs) setXattr(path, x.name, x.value);
  // chmod(2) on a FIFO or device node changes the node, it opens nothing.
  await fs.chmod(path, inode.mode);
  setTimesNs(path, inode.mtimeNs);
}

async function chown(path: Buffer, owner: Owner | null): Promise<void> {
  if (owner) await fs.lchown(path, owner.uid, owner.gid);
}

/**
 * Removes a written tree (or a restore of one) whatever its modes: every directory is made u+rwx
 * first, top down, without following links, so that a non-root run can delete what it wrote.
 */
export async function removeTree(dir: string): Promise<void> {
  const open = async (path: Buffer): Promise<void> => {
    let stat: BigIntStats;
    try {
      stat = await fs.lstat(path, { bigint: true });
    } catch {
      return;
    }
    if (!stat.isDirectory()) return;
    if ((stat.mode & 0o700n) !== 0o700n) await fs.chmod(path, Number(stat.mode & 0o7777n) | 0o700);
    for (const name of await fs.readdir(path, { encoding: 'buffer' })) await open(Buffer.concat([path, Buffer.from('/'), name]));
  };
  await open(Buffer.from(dir));
  await fs.rm(dir, { recursive: true, force: true });
}

/**
 * What captureTree() reads back from a tree written by writeHostileTree at `at` (a path relative
 * to the captured root) by a process running as `writer`: the model's every attribute. A test
 * checks its source against this before it compares a restore with the source, so a case the
 * writer failed to make (an xattr the file system dropped, a hole it filled) cannot pass unseen.
 */
export function capturedTree(at: Buffer, tree: HostileTree, writer: Owner): Map<string, CapturedEntry> {
  const key = (p: EntryPath): string => pathKey(joinPath(at, p));
  const names = new Map<string, string[]>();
  for (const node of tree.nodes) {
    if (node.kind !== 'hardLink') continue;
    const to = key(node.to);
    names.set(to, [...(names.get(to) ?? [to]), key(node.path)]);
  }
  const linkGroup = (k: string): readonly string[] | null => {
    const group = names.get(k) ?? [...names.values()].find((g) => g.includes(k));
    return group ? [...group].sort() : null;
  };
  const owner = (o: Owner | null): Owner => o ?? writer;
  const xattrs = (inode: Inode): Record<string, string> => Object.fromEntries(inode.xattrs.map((x) => [x.name, x.value.toString('base64')]));
  const none = { size: null, sha256: null, linkTarget: null, rdev: null, hardLinks: null, sparse: null };
  const out = new Map<string, CapturedEntry>();
  const inodes = new Map<string, CapturedEntry>();
  for (const node of tree.nodes) {
    const k = key(node.path);
    switch (node.kind) {
      case 'dir':
        out.set(k, { ...none, kind: 'dir', mode: node.inode.mode, ...owner(node.inode.owner), mtimeNs: node.inode.mtimeNs.toString(), xattrs: xattrs(node.inode) });
        break;
      case 'file': {
        const content = fileBytes(node.content);
        const entry: CapturedEntry = {
          ...none,
          kind: 'file',
          mode: node.inode.mode,
          ...owner(node.inode.owner),
          mtimeNs: node.inode.mtimeNs.toString(),
          size: content.length,
          sha256: createHash('sha256').update(content).digest('hex'),
          xattrs: xattrs(node.inode),
          hardLinks: linkGroup(k),
          sparse: node.content.kind === 'sparse',
        };
        out.set(k, entry);
        inodes.set(k, entry);
        break;
      }
      case 'hardLink': {
        const first = inodes.get(key(node.to));
        if (!first) throw new Error(`hard link ${k} to a file the tree does not hold before it`);
        out.set(k, first);
        break;
      }
      case 'symlink':
        out.set(k, { ...none, kind: 'symlink', mode: 0o777, ...owner(node.owner), mtimeNs: node.mtimeNs.toString(), size: node.target.length, linkTarget: node.target.toString('hex'), xattrs: {} });
        break;
      default:
        out.set(k, {
          ...none,
          kind: node.kind,
          mode: node.inode.mode,
          ...owner(node.inode.owner),
          mtimeNs: node.inode.mtimeNs.toString(),
          size: 0,
          rdev: node.kind === 'charDevice' || node.kind === 'blockDevice' ? node.rdev.toString() : null,
          xattrs: xattrs(node.inode),
        });
    }
  }
  return out;
}
