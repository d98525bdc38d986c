import { lstat, opendir, rmdir, unlink, utimes } from 'node:fs/promises';
import * as path from 'node:path';
import { forEachBounded } from '../../vault';
import { DrillScratchError } from './drill-errors';

/**
 * Removing a drill's scratch directory (a file-system source restored to the mounted file system) within the cleanup's
 * time (review rJ F1). A recursive `rm` has no deadline: a restored tree of millions of files ran the cleanup step into
 * its Lambda timeout (Sandbox.Timedout), and the next sweep began another unbounded `rm`. This walk checks the time
 * before every file and directory it removes, and stops with what it removed; what is left stays for a later sweep,
 * which walks on from there (nothing is lost by stopping between two unlinks).
 *
 * It never follows a symbolic link: a restored link may point at a live source. Links are unlinked (which removes the
 * link), and a directory is entered only when lstat says it still is one.
 */

/** Files unlinked at once: libuv runs file-system calls on 4 threads, and EFS answers each in a few milliseconds. */
const UNLINKS_IN_FLIGHT = 4;

/**
 * Subdirectory names one pass over a directory gathers before it walks into them: the walk's memory stays bounded
 * whatever the tree's shape, and a directory holding more is read again once these are gone.
 */
const SUBDIRECTORIES_PER_PASS = 1_000;

/** What removing a directory came to: done (gone), or cut by the deadline; and how many files and directories it removed. */
export type DirectoryRemoval = { done: boolean; removed: number };

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Gone meanwhile (a concurrent sweep, a retried cleanup): what removing it was for. */
function ignoreGone(err: unknown): void {
  if (codeOf(err) !== 'ENOENT') throw err;
}

/** One pass over `directory`: its files and links unlinked, and up to SUBDIRECTORIES_PER_PASS of its subdirectories. */
type Pass = { removed: number; subdirectories: string[]; cut: boolean };

async function clearFiles(directory: string, timeLeft: () => number): Promise<Pass> {
  const pass: Pass = { removed: 0, subdirectories: [], cut: false };
  const handle = await opendir(directory).catch((err: unknown) => {
    ignoreGone(err);
    return undefined;
  });
  if (!handle) return pass;
  const dir = handle;
  // Pulled only when an unlink slot is free, so the time is checked before each file, not once a directory.
  async function* files(): AsyncGenerator<string> {
    // The iterator closes the handle however the loop ends. Entries unlinked while it reads are ones it has returned,
    // which POSIX readdir allows.
    for await (const entry of dir) {
      if (timeLeft() <= 0) {
        pass.cut = true;
        return;
      }
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        const stats = await lstat(full).catch((err: unknown) => {
          ignoreGone(err);
          return undefined;
        });
        if (!stats) continue;
        if (stats.isDirectory()) {
          pass.subdirectories.push(full);
          if (pass.subdirectories.length >= SUBDIRECTORIES_PER_PASS) return;
          continue;
        }
      }
      yield full;
    }
  }
  await forEachBounded(files(), UNLINKS_IN_FLIGHT, async (file) => {
    await unlink(file).then(() => pass.removed++, ignoreGone);
  });
  return pass;
}

/**
 * Removes `<root>/<name>` and everything under it, checking `timeLeft` before each file and directory; a directory it
 * could not finish keeps its modification time (the sweep's age of it: listScratch), so a later sweep still finds it old.
 */
export async function removeScratchDirectory(root: string, name: string, timeLeft: () => number): Promise<DirectoryRemoval> {
  // The scratch directory is an entry of the scratch root, never the root itself nor anything beside it.
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes(path.sep)) {
    throw new DrillScratchError(`"${name}" is not a directory name inside the scratch root ${root}; refusing to remove it`);
  }
  const top = path.join(root, name);
  let removed = 0;
  if (timeLeft() <= 0) return { done: false, removed };
  const stats = await lstat(top).catch((err: unknown) => {
    ignoreGone(err);
    return undefined;
  });
  if (!stats) return { done: true, removed };
  if (!stats.isDirectory()) {
    await unlink(top).catch(ignoreGone);
    return { done: true, removed: 1 };
  }
  const cut = async (): Promise<DirectoryRemoval> => {
    // Removing its entries moved the directory's mtime to now; put back the one the sweep dates it by.
    await utimes(top, stats.atime, stats.mtime).catch(ignoreGone);
    return { done: false, removed };
  };
  const stack = [top];
  for (let current = stack.at(-1); current !== undefined; current = stack.at(-1)) {
    if (timeLeft() <= 0) return cut();
    const pass = await clearFiles(current, timeLeft);
    removed += pass.removed;
    if (pass.cut) return cut();
    if (pass.subdirectories.length > 0) {
      stack.push(...pass.subdirectories);
      continue;
    }
    try {
      await rmdir(current);
      removed++;
      stack.pop();
    } catch (err) {
      if (codeOf(err) === 'ENOENT') stack.pop();
      // Written to since the pass (a restore shard still running): the next pass removes what is new.
      else if (codeOf(err) !== 'ENOTEMPTY' && codeOf(err) !== 'EEXIST') throw err;
    }
  }
  return { done: true, removed };
}
