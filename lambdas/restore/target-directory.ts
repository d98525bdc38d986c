import { constants as fsc, existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { RestoreTargetNotAllowedError, RestoreTargetNotEmptyError } from './restore-errors';

/**
 * A file-system restore target opened from the mount root one name at a time, each step with
 * O_NOFOLLOW|O_DIRECTORY, so that no component of `target.path` is a symlink — also not one that
 * another writer on the same file system puts there while the restore runs. On Linux the target is
 * then used through its open descriptor (`/proc/self/fd/<fd>`): renaming or replacing a directory on
 * the way afterwards cannot redirect the writes, they go to the directory that was checked. Where
 * there is no /proc (macOS, developers' machines), each component is lstat'ed instead: the check
 * holds, the race is not closed. Close it when the step is done.
 */
export type TargetDirectory = {
  /** The path to write under: the pinned descriptor's on Linux, the checked path elsewhere. */
  readonly path: string;
  close(): Promise<void>;
};

/** Where the walk starts, trusted as configured: `configured` is the mount path (or `/`), `real` where it is on this machine. */
export type MountRoot = { readonly configured: string; readonly real: string };

const PINNED = existsSync('/proc/self/fd');
const DIRECTORY_FLAGS = fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW;

/** The mount root of a restore's directory targets: the EFS mount path in AWS, `/` (the local fs root) elsewhere. */
export function mountRootOf(mountPath: string | undefined, directory: (configuredPath: string) => string): MountRoot {
  const configured = mountPath ?? '/';
  return { configured, real: directory(configured) };
}

/**
 * Opens the target directory `targetPath` (as configured, at or under `root.configured`; validated
 * by parseRestoreRequest, so free of `.` and `..`). With `create`, missing directories are made
 * (default mode, as `mkdir -p` did before; the restore gives the target its own mode later); without it, a missing directory
 * resolves to null. A symlink on the way is RestoreTargetNotAllowedError, a file RestoreTargetNotEmptyError,
 * both naming `target.path`; nothing is created below either.
 */
export async function openTargetDirectory(root: MountRoot, targetPath: string, options: { create: boolean }): Promise<TargetDirectory | null> {
  const names = namesBelow(root.configured, targetPath);
  // The root is configuration, trusted as it is (locally the fs/ directory, which a fresh local cloud has yet to make).
  if (options.create) await fs.mkdir(root.real, { recursive: true });
  else if (!(await isDirectory(root.real))) return null;
  if (!PINNED) return walkChecked(root, targetPath, names, options);
  let handle = await fs.open(root.real, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    for (let i = 0; i < names.length; i++) {
      const next = await openChild(handle, names[i] ?? '', options.create, refusal(targetPath, root.configured, names.slice(0, i + 1)));
      await handle.close();
      if (!next) return null;
      handle = next;
    }
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
  const pinned = handle;
  return { path: `/proc/self/fd/${pinned.fd}`, close: () => pinned.close() };
}

/** Opens `name` in the directory `parent` without following a link there (through the parent's descriptor, so the parent cannot be swapped). */
async function openChild(parent: fs.FileHandle, name: string, create: boolean, refuse: (code: string) => Error): Promise<fs.FileHandle | null> {
  const child = `/proc/self/fd/${parent.fd}/${name}`;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fs.open(child, DIRECTORY_FLAGS);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'ELOOP') throw refuse(code);
      // Linux answers ENOTDIR for a link to a directory too (O_DIRECTORY is checked on the link itself).
      if (code === 'ENOTDIR') throw refuse((await fs.lstat(child).catch(() => null))?.isSymbolicLink() ? 'ELOOP' : code);
      if (code !== 'ENOENT' || attempt > 0) throw err;
      if (!create) return null;
    }
    // mkdir never follows a link at its last name: a link made there meanwhile is EEXIST, then ELOOP above.
    await fs.mkdir(child).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}

/** Without /proc: lstat (and create) each component; a link on the way is refused, but the check and the writes are separate calls. */
async function walkChecked(root: MountRoot, targetPath: string, names: readonly string[], options: { create: boolean }): Promise<TargetDirectory | null> {
  let current = root.real;
  for (let i = 0; i < names.length; i++) {
    current = path.join(current, names[i] ?? '');
    const stats = await fs.lstat(current).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(err)));
    if (stats && !stats.isDirectory()) throw refusal(targetPath, root.configured, names.slice(0, i + 1))(stats.isSymbolicLink() ? 'ELOOP' : 'ENOTDIR');
    if (stats) continue;
    if (!options.create) return null;
    await fs.mkdir(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    const made = await fs.lstat(current);
    if (!made.isDirectory()) throw refusal(targetPath, root.configured, names.slice(0, i + 1))(made.isSymbolicLink() ? 'ELOOP' : 'ENOTDIR');
  }
  return { path: current, close: async () => undefined };
}

async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => null))?.isDirectory() ?? false;
}

/** The names from the mount root down to the target (none: the target is the mount root). */
function namesBelow(mountRoot: string, targetPath: string): string[] {
  const base = mountRoot.split('/').filter((s) => s !== '');
  const names = targetPath.split('/').filter((s) => s !== '');
  if (names.some((n) => n === '.' || n === '..') || base.some((b, i) => names[i] !== b)) {
    throw new RestoreTargetNotAllowedError(`Invalid restore request: target.path: "${targetPath}" must be a plain path (no "." or "..") inside ${mountRoot}`);
  }
  return names.slice(base.length);
}

function refusal(targetPath: string, mountRoot: string, names: readonly string[]): (code: string) => Error {
  const at = path.posix.join(mountRoot, ...names);
  return (code) =>
    code === 'ELOOP'
      ? new RestoreTargetNotAllowedError(
          `Invalid restore request: target.path: ${at} is a symlink, and a restore never writes through a link; restore into "${targetPath}" only once every directory on its way is a real directory, or choose another path`,
        )
      : new RestoreTargetNotEmptyError(`Invalid restore request: target.path: ${at} exists and is not a directory; choose another path`);
}
