import { createHash } from 'node:crypto';
import { type BigIntStats } from 'node:fs';
import * as fs from 'node:fs/promises';
import { platformCalls } from '../../vault/platform/posix-calls';

/** One entry of a tree as a restore must bring it back: everything but atime and ctime. */
export type RecordedNode = {
  kind: 'file' | 'dir' | 'symlink' | 'fifo' | 'char' | 'block' | 'socket';
  mode: number;
  uid: number;
  gid: number;
  mtimeNs: string;
  size?: string;
  sha256?: string;
  /** Symlink target as hex of its bytes. */
  target?: string;
  rdev?: string;
  /** Extended attributes: name → hex of the value. */
  xattrs: Record<string, string>;
  /** Index of the node's hard-link group (names sharing an inode share it); absent for single names. */
  linkGroup?: number;
};

/**
 * Every entry under `root` (not the root itself), keyed by its path relative to the root as hex of
 * its bytes ('/'-separated), so names that are not UTF-8 compare exactly.
 */
export async function recordTree(root: string): Promise<Map<string, RecordedNode>> {
  const calls = platformCalls();
  const out = new Map<string, RecordedNode>();
  const inodes = new Map<string, string[]>();
  const walk = async (dir: Buffer, rel: Buffer | null): Promise<void> => {
    for (const name of (await fs.readdir(dir, { encoding: 'buffer' })).sort(Buffer.compare)) {
      const abs = Buffer.concat([dir, Buffer.from('/'), name]);
      const childRel = rel === null ? name : Buffer.concat([rel, Buffer.from('/'), name]);
      const key = childRel.toString('hex');
      const st = await fs.lstat(abs, { bigint: true });
      const node: RecordedNode = { kind: kindOf(st), mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), mtimeNs: st.mtimeNs.toString(), xattrs: {} };
      if (calls) for (const x of calls.listXattrs(abs)) node.xattrs[x.toString('utf8')] = calls.getXattr(abs, x.toString('utf8')).toString('hex');
      if (node.kind === 'file') {
        node.size = st.size.toString();
        node.sha256 = createHash('sha256').update(await fs.readFile(abs)).digest('hex');
        if (st.nlink > 1n) inodes.set(`${st.dev}:${st.ino}`, [...(inodes.get(`${st.dev}:${st.ino}`) ?? []), key]);
      }
      if (node.kind === 'symlink') node.target = (await fs.readlink(abs, { encoding: 'buffer' })).toString('hex');
      if (node.kind === 'char' || node.kind === 'block') node.rdev = st.rdev.toString();
      out.set(key, node);
      if (node.kind === 'dir') await walk(abs, childRel);
    }
  };
  await walk(Buffer.from(root), null);
  let group = 0;
  for (const names of [...inodes.values()].sort((a, b) => ((a[0] ?? '') < (b[0] ?? '') ? -1 : 1))) {
    if (names.length < 2) continue;
    for (const name of names) (out.get(name) as RecordedNode).linkGroup = group;
    group++;
  }
  return out;
}

/** The record without the given fields (for comparisons where a restore may differ on purpose). */
export function withoutFields(tree: Map<string, RecordedNode>, fields: ReadonlyArray<keyof RecordedNode>): Map<string, Partial<RecordedNode>> {
  return new Map([...tree].map(([k, v]) => [k, Object.fromEntries(Object.entries(v).filter(([f]) => !fields.includes(f as keyof RecordedNode)))]));
}

/** The key recordTree gives a relative path. */
export function treeKey(rel: string | Buffer): string {
  return (typeof rel === 'string' ? Buffer.from(rel) : rel).toString('hex');
}

function kindOf(st: BigIntStats): RecordedNode['kind'] {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  return 'socket';
}
