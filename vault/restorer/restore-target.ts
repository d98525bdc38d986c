import { constants as fsc, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AttributeWriter, type OwnerPolicy } from './attribute-writer';
import { DirectoryChangeQueue } from './directory-change-queue';
import { type EntryAttributes } from './entry-attributes';
import { isNameTooLong } from './name-too-long';
import { type NotRestored, NotRestoredLog } from './not-restored';
import { reachWithoutLinks } from './pinned-name';
import { resolveInsideTarget, UnsafeEntryPathError, UnsafeRecordedPathError } from './safe-target-path';
import { NOT_A_DIRECTORY_AT_TARGET } from '../manifest/refused-entry-path';
import { childOf, depthOf, isTempName, parentOf, pathKey, piecePathFor, relativeDisplay, tempPathFor } from './target-path';
import { fileCallsFor, CALLING_THREAD_CALLS, type OpenFile, type FileCalls, THREAD_POOL_CALLS } from '../platform/file-calls';
import { type FsPath, PosixCallError, platformCalls, platformCallsUnavailableReason, S_IFBLK, S_IFCHR, S_IFIFO } from '../platform/posix-calls';

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
  /** Apply modes, times, owners and extended attributes. @default true */
  readonly metadata?: boolean;
  /**
   * Set the recorded owner (uid/gid): `if-root` does when the restore runs as root, as tar does
   * (`lifeboat vault restore`), `always` is `--owner`, `never` the restore workflow's way. @default 'if-root'
   */
  readonly owner?: OwnerPolicy;
  /** Leave all-zero blocks of files as holes (sparse files come back sparse). @default true */
  readonly sparse?: boolean;
  /**
   * How files are changed, closed and renamed (vault/platform/file-calls.ts): `calling-thread` on
   * the calling thread, `thread-pool` through libuv's threads. @default `calling-thread` on a local
   * file system (ext4, xfs, btrfs, tmpfs, …), `thread-pool` on any other (EFS and NFS above all)
   */
  readonly fileCalls?: FileCalls['name'];
  /**
   * Remove the temporary files a killed restore left (`.<name>.lifeboat-<random>.tmp`, partly
   * written: isTempName) from each directory that was in the target already, when the restore first
   * enters it and before it writes there; `removed` hears of each. Only for a restore that is the
   * one writer of its target (`lifeboat vault restore`): the restore workflow's shards write side
   * by side, and two meet in the directory at their boundary, where one would remove the file the
   * other is writing. @default off
   */
  readonly leftoverTemporaries?: { readonly removed: (path: FsPath) => void; readonly leftRecent?: (path: FsPath) => void };
};

/**
 * A temporary file unchanged for this long is a killed restore's: a running one writes its temporary files
 * as it goes (each write moves the modification time), so one younger than this may belong to another
 * restore into the same target, and is left (`leftRecent`) rather than pulled from under it (review 40f).
 */
export const LEFTOVER_TEMPORARY_AGE_MS = 15 * 60_000;

/**
 * One queue for every restore target of the process: the lock it stands in front of is the
 * directory's own, whichever restorer writes into it (a restore workflow's batch runs several
 * shards, each with its target, and two shards meet in the directory at their boundary).
 */
const PROCESS_DIRECTORY_CHANGES = new DirectoryChangeQueue();

/** The special file types a restore can make, with their mknod type bits. */
const NODE_TYPES = { fifo: { bits: S_IFIFO, label: 'FIFO' }, char: { bits: S_IFCHR, label: 'character device' }, block: { bits: S_IFBLK, label: 'block device' } } as const;
export type RecreatableSpecialType = keyof typeof NODE_TYPES;

