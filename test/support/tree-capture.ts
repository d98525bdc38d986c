import { createHash } from 'node:crypto';
import { type BigIntStats } from 'node:fs';
import * as fs from 'node:fs/promises';
import { getXattr, listXattrs } from './libc-file-calls';

/**
 * A directory tree read back as comparable data: everything a backup of it stores and a restore
 * must give back, entry by entry. Paths are the raw bytes of the names (as hex, never decoded), so
 * two names that differ only in bytes that are not UTF-8 stay two entries.
 */
export type EntryKind = 'file' | 'dir' | 'symlink' | 'fifo' | 'charDevice' | 'blockDevice' | 'socket';

export type CapturedEntry = {
  readonly kind: EntryKind;
  /** st_mode & 0o7777: permissions, setuid, setgid, sticky. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Nanoseconds since the epoch, from the BigInt stat (exact also before 1970 and far ahead). */
  readonly mtimeNs: string;
  /** Files, symlinks (the target's length) and special files; null for directories, whose size is the file system's business. */
  readonly size: number | null;
  /** SHA-256 of a regular file's content. */
  readonly sha256: string | null;
  /** A symlink's target bytes, hex. */
  readonly linkTarget: string | null;
  /** A device's device number. */
  readonly rdev: string | null;
  /** Extended attributes (the entry's own, never a link's target's): name → base64 of the value. */
  readonly xattrs: Readonly<Record<string, string>>;
  /** For a file with other names in the tree: all its names (path hex, sorted), itself included; else null. */
  readonly hardLinks: readonly string[] | null;
  /** A regular file that occupies fewer bytes than its size (st_blocks × 512 < size): it has holes. */
  readonly sparse: boolean | null;
};

/** Entries below a root, by path (hex of the bytes, '/'-separated), the root itself excluded. */
export type TreeCapture = ReadonlyMap<string, CapturedEntry>;

export const pathKey = (path: Buffer): string => path.toString('hex');

/**
 * A path as people read it, without losing a byte: printable ASCII as it is, every other byte
 * (control characters, UTF-8 sequences, invalid bytes) and the backslash as \xHH.
 */
export function displayPath(key: string): string {
  let out = '';
  for (const b of Buffer.from(key, 'hex')) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/** Reads every entry below `root` without following a symlink or opening a special file. */
export async function captureTree(root: string | Buffer): Promise<TreeCapture> {
  const found: Array<{ key: string; path: Buffer; stat: BigIntStats }> = [];
  const walk = async (dir: Buffer, rel: Buffer | null): Promise<void> => {
    for (const name of await fs.readdir(dir, { encoding: 'buffer' })) {
      const path = Buffer.concat([dir, Buffer.from('/'), name]);
      const relPath = rel === null ? name : Buffer.concat([rel, Buffer.from('/'), name]);
      const stat = await fs.lstat(path, { bigint: true });
      found.push({ key: pathKey(relPath), path, stat });
      if (stat.isDirectory()) await walk(path, relPath);
    }
  };
  await walk(Buffer.from(root), null);

  const names = new Map<string, string[]>();
  for (const { key, stat } of found) {
    if (stat.isDirectory()) continue;
    const inode = `${stat.dev}:${stat.ino}`;
    names.set(inode, [...(names.get(inode) ?? []), key]);
  }

  const capture = new Map<string, CapturedEntry>();
  for (const { key, path, stat } of found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const kind = kindOf(stat);
    const group = kind === 'dir' ? [] : (names.get(`${stat.dev}:${stat.ino}`) ?? []);
    capture.set(key, {
      kind,
      mode: Number(stat.mode & 0o7777n),
      uid: Number(stat.uid),
      gid: Number(stat.gid),
      mtimeNs: stat.mtimeNs.toString(),
      size: kind === 'dir' ? null : Number(stat.size),
      sha256: kind === 'file' ? createHash('sha256').update(await fs.readFile(path)).digest('hex') : null,
      linkTarget: kind === 'symlink' ? (await fs.readlink(path, { encoding: 'buffer' })).toString('hex') : null,
      rdev: kind === 'charDevice' || kind === 'blockDevice' ? stat.rdev.toString() : null,
      xattrs: readXattrs(path),
      hardLinks: group.length > 1 ? [...group].sort() : null,
      sparse: kind === 'file' ? stat.blocks * 512n < stat.size : null,
    });
  }
  return capture;
}

function kindOf(stat: BigIntStats): EntryKind {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'dir';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isFIFO()) return 'fifo';
  if (stat.isCharacterDevice()) return 'charDevice';
  if (stat.isBlockDevice()) return 'blockDevice';
  return 'socket';
}

