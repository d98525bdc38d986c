import { randomBytes } from 'node:crypto';
import { constants as fsc, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { resolveInsideTarget, UnsafeEntryPathError } from './safe-target-path';

/** Owner bits a directory keeps until finishDirectories, so that its children can still be written. */
const OWNER_RWX = 0o700;
/** setuid and setgid. */
export const SET_ID_BITS = 0o6000;

export type RestoreTargetOptions = {
  /**
   * A symlink already in the target where a directory is restored (the entry itself or a parent)
   * is replaced by the directory. Without it the restore refuses, naming the path: nothing is ever
   * written through a link.
   */
  readonly overwrite?: boolean;
  /**
   * Keep setuid/setgid bits (`lifeboat vault restore`, run by the data's owner, keeps every mode bit
   * as restic does). Off, they are dropped: a runbook restoring someone's files must not mint
   * set-id programs unless its input asks for them. @default true
   */
  readonly keepSetIdBits?: boolean;
  /** Apply modes and mtimes. @default true */
  readonly metadata?: boolean;
};

/** What a restored entry gets on disk: permission bits and modification time (seconds, fractional). */
export type EntryAttributes = { readonly mode: number | null; readonly mtimeSeconds: number | null };

/**
 * The directory a restore writes into, with the rules every restore (CLI and restore workflow)
 * follows:
 *
 * - every entry path is checked to stay inside the target (resolveInsideTarget);
 * - nothing is written through a symlink: each directory on the way to an entry is lstat'ed, and a
 *   symlink there is refused (or, with `overwrite`, replaced by a real directory);
 * - a file is written to a temporary name in its directory (O_CREAT|O_EXCL|O_NOFOLLOW), given its
 *   mode and mtime, and renamed onto its name only when all its content was written and verified,
 *   so a damaged file never appears under its final name; a symlink is made the same way;
 * - rename replaces a file or link already at the name without following it, but never a directory;
 * - directories keep u+rwx until `finishDirectories` gives them their mode and mtime, deepest first.
 *
 * Checks and writes are separate calls: a target that other processes change during the restore is
 * not defended against (restore into a directory only the restore writes to).
 */
export class RestoreTarget {
  readonly root: string;
  /** Directories checked (or being checked) to be real directories; entries restored side by side share one check. */
  private readonly verified = new Map<string, Promise<void>>();
  private readonly modeMask: number;
  private readonly metadata: boolean;

  constructor(
    root: string,
    private readonly options: RestoreTargetOptions = {},
  ) {
    this.root = path.resolve(root);
    this.modeMask = options.keepSetIdBits === false ? 0o7777 & ~SET_ID_BITS : 0o7777;
    this.metadata = options.metadata ?? true;
  }

  /** The absolute path of an entry; throws UnsafeEntryPathError for paths that leave the target. */
  pathOf(entryPath: string): string {
    return resolveInsideTarget(this.root, entryPath);
  }

  /** Creates a directory entry (and missing parents). Its mode and mtime come with finishDirectories. */
  async makeDirectory(entryPath: string): Promise<string> {
    const absolute = this.pathOf(entryPath);
    await this.ensureDirectory(absolute, entryPath);
    return absolute;
  }

  /**
   * Writes a file entry: `write` fills the open temporary file, then mode and mtime are applied and
   * the file is renamed onto its name. On any failure the temporary file is removed and nothing
   * appears under the name.
   */
  async writeFile(entryPath: string, attributes: EntryAttributes, write: (fh: fs.FileHandle) => Promise<void>): Promise<void> {
    const absolute = this.pathOf(entryPath);
    await this.ensureDirectory(path.dirname(absolute), entryPath);
    const temp = tempName(absolute);
    const fh = await fs.open(temp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    try {
      await write(fh);
      if (this.metadata) {
        if (attributes.mode !== null) await fh.chmod(attributes.mode & this.modeMask);
        if (attributes.mtimeSeconds !== null) await fh.utimes(attributes.mtimeSeconds, attributes.mtimeSeconds);
      }
      await fh.close();
      await this.replace(temp, absolute, entryPath);
    } catch (err) {
      await fh.close().catch(() => undefined);
      await fs.unlink(temp).catch(() => undefined);
      throw err;
    }
  }

  /** Creates a symlink entry with its target verbatim (it may point anywhere), replacing a file or link at the name. */
  async makeSymlink(entryPath: string, linkTarget: string, attributes: EntryAttributes): Promise<void> {
    const absolute = this.pathOf(entryPath);
    await this.ensureDirectory(path.dirname(absolute), entryPath);
    const temp = tempName(absolute);
    await fs.symlink(linkTarget, temp);
    try {
      if (this.metadata && attributes.mtimeSeconds !== null) await fs.lutimes(temp, attributes.mtimeSeconds, attributes.mtimeSeconds);
      await this.replace(temp, absolute, entryPath);
    } catch (err) {
      await fs.unlink(temp).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Gives restored directories their exact mode and mtime, deepest first, once every child is
   * written (writing a child changes its directory's mtime, and a read-only mode would block it).
   */
  async finishDirectories(dirs: Iterable<{ readonly path: string; readonly attributes: EntryAttributes }>): Promise<void> {
    if (!this.metadata) return;
    const list = [...dirs].map((d) => ({ ...d, absolute: this.pathOf(d.path) }));
    list.sort((a, b) => depth(b.absolute) - depth(a.absolute) || (a.absolute < b.absolute ? 1 : -1));
    for (const { path: entryPath, absolute, attributes } of list) {
      let fh: fs.FileHandle;
      try {
        fh = await fs.open(absolute, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_DIRECTORY);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP' || code === 'ENOTDIR') throw new UnsafeEntryPathError(entryPath, 'it is no longer a directory in the target');
        throw err;
      }
      try {
        if (attributes.mode !== null) await fh.chmod(attributes.mode & this.modeMask);
        if (attributes.mtimeSeconds !== null) await fh.utimes(attributes.mtimeSeconds, attributes.mtimeSeconds);
      } finally {
        await fh.close();
      }
    }
  }

  /** Makes sure `dir` (inside the root, or the root) is a real directory, checking every component below the root. */
  private ensureDirectory(dir: string, entryPath: string): Promise<void> {
    let check = this.verified.get(dir);
    if (!check) {
      check = this.checkDirectory(dir, entryPath);
      this.verified.set(dir, check);
      // A failed check is not remembered: the next entry below it checks (and reports) again.
      check.catch(() => this.verified.delete(dir));
    }
    return check;
  }

  private async checkDirectory(dir: string, entryPath: string): Promise<void> {
    if (dir === this.root) {
      // The root itself may be a link the user chose; only what lies below it is checked for links.
      const stats = await fs.stat(this.root).catch(() => null);
      if (stats && !stats.isDirectory()) throw new RestoreTargetNotDirectoryError(this.root);
      if (!stats) await fs.mkdir(this.root, { recursive: true });
      return;
    }
    await this.ensureDirectory(path.dirname(dir), entryPath);
    const rel = path.relative(this.root, dir).split(path.sep).join('/');
    const existing = await lstatOrNull(dir);
    if (existing?.isSymbolicLink()) {
      if (!this.options.overwrite) {
        throw new UnsafeEntryPathError(entryPath, `${JSON.stringify(rel)} is a symlink in the target (to ${JSON.stringify(await fs.readlink(dir).catch(() => '?'))}), and nothing is written through a symlink; remove it or restore with --overwrite to replace the link`);
      }
      await unlinkIfPresent(dir);
    } else if (existing && !existing.isDirectory()) {
      if (!this.options.overwrite) throw new UnsafeEntryPathError(entryPath, `${JSON.stringify(rel)} is already in the target and is not a directory; remove it or restore with --overwrite`);
      await unlinkIfPresent(dir);
    }
    if (!existing || !existing.isDirectory()) {
      try {
        await fs.mkdir(dir, { mode: OWNER_RWX });
      } catch (err) {
        // Entries are restored side by side: another one may have created it a moment ago.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !(await lstatOrNull(dir))?.isDirectory()) throw err;
      }
    } else if ((existing.mode & OWNER_RWX) !== OWNER_RWX) {
      // A directory restored earlier (a retried shard) may carry its final read-only mode already.
      await chmodNoFollow(dir, (existing.mode & 0o7777) | OWNER_RWX);
    }
  }

  /** Renames `temp` onto `absolute`: replaces a file or link there without following it, never a directory. */
  private async replace(temp: string, absolute: string, entryPath: string): Promise<void> {
    try {
      await fs.rename(temp, absolute);
    } catch (err) {
      // rename(2) itself refuses to replace a directory with a non-directory (no lstat per file needed).
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') throw new UnsafeEntryPathError(entryPath, 'a directory is already there in the target');
      throw err;
    }
  }
}

/** The restore target exists and is not a directory. */
export class RestoreTargetNotDirectoryError extends Error {
  override readonly name = 'RestoreTargetNotDirectoryError';
  constructor(readonly target: string) {
    super(`the restore target ${target} is a file, not a directory; choose a directory (it is created when missing)`);
  }
}

function tempName(absolute: string): string {
  return path.join(path.dirname(absolute), `.${path.basename(absolute).slice(0, 100)}.lifeboat-${randomBytes(6).toString('hex')}.tmp`);
}

function depth(p: string): number {
  return p.split(path.sep).length;
}

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Removes a link or file; another restorer of the same target may have done it a moment ago. */
async function unlinkIfPresent(p: string): Promise<void> {
  try {
    await fs.unlink(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** chmod that refuses to follow a symlink: the path is opened with O_NOFOLLOW and changed through the handle. */
async function chmodNoFollow(absolute: string, mode: number): Promise<void> {
  const fh = await fs.open(absolute, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  try {
    await fh.chmod(mode);
  } finally {
    await fh.close();
  }
}