/**
 * The directory a restore writes into, with the rules every restore (CLI and restore workflow)
 * follows:
 *
 * - every entry path is checked to stay inside the target (resolveInsideTarget); names that are not
 *   UTF-8 are made from their exact bytes;
 * - nothing is written through a symlink: each directory on the way to an entry is lstat'ed, and a
 *   symlink there is refused (or, with `overwrite`, replaced by a real directory);
 * - a file is written to a temporary name in its directory (O_CREAT|O_EXCL|O_NOFOLLOW), given its
 *   attributes, and renamed onto its name only when all its content was written and verified,
 *   so a damaged file never appears under its final name; symlinks, special files and hard links
 *   are made the same way; what a killed restore left at such names is removed when asked
 *   (`leftoverTemporaries`);
 * - rename replaces a file or link already at the name without following it, but never a directory;
 * - a hard link is made only to a regular file of the target reached from its root without following
 *   a symlink (whoever put the first name there); otherwise the caller writes the content;
 * - directories keep u+rwx until `finishDirectories` gives them their attributes, deepest first.
 *
 * What it may not recreate (sockets, devices when not root, some extended attributes) is listed in
 * `notRestored`. Checks and writes are separate calls: a target that other processes change during
 * the restore is not defended against (restore into a directory only the restore writes to).
 */
export class RestoreTarget {
  readonly root: string;
  /** What this target could not recreate as recorded. */
  readonly notRestored = new NotRestoredLog();
  /** Directories checked (or being checked) to be real directories; entries restored side by side share one check. */
  private readonly verified = new Map<string, Promise<void>>();
  /** Directories this restore created (by pathKey), as opposed to ones that were in the target already. */
  private readonly made = new Set<string>();
  private readonly metadata: boolean;
  private readonly sparse: boolean;
  private readonly attributes: AttributeWriter;
  /** Creates and renames wait their turn per directory here rather than spinning on its lock in the kernel. */
  private readonly changes = PROCESS_DIRECTORY_CHANGES;
  /** Set with the first file written (the target exists by then): options.fileCalls, or the target's file system's. */
  private calls: FileCalls | null = null;

  constructor(
    root: string,
    private readonly options: RestoreTargetOptions = {},
  ) {
    this.root = path.resolve(root);
    this.metadata = options.metadata ?? true;
    this.sparse = options.sparse ?? true;
    const modeMask = options.keepSetIdBits === false ? 0o7777 & ~SET_ID_BITS : 0o7777;
    this.attributes = new AttributeWriter({ owner: options.owner ?? 'if-root', modeMask }, this.notRestored);
    if (options.fileCalls) this.calls = options.fileCalls === 'calling-thread' ? CALLING_THREAD_CALLS : THREAD_POOL_CALLS;
  }

  /** The file calls for this target; `dir` is an existing directory inside it. */
  private fileCalls(dir: FsPath): FileCalls {
    this.calls ??= fileCallsFor(dir);
    return this.calls;
  }

  /** Which file calls this target makes (`null` until its first file). */
  get fileCallsName(): FileCalls['name'] | null {
    return this.calls?.name ?? null;
  }

  /** The absolute path of an entry; throws UnsafeEntryPathError for paths that leave the target. */
  pathOf(entryPath: string): FsPath {
    return resolveInsideTarget(this.root, entryPath);
  }

  /**
   * The absolute path of an entry that is not a directory. An entry path naming the target itself
   * (`.`, `./`, '') is refused: its temporary file would go beside the target, in its parent, and
   * its rename would replace the target.
   */
  private pathOfNonDirectory(entryPath: string): FsPath {
    const absolute = this.pathOf(entryPath);
    // A path the manifest records so (refusedNonDirectoryPath, which verify applies): no conflict in the target to clear (review r58H F7).
    if (absolute === this.root) throw new UnsafeRecordedPathError(entryPath, NOT_A_DIRECTORY_AT_TARGET);
    return absolute;
  }

  /**
   * Whether this restore created the directory of `entryPath` (an entry's, or a parent made on the way
   * to one): a directory that was already in the target belongs to whoever made it, and a restore of a
   * subtree must not change it.
   */
  madeDirectory(entryPath: string): boolean {
    return this.made.has(pathKey(this.pathOf(entryPath)));
  }

