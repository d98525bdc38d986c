import { isUtf8 } from 'node:buffer';
import { type BigIntStats } from 'node:fs';
import * as fs from 'node:fs/promises';
import { type EntryMeta } from '../manifest/manifest-entry';
import { type FsPath, type PosixCalls, platformCalls } from '../platform/posix-calls';
import { type WalkedEntry } from './tree-walker';

/**
 * What a file-system entry of a manifest records besides its content (docs/FORMAT.md §7), read from
 * the file system: written by the vault's directory backup and the backup workflow's directory
 * shards alike, so both produce the same entries.
 */

/** The kinds of special file (`special` entries, meta `type`). */
export const SPECIAL_FILE_TYPES = ['fifo', 'char', 'block', 'socket'] as const;
export type SpecialFileType = (typeof SPECIAL_FILE_TYPES)[number];

/** The meta every file-system entry has: mode bits, mtime in ns, owner. */
export function fileSystemMeta(stat: BigIntStats): Record<string, string | number> {
  return { mode: Number(stat.mode & 0o7777n), mtimeNs: stat.mtimeNs.toString(), uid: Number(stat.uid), gid: Number(stat.gid) };
}

/**
 * The change token of a file: an unchanged size, mtime, ctime and inode lets the next backup reuse
 * its content unread. Changing an extended attribute changes ctime, and the meta (attributes
 * included) is read afresh at every backup anyway, so a reused entry never carries stale attributes.
 */
export function fileChangeToken(s: BigIntStats): string {
  return `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}`;
}

/**
 * The meta of a walked entry: fileSystemMeta, its extended attributes (`xattrs`, when it has any and
 * the platform calls are available), a symlink's `target` (and `targetBytes` when the target is not
 * UTF-8), a special file's `type` (and `rdev` for devices). A hard link's `hardlink` is added by the
 * archiver (HardLinkGroups). Attributes that cannot be read are told to `report` (the entry is still
 * backed up); a symlink whose target cannot be read throws (the entry cannot be backed up).
 */
export async function walkedEntryMeta(item: WalkedEntry, report: (reason: string) => void, calls: PosixCalls | null = platformCalls()): Promise<EntryMeta> {
  const meta: Record<string, string | number | Record<string, string>> = fileSystemMeta(item.stat);
  if (item.kind === 'symlink') {
    const target = await fs.readlink(item.abs, { encoding: 'buffer' });
    meta['target'] = target.toString('utf8');
    if (!isUtf8(target)) meta['targetBytes'] = target.toString('base64');
  } else if (item.kind === 'special') {
    const type = specialFileType(item.stat);
    meta['type'] = type;
    if (type === 'char' || type === 'block') meta['rdev'] = item.stat.rdev.toString();
  }
  if (calls) {
    const xattrs = readXattrs(calls, item.abs, report);
    if (xattrs) meta['xattrs'] = xattrs;
  }
  return meta;
}

function specialFileType(stat: BigIntStats): SpecialFileType {
  if (stat.isFIFO()) return 'fifo';
  if (stat.isCharacterDevice()) return 'char';
  if (stat.isBlockDevice()) return 'block';
  return 'socket';
}

/** Errors that mean "this file system keeps no extended attributes here": nothing to back up, nothing to report. */
const NO_XATTR_SUPPORT = new Set(['ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** The extended attributes of `abs` itself as `{name: base64 value}` with sorted names, or null when it has none. */
function readXattrs(calls: PosixCalls, abs: FsPath, report: (reason: string) => void): Record<string, string> | null {
  let names: Buffer[];
  try {
    names = calls.listXattrs(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    // Vanished since the walk: the entry's own read reports it, if it gets that far.
    if (!NO_XATTR_SUPPORT.has(code) && code !== 'ENOENT') report(`extended attributes not backed up: ${(err as Error).message}`);
    return null;
  }
  if (names.length === 0) return null;
  const values: Array<[string, string]> = [];
  for (const raw of names) {
    if (!isUtf8(raw)) {
      report(`extended attribute ${JSON.stringify(raw.toString('utf8'))} not backed up: its name is not UTF-8`);
      continue;
    }
    const name = raw.toString('utf8');
    try {
      values.push([name, calls.getXattr(abs, name).toString('base64')]);
    } catch (err) {
      // Removed between the listing and the read: it is not there to back up.
      if ((err as NodeJS.ErrnoException).code !== 'ENODATA') report(`extended attribute ${name} not backed up: ${(err as Error).message}`);
    }
  }
  if (values.length === 0) return null;
  values.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return Object.fromEntries(values);
}