function readXattrs(path: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of listXattrs(path).sort()) out[name] = getXattr(path, name).toString('base64');
  return out;
}

/** One attribute of one entry that is not what was expected. */
export type TreeDifference = { readonly path: string; readonly attribute: string; readonly expected: string; readonly actual: string };

/** Every difference between two captures, by path, then attribute (an absent entry is one difference). */
export function diffTrees(expected: TreeCapture, actual: TreeCapture): TreeDifference[] {
  const out: TreeDifference[] = [];
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const key of keys) {
    const want = expected.get(key);
    const got = actual.get(key);
    const path = displayPath(key);
    if (!want || !got) {
      out.push({ path, attribute: 'entry', expected: want ? want.kind : 'absent', actual: got ? got.kind : 'absent' });
      continue;
    }
    for (const attribute of ['kind', 'mode', 'uid', 'gid', 'mtimeNs', 'size', 'sha256', 'linkTarget', 'rdev', 'hardLinks', 'sparse'] as const) {
      const w = show(attribute, want[attribute]);
      const g = show(attribute, got[attribute]);
      if (w !== g) out.push({ path, attribute, expected: w, actual: g });
    }
    // Values are base64: neither word can be one (its length is no multiple of 4).
    const value = (v: string | undefined): string => (v === undefined ? 'absent' : v === '' ? 'empty' : v);
    for (const name of [...new Set([...Object.keys(want.xattrs), ...Object.keys(got.xattrs)])].sort()) {
      const w = value(want.xattrs[name]);
      const g = value(got.xattrs[name]);
      if (w !== g) out.push({ path, attribute: `xattr ${name}`, expected: w, actual: g });
    }
  }
  return out;
}

function show(attribute: keyof CapturedEntry, value: CapturedEntry[keyof CapturedEntry]): string {
  if (value === null) return 'null';
  if (attribute === 'mode' && typeof value === 'number') return `0o${value.toString(8).padStart(4, '0')}`;
  if (attribute === 'linkTarget' && typeof value === 'string') return `"${displayPath(value)}"`;
  if (attribute === 'hardLinks' && Array.isArray(value)) return `[${value.map((k: string) => `"${displayPath(k)}"`).join(', ')}]`;
  return String(value);
}

/**
 * The first `limit` differences, one per line, naming the path and the attribute. Long names
 * (240-byte ones are among the cases), link targets and attribute values are shortened in the
 * middle, with their length, so that a line stays readable.
 */
export function formatTreeDiff(differences: readonly TreeDifference[], limit = 20): string {
  const path = (p: string): string => p.split('/').map((segment) => shortened(segment, 64)).join('/');
  const lines = differences.slice(0, limit).map((d) => `  "${path(d.path)}" ${shortened(d.attribute, 64)}: expected ${shortened(d.expected, 120)}, got ${shortened(d.actual, 120)}`);
  if (differences.length > limit) lines.push(`  … and ${differences.length - limit} more`);
  return `${differences.length} difference(s):\n${lines.join('\n')}`;
}

/** `text` itself when at most `max` characters long, else its start and end around its length (for messages). */
export function shortened(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.max(8, Math.floor(max * 0.6));
  const tail = Math.max(4, Math.floor(max * 0.2));
  return `${text.slice(0, head)}…(${text.length} chars)…${text.slice(-tail)}`;
}

/** The capture without the given attributes, for comparisons where a restore differs on purpose (owners in a restore not run as root). */
export function withoutAttributes(tree: TreeCapture, attributes: ReadonlyArray<keyof CapturedEntry>): Map<string, Partial<CapturedEntry>> {
  return new Map([...tree].map(([key, entry]) => [key, Object.fromEntries(Object.entries(entry).filter(([name]) => !attributes.includes(name as keyof CapturedEntry)))]));
}
