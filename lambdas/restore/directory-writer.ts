import { randomBytes } from 'node:crypto';
import { type FileHandle, lstat, lutimes, mkdir, open, rename, symlink, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { type DirectoryEntry } from '../sources/directory-source';
import { resolveInsideTarget, UnsafeEntryPathError } from '../../vault';

/** A file's body: chunks (streamed to disk) or one buffer. */
export type EntryBody = AsyncIterable<Uint8Array> | Uint8Array;

/** Owner bits a directory keeps until finishDirectories, so its children can still be written. */
const OWNER_RWX = 0o700;

/**
 * Restores one entry of a file-system backup under `targetRoot`.
 *
 * - file: the body is streamed to a temporary file in the same directory (created exclusively, so it
 *   never follows a planted link), given its mode and mtime, then renamed over the final name;
 * - directory: created (parents too), mode applied with u+rwx kept so children can be written; the
 *   exact mode and the mtime are set by finishDirectories once all children are written;
 * - symlink: created with its target verbatim (it may point anywhere, even outside the target) and
 *   the link's own mtime; it replaces whatever was at that name without following it.
 *
 * Every path goes through resolveInsideTarget: `..`, absolute paths and NUL are refused with
 * UnsafeEntryPathError. Nothing is ever written through a symlink: an entry whose parent inside the
 * target is a symlink, or a directory entry that is a symlink on disk, is refused too. (Checks and
 * writes are separate calls, so a target that other processes change during the restore is not
 * defended against; restore into a target that only the restore writes to.)
 */
export async function writeDirectoryEntry(targetRoot: string, entry: DirectoryEntry, body?: EntryBody): Promise<void> {
  const absolute = resolveInsideTarget(targetRoot, entry.path);
  const root = path.resolve(targetRoot);
  await ensureParents(root, absolute, entry.path);
  if (entry.type === 'directory') {
    const existing = await lstatOrUndefined(absolute);
    if (existing?.isSymbolicLink()) throw new UnsafeEntryPathError(entry.path, 'it is a symlink in the target, and a directory is not restored through a symlink');
    if (existing && !existing.isDirectory()) throw new UnsafeEntryPathError(entry.path, 'something that is not a directory is already there');
    if (!existing) await mkdir(absolute, { mode: OWNER_RWX });
    await chmodNoFollow(absolute, entry.mode | OWNER_RWX);
  } else if (entry.type === 'file') {
    await writeFileAtomically(absolute, entry, body ?? new Uint8Array());
  } else {
    if (entry.linkTarget === undefined) throw new UnsafeEntryPathError(entry.path, 'it is a symlink without a target');
    const temp = tempName(absolute);
    await symlink(entry.linkTarget, temp);
    try {
      await lutimes(temp, entry.mtimeMs / 1000, entry.mtimeMs / 1000);
      await replace(temp, absolute, entry.path);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  }
}

/**
 * Gives restored directories their exact mode and mtime, deepest first, after every child has been
 * written (writing a child changes its directory's mtime). Entries that are not directories are ignored.
 */
export async function finishDirectories(targetRoot: string, entries: Iterable<DirectoryEntry>): Promise<void> {
  const dirs = [...entries].filter((e) => e.type === 'directory').map((e) => ({ entry: e, absolute: resolveInsideTarget(targetRoot, e.path) }));
  dirs.sort((a, b) => depth(b.absolute) - depth(a.absolute) || (a.absolute < b.absolute ? 1 : -1));
  for (const { entry, absolute } of dirs) {
    const stats = await lstat(absolute);
    if (!stats.isDirectory()) throw new UnsafeEntryPathError(entry.path, 'it is no longer a directory in the target');
    await chmodNoFollow(absolute, entry.mode);
    const handle = await open(absolute, 'r');
    try {
      await handle.utimes(entry.mtimeMs / 1000, entry.mtimeMs / 1000);
    } finally {
      await handle.close();
    }
  }
}

function depth(p: string): number {
  return p.split(path.sep).length;
}

/** Creates missing directories between the target root and the entry's parent, refusing symlinks on the way. */
async function ensureParents(root: string, absolute: string, entryPath: string): Promise<void> {
  if (absolute === root) {
    await mkdir(root, { recursive: true });
    return;
  }
  let current = root;
  await mkdir(root, { recursive: true });
  const parts = path.relative(root, path.dirname(absolute)).split(path.sep).filter((p) => p !== '');
  for (const part of parts) {
    current = path.join(current, part);
    const stats = await lstatOrUndefined(current);
    if (stats?.isSymbolicLink()) {
      throw new UnsafeEntryPathError(entryPath, `its parent ${JSON.stringify(path.relative(root, current))} is a symlink in the target, and nothing is written through a symlink`);
    }
    if (stats && !stats.isDirectory()) throw new UnsafeEntryPathError(entryPath, `its parent ${JSON.stringify(path.relative(root, current))} is not a directory`);
    if (!stats) await mkdir(current, { mode: OWNER_RWX });
  }
}

async function writeFileAtomically(absolute: string, entry: DirectoryEntry, body: EntryBody): Promise<void> {
  const temp = tempName(absolute);
  // 'wx' = O_CREAT|O_EXCL: fails rather than follow anything already at the temporary name.
  const handle: FileHandle = await open(temp, 'wx', 0o600);
  try {
    if (body instanceof Uint8Array) {
      await handle.write(body);
    } else {
      for await (const chunk of body) await handle.write(chunk);
    }
    await handle.chmod(entry.mode);
    await handle.utimes(entry.mtimeMs / 1000, entry.mtimeMs / 1000);
    await handle.close();
    await replace(temp, absolute, entry.path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/** Renames `temp` onto `absolute` (rename replaces a file or link there without following it), but never onto a directory. */
async function replace(temp: string, absolute: string, entryPath: string): Promise<void> {
  const existing = await lstatOrUndefined(absolute);
  if (existing?.isDirectory()) throw new UnsafeEntryPathError(entryPath, 'a directory is already there');
  await rename(temp, absolute);
}

function tempName(absolute: string): string {
  return path.join(path.dirname(absolute), `.${path.basename(absolute).slice(0, 100)}.lifeboat-${randomBytes(6).toString('hex')}.tmp`);
}

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** chmod that refuses to follow a symlink: the path is opened with O_NOFOLLOW and changed through the handle. */
async function chmodNoFollow(absolute: string, mode: number): Promise<void> {
  const { constants } = await import('node:fs');
  const handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}