  /**
   * The first of `entryPath` and the directories above it (up to one this restore made: those above it are directories)
   * that is in the target and is not a directory, and what it is; null when there is none. For a folder marker, which
   * holds no bytes and so never replaces what is there, even with --overwrite (review r60I F1).
   */
  async nonDirectoryOn(entryPath: string): Promise<{ readonly path: string; readonly is: 'a file' | 'a symlink' | 'not a directory' } | null> {
    const chain: string[] = [];
    for (let at = entryPath; at !== '' && !this.madeDirectory(at); at = at.includes('/') ? at.slice(0, at.lastIndexOf('/')) : '') chain.push(at);
    // From the top down: below a file, lstat answers ENOTDIR; below a name that is missing, nothing is there either.
    for (const at of chain.reverse()) {
      const existing = await lstatOrNull(this.pathOf(at));
      if (!existing) return null;
      if (!existing.isDirectory()) return { path: at, is: existing.isFile() ? 'a file' : existing.isSymbolicLink() ? 'a symlink' : 'not a directory' };
    }
    return null;
  }

  /** Creates a directory entry (and missing parents). Its attributes come with finishDirectories. */
  async makeDirectory(entryPath: string): Promise<FsPath> {
    const absolute = this.pathOf(entryPath);
    await this.ensureDirectory(absolute, entryPath);
    return absolute;
  }

