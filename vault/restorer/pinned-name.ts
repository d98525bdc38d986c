import { constants as fsc, existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { type FsPath } from '../platform/posix-calls';
import { childOf } from './target-path';

/**
 * A name under a restore target as reached from the target's root one directory at a time, none of
 * them a symlink: `path` names it through its directory's open descriptor (`/proc/self/fd/<fd>/<name>`)
 * on Linux, so a directory on the way renamed or replaced by a link afterwards cannot redirect a call
 * made with it; where there is no /proc, each directory on the way is lstat'ed instead and `path` is
 * the checked path (the check holds, the race is not closed: lambdas/restore/target-directory.ts does
 * the same for the target itself). The last name itself is not looked at. Close it when done.
 */
export type PinnedName = {
  readonly path: FsPath;
  close(): Promise<void>;
};

const PINNED = existsSync('/proc/self/fd');
const SLASH = 0x2f;

/**
 * Reaches `absolute`, a path strictly inside `root` (RestoreTarget.pathOf), without following a
 * symlink below `root` (the root itself may be one: the target the user chose, or the workflow's
 * pinned `/proc/self/fd/<fd>`). Resolves null when a directory on the way is missing, a symlink, not
 * a directory, or not searchable.
 */
export async function reachWithoutLinks(root: string, absolute: FsPath): Promise<PinnedName | null> {
  const names = namesBelow(root, absolute);
  const last = names.pop();
  if (last === undefined) return null;
  if (!PINNED) return (await walkChecked(root, names)) ? { path: absolute, close: async () => undefined } : null;
  let dir = await openDirectory(root, fsc.O_RDONLY | fsc.O_DIRECTORY);
  if (!dir) return null;
  for (const name of names) {
    let next: fs.FileHandle | null;
    try {
      next = await openDirectory(childOf(`/proc/self/fd/${dir.fd}`, name), fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW);
    } finally {
      await dir.close();
    }
    if (!next) return null;
    dir = next;
  }
  const pinned = dir;
  return { path: childOf(`/proc/self/fd/${pinned.fd}`, last), close: () => pinned.close() };
}

/** The names of `absolute` below `root`, as bytes (a name need not be UTF-8). */
function namesBelow(root: string, absolute: FsPath): Buffer[] {
  const bytes = Buffer.from(absolute);
  const prefix = Buffer.byteLength(root) + (root.endsWith('/') ? 0 : 1);
  const names: Buffer[] = [];
  let start = prefix;
  for (let i = prefix; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== SLASH) continue;
    if (i > start) names.push(bytes.subarray(start, i));
    start = i + 1;
  }
  return names;
}

/** The directory at `p`, or null when it is not one that may be entered (ELOOP: a link with O_NOFOLLOW; Linux answers ENOTDIR for a link to a directory too). */
async function openDirectory(p: FsPath, flags: number): Promise<fs.FileHandle | null> {
  try {
    return await fs.open(p, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR' || code === 'EACCES') return null;
    throw err;
  }
}

/** Without /proc: whether every directory on the way below `root` is a real directory (lstat). */
async function walkChecked(root: string, names: readonly Buffer[]): Promise<boolean> {
  let current: FsPath = root;
  for (const name of names) {
    current = childOf(current, name);
    const stats = await fs.lstat(current).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'ENOTDIR' ? null : Promise.reject(err)));
    if (!stats?.isDirectory()) return false;
  }
  return true;
}