  /**
   * Writes a file entry of `size` bytes: `write` fills the open temporary file and resolves with the
   * bytes it wrote to it (fewer than `size` when it left holes: the length is then set here), then
   * the attributes are applied and the file is renamed onto its name. On any failure before the
   * rename the temporary file is removed and nothing appears under the name. `placed`, when given,
   * runs once the file has its name, with its descriptor still open: checked writes take the file's
   * identity and change time there, with no lookup of the name.
   */
  async writeFile(entryPath: string, attributes: EntryAttributes, size: number, write: (fh: OpenFile) => Promise<number>, placed?: (fh: OpenFile) => Promise<void>): Promise<void> {
    const absolute = this.pathOfNonDirectory(entryPath);
    const dir = parentOf(absolute);
    await this.ensureDirectory(dir, entryPath);
    const temp = tempPathFor(absolute);
    const calls = this.fileCalls(dir);
    // Read and write: checked writes read each blob back through this descriptor (checked-writes.ts).
    const fh = await this.changes.run(dir, () => calls.open(temp, fsc.O_RDWR | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600));
    try {
      const written = await write(fh);
      if (written < size) await fh.truncate(size);
      if (this.metadata) await this.attributes.toHandle(fh, attributes, entryPath);
      if (placed) {
        // Renaming an open file is safe on POSIX file systems and on NFS (EFS): only unlinking one is special there.
        await this.replace(temp, absolute, entryPath);
        await placed(fh);
        await fh.close();
      } else {
        await fh.close();
        await this.replace(temp, absolute, entryPath);
      }
    } catch (err) {
      await fh.close().catch(() => undefined);
      await fs.unlink(temp).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Creates the empty piece file of a large file entry that several restorers write side by side
   * (piecePathFor), and the directories above it that are missing: the restore's plan step does this
   * once per such entry, before any piece is written. A retried plan step finds the file there and
   * leaves it as it is (no O_TRUNC, no O_EXCL). Opened without following a link and refused unless it
   * is a regular file, as every file the restore writes.
   */
  async createFilePieces(entryPath: string, restoreId: string): Promise<void> {
    const absolute = this.pathOfNonDirectory(entryPath);
    await this.ensureDirectory(parentOf(absolute), entryPath);
    const fh = await this.openPieceFile(absolute, entryPath, restoreId, fsc.O_CREAT);
    await fh.close();
  }

  /**
   * Writes one piece of a large file entry into the piece file createFilePieces made: `write` fills
   * its byte range, which finishFilePieces later puts in place. The file is only opened, never
   * created, and no directory is made on the way: once Abandon restore removed it (the restore failed)
   * or Verify restore renamed it, a piece still being written (a shard invocation that outlived its
   * restore: Step Functions stops no running Lambda invocation) fails with PieceFileMissingError
   * instead of leaving a file as large as the entry that no later step removes (audit R17 F2).
   */
  async writeFilePiece(entryPath: string, restoreId: string, write: (fh: OpenFile) => Promise<number>): Promise<number> {
    const absolute = this.pathOfNonDirectory(entryPath);
    const pieceFile = piecePathFor(absolute, restoreId);
    const missing = (cause?: unknown): PieceFileMissingError => new PieceFileMissingError(entryPath, restoreId, `the piece file ${relativeDisplay(this.root, pieceFile)}`, cause);
    await this.requireDirectories(parentOf(absolute), entryPath, missing);
    let fh: fs.FileHandle;
    try {
      fh = await this.openPieceFile(absolute, entryPath, restoreId, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(err);
      throw err;
    }
    try {
      return await write(fh);
    } finally {
      await fh.close();
    }
  }

  /**
   * Puts a file written in pieces in place: sets its length (holes at its end), applies the
   * attributes and renames it onto its name. Idempotent over a retry that finds it already renamed:
   * resolves false when there is no piece file (the caller then checks the file under its name).
   */
  async finishFilePieces(entryPath: string, restoreId: string, size: number, attributes: EntryAttributes): Promise<boolean> {
    const absolute = this.pathOfNonDirectory(entryPath);
    let fh: fs.FileHandle;
    try {
      fh = await this.openPieceFile(absolute, entryPath, restoreId, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    try {
      if ((await fh.stat()).size > size) throw new UnsafeEntryPathError(entryPath, `its piece file holds more than the entry's ${size} bytes`);
      await fh.truncate(size);
      if (this.metadata) await this.attributes.toHandle(fh, attributes, entryPath);
    } finally {
      await fh.close();
    }
    await this.replace(piecePathFor(absolute, restoreId), absolute, entryPath);
    return true;
  }

  /** Removes the piece file of an entry whose pieces did not all arrive. */
  async discardFilePieces(entryPath: string, restoreId: string): Promise<void> {
    await unlinkIfPresent(piecePathFor(this.pathOfNonDirectory(entryPath), restoreId)).catch((err: unknown) => {
      // Under a directory whose name the file system refuses as too long no piece file was made (review r59E F2).
      if (!isNameTooLong(err)) throw err;
    });
  }

  private async openPieceFile(absolute: FsPath, entryPath: string, restoreId: string, create: number): Promise<fs.FileHandle> {
    // O_NONBLOCK: a FIFO planted at the name must not block the open; it is refused below.
    const fh = await fs.open(piecePathFor(absolute, restoreId), fsc.O_WRONLY | create | fsc.O_NOFOLLOW | fsc.O_NONBLOCK, 0o600);
    if (!(await fh.stat()).isFile()) {
      await fh.close();
      throw new UnsafeEntryPathError(entryPath, 'its piece file in the target is not a regular file');
    }
    return fh;
  }

  /** Whether files are written with holes (RestoreTargetOptions.sparse). */
  get writesHoles(): boolean {
    return this.sparse;
  }

  /** Creates a symlink entry with its target verbatim (it may point anywhere; bytes when it is not UTF-8), replacing a file or link at the name. */
  async makeSymlink(entryPath: string, linkTarget: FsPath, attributes: EntryAttributes): Promise<void> {
    const absolute = this.pathOfNonDirectory(entryPath);
    await this.ensureDirectory(parentOf(absolute), entryPath);
    const temp = tempPathFor(absolute);
    await this.changes.run(parentOf(absolute), () => fs.symlink(linkTarget, temp));
    await this.finishNode(temp, absolute, entryPath, attributes, 'symlink');
  }

  /**
   * Makes a FIFO or device node (`rdev`: the device number as recorded) with its attributes. A node
   * the restorer may not make (a device when not root: EPERM) or cannot (no platform calls) is
   * reported in `notRestored`; resolves with whether it was made.
   */
  async makeSpecial(entryPath: string, type: RecreatableSpecialType, rdev: bigint, attributes: EntryAttributes): Promise<boolean> {
    const { bits, label } = NODE_TYPES[type];
    const calls = platformCalls();
    if (!calls) {
      this.notRestored.add(entryPath, `${label} not recreated: ${platformCallsUnavailableReason()}`);
      return false;
    }
    const absolute = this.pathOfNonDirectory(entryPath);
    await this.ensureDirectory(parentOf(absolute), entryPath);
    const temp = tempPathFor(absolute);
    try {
      calls.makeNode(temp, bits | 0o600, type === 'fifo' ? 0n : rdev);
    } catch (err) {
      if (!(err instanceof PosixCallError) || (err.code !== 'EPERM' && err.code !== 'EACCES' && err.code !== 'ENOTSUP')) throw err;
      const device = type === 'fifo' ? '' : ` ${deviceNumbers(rdev)}`;
      this.notRestored.add(entryPath, `${label}${device} not recreated: ${err.code}${type === 'fifo' ? '' : ' (only root may make device nodes)'}`);
      return false;
    }
    await this.finishNode(temp, absolute, entryPath, attributes, 'special');
    return true;
  }

  /**
   * Makes `entryPath` another name of the file restored at `firstPath` (a hard link), replacing a
   * file or link at the name. Resolves false when the link cannot be made (the first name is not
   * there, another file system, too many links) and when the first name is not a regular file of the
   * target reached without following a symlink: the caller then writes the content instead. A
   * first name the restore did not make itself (another shard's, one already in the target, a
   * crafted `hardlink`) must not make the link a name of a file outside the target. `attributes`: the
   * name's own, of which only what the file lacks is said (AttributeWriter.toLinkedName).
   */
  async makeHardLink(entryPath: string, firstPath: string, attributes: EntryAttributes): Promise<boolean> {
    const absolute = this.pathOfNonDirectory(entryPath);
    const first = this.firstNameOf(entryPath, firstPath);
    await this.ensureDirectory(parentOf(absolute), entryPath);
    // link(2) follows links on the way to its first path: the way is walked here without them, and linked through the walk's descriptor.
    const source = await reachWithoutLinks(this.root, first);
    if (!source) return false;
    const temp = tempPathFor(absolute);
    try {
      try {
        await this.changes.run(parentOf(absolute), () => fs.link(source.path, temp));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EXDEV' || code === 'EMLINK' || code === 'EPERM' || code === 'ENOTSUP') return false;
        throw err;
      }
    } finally {
      await source.close();
    }
    try {
      // link(2) does not follow a symlink at the first name itself: it links the symlink (or a FIFO, a device). What it linked is checked, not what was there before.
      if (!(await fs.lstat(temp)).isFile()) {
        await fs.unlink(temp);
        return false;
      }
      await this.replace(temp, absolute, entryPath);
    } catch (err) {
      await fs.unlink(temp).catch(() => undefined);
      throw err;
    }
    if (this.metadata) this.attributes.toLinkedName(attributes, entryPath);
    return true;
  }

  /** The absolute path of a hard link's first name; refused (UnsafeEntryPathError naming the entry restored) when it would leave the target. */
  firstNameOf(entryPath: string, firstPath: string): FsPath {
    try {
      return this.pathOfNonDirectory(firstPath);
    } catch (err) {
      if (!(err instanceof UnsafeEntryPathError)) throw err;
      const why = err.reason.startsWith('it ') ? `which ${err.reason.slice(3)}` : `which is refused: ${err.reason}`;
      // Of the same kind: a first name the manifest may not hold makes the snapshot damaged, not the target in the way.
      throw err.about(entryPath, `it is another name (a hard link) of ${JSON.stringify(firstPath)}, ${why}`);
    }
  }

  /**
   * Gives restored directories their exact attributes, deepest first, once every child is written
   * (writing a child changes its directory's mtime, and a read-only mode would block it; a default
   * ACL set earlier would be inherited by children that recorded none).
   */
  async finishDirectories(dirs: Iterable<{ readonly path: string; readonly attributes: EntryAttributes }>): Promise<void> {
    if (!this.metadata) return;
    const list = [...dirs].map((d) => ({ ...d, absolute: this.pathOf(d.path) }));
    list.sort((a, b) => depthOf(b.absolute) - depthOf(a.absolute) || (pathKey(a.absolute) < pathKey(b.absolute) ? 1 : -1));
    for (const { path: entryPath, absolute, attributes } of list) {
      let fh: fs.FileHandle;
      try {
        fh = await fs.open(absolute, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_DIRECTORY);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP' || code === 'ENOTDIR') throw new UnsafeEntryPathError(entryPath, 'it is no longer a directory in the target');
        // Its name (or one above it) is too long for the file system: it was not made, which its restore said (name-too-long.ts);
        // the workflow's verify step finishes directories it did not restore itself.
        if (isNameTooLong(err)) continue;
        throw err;
      }
      try {
        await this.attributes.toHandle(fh, attributes, entryPath);
      } finally {
        await fh.close();
      }
    }
  }

  /**
   * As finishDirectories, for directories that are not entries of the restore (the parents a filtered restore made on the
   * way to its path): what cannot be set on them is not listed in `notRestored`, which says what the restore's entries
   * lack (review r58I F4), but returned, for the restore to say apart from its count (review r59A F5: it was said nowhere).
   */
  async finishParentDirectories(dirs: Iterable<{ readonly path: string; readonly attributes: EntryAttributes }>): Promise<NotRestored[]> {
    const parents = new RestoreTarget(this.root, this.options);
    await parents.finishDirectories(dirs);
    return parents.notRestored.list();
  }

  /** Gives a just-made symlink or node at `temp` its attributes and renames it onto its name. */
  private async finishNode(temp: FsPath, absolute: FsPath, entryPath: string, attributes: EntryAttributes, kind: 'symlink' | 'special'): Promise<void> {
    try {
      if (this.metadata) await this.attributes.toPath(temp, attributes, entryPath, kind);
      await this.replace(temp, absolute, entryPath);
    } catch (err) {
      await fs.unlink(temp).catch(() => undefined);
      throw err;
    }
  }

  /** Makes sure `dir` (inside the root, or the root) is a real directory, checking every component below the root. */
  private ensureDirectory(dir: FsPath, entryPath: string): Promise<void> {
    const key = pathKey(dir);
    let check = this.verified.get(key);
    if (!check) {
      check = this.checkDirectory(dir, entryPath);
      this.verified.set(key, check);
      // A failed check is not remembered: the next entry below it checks (and reports) again.
      check.catch(() => this.verified.delete(key));
    }
    return check;
  }

  /**
   * Makes sure `dir` and every directory between it and the root are there and real directories,
   * changing nothing: where one is missing, `missing()` is thrown; a symlink or another file on the way
   * is refused, since nothing is written through it (with or without `overwrite`: only a step that may
   * create the directory replaces what is in its place).
   */
  private async requireDirectories(dir: FsPath, entryPath: string, missing: () => Error): Promise<void> {
    if (dir === this.root) {
      const stats = await fs.stat(this.root).catch(() => null);
      if (!stats) throw missing();
      if (!stats.isDirectory()) throw new RestoreTargetNotDirectoryError(this.root);
      return;
    }
    await this.requireDirectories(parentOf(dir), entryPath, missing);
    const existing = await lstatOrNull(dir);
    if (!existing) throw missing();
    if (!existing.isDirectory()) {
      const what = existing.isSymbolicLink() ? 'a symlink' : 'not a directory';
      throw new UnsafeEntryPathError(entryPath, `${JSON.stringify(relativeDisplay(this.root, dir))} is ${what} in the target, where the restore made a directory, and nothing is written through it`);
    }
  }

  private async checkDirectory(dir: FsPath, entryPath: string): Promise<void> {
    if (dir === this.root) {
      // The root itself may be a link the user chose; only what lies below it is checked for links.
      const stats = await fs.stat(this.root).catch(() => null);
      if (stats && !stats.isDirectory()) throw new RestoreTargetNotDirectoryError(this.root);
      if (!stats) await fs.mkdir(this.root, { recursive: true });
      else await this.removeLeftoverTemporaries(this.root);
      return;
    }
    await this.ensureDirectory(parentOf(dir), entryPath);
    const rel = relativeDisplay(this.root, dir);
    const existing = await lstatOrNull(dir);
    if (existing?.isSymbolicLink()) {
      if (!this.options.overwrite) {
        const to = await fs.readlink(dir).catch(() => '?');
        throw new UnsafeEntryPathError(entryPath, `${JSON.stringify(rel)} is a symlink in the target (to ${JSON.stringify(to)}), and nothing is written through a symlink; remove it or restore with --overwrite to replace the link`);
      }
      await unlinkIfPresent(dir);
    } else if (existing && !existing.isDirectory()) {
      if (!this.options.overwrite) throw new UnsafeEntryPathError(entryPath, `${JSON.stringify(rel)} is already in the target and is not a directory; remove it or restore with --overwrite`);
      await unlinkIfPresent(dir);
    }
    if (!existing || !existing.isDirectory()) {
      try {
        await this.changes.run(parentOf(dir), () => fs.mkdir(dir, { mode: OWNER_RWX }));
        this.made.add(pathKey(dir));
      } catch (err) {
        // Entries are restored side by side: another one may have created it a moment ago.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !(await lstatOrNull(dir))?.isDirectory()) throw err;
      }
      return;
    }
    if ((existing.mode & OWNER_RWX) !== OWNER_RWX) {
      // A directory restored earlier (a retried shard) may carry its final read-only mode already.
      await chmodNoFollow(dir, (existing.mode & 0o7777) | OWNER_RWX);
    }
    await this.removeLeftoverTemporaries(dir);
  }

  /**
   * Removes from `dir`, a directory that was in the target already, what a killed restore left at
   * temporary names (RestoreTargetOptions.leftoverTemporaries), once unchanged for
   * LEFTOVER_TEMPORARY_AGE_MS. Runs within the directory's check, which every write into `dir` awaits:
   * none of this restore's own temporary files is there yet.
   * A directory at such a name is left alone (the restore never makes one there).
   */
  private async removeLeftoverTemporaries(dir: FsPath): Promise<void> {
    const report = this.options.leftoverTemporaries;
    if (!report) return;
    // Names as bytes: a name that is not UTF-8 must be removed by its exact bytes.
    const names = await fs.readdir(dir, { encoding: 'buffer' });
    for (const name of names) {
      if (!isTempName(name)) continue;
      const leftover = childOf(dir, name);
      const stats = await lstatOrNull(leftover);
      if (!stats || stats.isDirectory()) continue;
      if (Date.now() - stats.mtimeMs < LEFTOVER_TEMPORARY_AGE_MS) {
        report.leftRecent?.(leftover);
        continue;
      }
      await unlinkIfPresent(leftover);
      report.removed(leftover);
    }
  }

  /** Renames `temp` onto `absolute`: replaces a file or link there without following it, never a directory. */
  private async replace(temp: FsPath, absolute: FsPath, entryPath: string): Promise<void> {
    try {
      const dir = parentOf(absolute);
      const calls = this.fileCalls(dir);
      await this.changes.run(dir, () => calls.rename(temp, absolute));
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

/**
 * A piece of a large file was to be written, but its piece file is not in the target: the restore's
 * plan step creates it, and only Abandon restore (the restore failed) or Verify restore (the file was
 * put in place) removes it. So the restore this piece belongs to has ended, and this piece is not
 * written: nothing is created in the target.
 */
export class PieceFileMissingError extends Error {
  override readonly name = 'PieceFileMissingError';
  /** `missing`: what is not there, e.g. `the piece file media/.video.raw.lifeboat-<restoreId>.part`. */
  constructor(
    readonly entryPath: string,
    readonly restoreId: string,
    missing: string,
    cause?: unknown,
  ) {
    super(
      `${missing} is not in the target, so this piece of ${JSON.stringify(entryPath)} was not written by restore ${restoreId}: the restore's plan step creates the piece file and only Abandon restore (the restore failed) or Verify restore (the file is in place) removes it, so this restore has ended and nothing is left to do for it (if it failed, run the restore again)`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** `major:minor` of a Linux device number (glibc's dev_t encoding, as stat reports it). */
export function deviceNumbers(rdev: bigint): string {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

async function lstatOrNull(p: FsPath): Promise<Stats | null> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Removes a link or file; another restorer of the same target may have done it a moment ago. */
async function unlinkIfPresent(p: FsPath): Promise<void> {
  try {
    await fs.unlink(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** chmod that refuses to follow a symlink: the path is opened with O_NOFOLLOW and changed through the handle. */
async function chmodNoFollow(absolute: FsPath, mode: number): Promise<void> {
  const fh = await fs.open(absolute, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  try {
    await fh.chmod(mode);
  } finally {
    await fh.close();
  }
}
