import { isUtf8 } from 'node:buffer';
import { constants as fsc, existsSync } from 'node:fs';
import { type FileHandle, lstat, open, opendir, readlink, rmdir, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { forEachBounded, type FsPath } from '../../vault';
import { DrillScratchError } from './drill-errors';
import { unseenEscaped } from '../runtime/quoted-service-words';

/**
 * Removing a drill's scratch directory (a file-system source restored to the mounted file system) within the cleanup's
 * time (review rJ F1). A recursive `rm` has no deadline: a restored tree of millions of files ran the cleanup step into
 * its Lambda timeout (Sandbox.Timedout), and the next sweep began another unbounded `rm`. This walk checks the time
 * before every file and directory it removes, and stops with what it removed; what is left stays for a later sweep,
 * which walks on from there (nothing is lost by stopping between two unlinks).
 *
 * Names are bytes (review rM F1): the restore writes a name that is not UTF-8 (a Latin-1 é) back byte for byte, and
 * read as a string it would come back as U+FFFD, a name that does not exist.
 *
 * It never follows a symbolic link (review rM F2): a restored link may point at a live source, and a restore shard
 * still running may put a link where a directory was. Each directory is pinned by a descriptor opened with O_NOFOLLOW
 * from its parent's descriptor, as vault/restorer/pinned-name.ts does: it is read through `/proc/self/fd/<fd>`, and its
 * entries are unlinked and its subdirectories removed as `/proc/self/fd/<fd>/<name>` (unlink and rmdir never follow the
 * last name), so a directory renamed or swapped for a link after it was opened cannot redirect the walk. A link is
 * unlinked, which removes the link. Where there is no /proc (not Lambda: a developer's macOS) nothing is removed
 * (review rQ F2): a walk by checked paths deleted live data under a link swapped in between the check and the use in
 * about half the runs of a swapping writer, so the directory is listed as an error, and a sweep on Linux removes it.
 *
 * A descriptor stays on its directory wherever the directory goes (review rQ F3): an operator who moves a restored
 * directory out of the scratch root to keep it while the walk is inside it would see it emptied through the descriptor.
 * So before each pass over a directory, and before its rmdir, the walk checks two ways that it is still where it went:
 * - the kernel's path of the directory it holds (readlink of its `/proc/self/fd/<fd>`) must still be the scratch root's
 *   followed by the names the walk went through, byte for byte. That path follows no link and shows a local move of any
 *   directory above it (review rB F1: a lookup of the whole path by name followed a link put where a moved directory
 *   was, to the moved directory, and emptied it). But the kernel builds it from its local cache of names, which a
 *   move made by another NFS client (an operator's `mv` on an EC2 instance mounting the same EFS) never updates;
 * - so each name is also looked up again (review rG F1): lstat of `/proc/self/fd/<parent's fd>/<name>`, from the
 *   descriptor the walk holds on the parent (no link on the way; lstat follows no last one), must find the directory
 *   held: before a pass the directory's own and those of the directories above it to the scratch root not looked up
 *   in the last CHAIN_RECHECK_MS of the walk's clock (review rL F1), before its rmdir the directory's alone (those
 *   above were checked at its pass). The Linux NFS client answers a lookup from its cache of names while it trusts its
 *   cached attributes of the parent: until they time out (defaults: 30 to 60 s a directory), or sooner once a change
 *   it made to the parent itself (the walk's unlink or rmdir there) shows one it did not make. So another client's
 *   move may show to a lookup only up to a minute after it, and the second a directory above waits between lookups
 *   adds at most that second; the directory a pass is over is looked up at every pass.
 * The cost: a readlink and an lstat a pass and an rmdir, and an lstat a second for each directory above. Looking every
 * one up at every pass (a name past PINNED_DEPTH as a path of up to depth names) made the cost grow as the depth
 * squared: a tree 25 to 30 deep took twice the time of a walk without the lookups (review rL F1). On NFS an lstat of a
 * directory the walk has just emptied is a round trip (its cached attributes are stale), beside an unlink a file.
 * If either finds it elsewhere, the walk leaves that directory (the shallowest looked up elsewhere) and all under it,
 * names it in a DrillScratchError once the rest is removed (cut by the time: in what it returns), and goes on; one
 * removed meanwhile (link count 0, or NFS's ESTALE, which every call through a directory another client removed
 * answers: a lookup, unlink, open, listing or rmdir in it) is no error. A pass already under
 * way when it moves ends, and a directory above moved by another client during a pass is seen at the first pass
 * CHAIN_RECHECK_MS or more after its last lookup, after that rmdir of the directory the pass emptied (checking once a
 * file would double the calls). The kernel shows no path longer than PATH_MAX, so the walk empties no directory deeper
 * than that: it stops with a DrillScratchError naming it. An error that stops the walk names the directories found
 * moved before it too (review rG F4).
 */

/** Files unlinked at once: libuv runs file-system calls on 4 threads, and EFS answers each in a few milliseconds. */
const UNLINKS_IN_FLIGHT = 4;

/**
 * Subdirectory names one pass over a directory gathers before it walks into them: the walk's memory stays bounded
 * whatever the tree's shape, and a directory holding more is read again once these are gone.
 */
const SUBDIRECTORIES_PER_PASS = 1_000;

/**
 * Directory descriptors the walk keeps open at most (Lambda allows 1,024 a process): in a deeper tree the shallowest
 * are closed, and opened again from their parent by name when the walk comes back up to them.
 */
const PINNED_DEPTH = 64;

/** Whether this machine has /proc/self/fd, through which the walk reaches the directories it pins. */
const PINNED = existsSync('/proc/self/fd');

/**
 * Passes in a row over one directory that remove nothing before its not being empty is an error: the first may only
 * have found it empty, and a late shard wrote one file before its rmdir, which the second removes (review rQ F1).
 */
const IDLE_PASSES = 2;

/**
 * Passes over one directory whose rmdir found it not empty before that is an error: a late shard that writes a file
 * before every rmdir would otherwise take the cleanup's whole time, or with no deadline never end (review rQ F4).
 */
const REFILLED_PASSES = 10;

/**
 * Milliseconds a directory above the one a pass is over counts as in place after a lookup found it there. Another NFS
 * client's move shows to a lookup only once this client revalidates the parent (up to its 30 to 60 s attribute
 * timeout), and a move on this machine shows in the kernel's path, read every pass: a second here adds a second to a
 * delay NFS allows anyway, and saves a lookup of every directory above at every pass (review rL F1).
 */
const CHAIN_RECHECK_MS = 1_000;

/**
 * Bytes of a path the kernel takes (PATH_MAX, with its NUL). Used only to name which directory moved: a deeper
 * directory's path is looked up from the shallowest open ancestor it fits under.
 */
const PATH_MAX = 4_096;

/**
 * A directory the walk left alone with all under it (its shown path): moved or replaced while the walk held it; or,
 * `remade`, another directory found at its name when the walk came back to it with its descriptor closed (deeper than
 * PINNED_DEPTH), which cannot tell a move from a removal and a `mkdir -p` (review rG F3).
 */
export type MovedDirectory = { readonly path: string; readonly remade?: true };

/**
 * What removing a directory came to: done (gone), or cut by the deadline; how many files and directories it removed;
 * and, when cut, the directories moved or replaced so far (with `movedBefore`), which the walk left alone and the error
 * of the call that finishes names (review rB F2: thrown from a cut call, they lost its count and its second turn).
 */
export type DirectoryRemoval = { done: boolean; removed: number; moved?: MovedDirectory[] };

/**
 * Where there is no /proc (`pinned`, this machine's unless a test says otherwise); the directories earlier calls' cuts
 * returned as moved; and the walk's clock in milliseconds (`now`, performance.now unless a test says otherwise), by which
 * a directory above is looked up again after CHAIN_RECHECK_MS.
 */
export type DirectoryRemovalOptions = { pinned?: boolean; movedBefore?: readonly MovedDirectory[]; now?: () => number };

/** `name` in directory `dir`, as bytes: a name need not be UTF-8, and a Buffer path reaches it as it is. */
function childOf(dir: FsPath, name: Buffer): Buffer {
  return Buffer.concat([Buffer.from(dir), Buffer.from('/'), name]);
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Whether `err` says the entry, or the directory it was reached through, is gone. NFS answers ESTALE to every call
 * through a descriptor on a directory another client removed (a concurrent sweep's, on another Lambda), where a local
 * file system says ENOENT (review rS F1: the unlink or open of a name in it ended the cleanup raw). An NFSv4 rename
 * leaves the handle valid, so ESTALE does not hide a move: the walk's next check of the directory (inPlace) tells.
 */
function isGone(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'ENOENT' || code === 'ESTALE';
}

/** Gone meanwhile (a concurrent sweep, a retried cleanup): what removing it was for. */
function ignoreGone(err: unknown): void {
  if (!isGone(err)) throw err;
}

/** A directory as the walk's calls reach it: its pinned descriptor's `/proc/self/fd/<fd>`. */
type Reached = { readonly path: FsPath; readonly handle: FileHandle };

/** Which directory a descriptor or a name is: what stays the same when it is renamed, and differs for another. */
type Identity = { readonly dev: bigint; readonly ino: bigint };

function sameIdentity(a: Identity, b: Identity): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * The kernel's path of a directory the walk holds (bytes, as names are): where it is now, whatever links or moves led
 * there; 'too long' past PATH_MAX, which the kernel does not show.
 */
async function kernelPathOf(at: Reached): Promise<Buffer | 'too long'> {
  try {
    return await readlink(at.path, { encoding: 'buffer' });
  } catch (err) {
    if (codeOf(err) === 'ENAMETOOLONG') return 'too long';
    throw err;
  }
}

/** Which directory (or other entry) is at `at` now, a last link not followed; undefined when there is none to be found there. */
async function identityAt(at: FsPath): Promise<Identity | undefined> {
  try {
    const { dev, ino } = await lstat(at, { bigint: true });
    return { dev, ino };
  } catch (err) {
    // ENOTDIR: a file in a directory's place on the way; ELOOP: links in a loop in one's place; ESTALE: NFS's answer
    // when another client removed the directory looked up from (review rL: it ended the cleanup raw), which inPlace's
    // link count then tells from a move.
    const code = codeOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ESTALE') return undefined;
    throw err;
  }
}

/** `name` in `parent`, opened without following a link: a directory (and which one), or what else it is now. */
async function openChild(parent: Reached, name: Buffer): Promise<(Reached & { identity: Identity }) | 'gone' | 'not a directory'> {
  const at = childOf(parent.path, name);
  try {
    const handle = await open(at, fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW);
    try {
      const { dev, ino } = await handle.stat({ bigint: true });
      return { path: `/proc/self/fd/${handle.fd}`, handle, identity: { dev, ino } };
    } catch (err) {
      await handle.close();
      throw err;
    }
  } catch (err) {
    if (isGone(err)) return 'gone';
    // A link answers ELOOP with O_NOFOLLOW; Linux answers ENOTDIR for a link to a directory (O_DIRECTORY) too.
    if (codeOf(err) === 'ELOOP' || codeOf(err) === 'ENOTDIR') return 'not a directory';
    throw err;
  }
}

/**
 * Whether the directory held as `at` was removed (by a concurrent sweep): not a move. Only the link count says so, or
 * NFS's ESTALE for a directory another client removed: the kernel's path of a removed directory ends with
 * " (deleted)", but so may a name (review rG F2).
 */
async function removedMeanwhile(at: Reached): Promise<boolean> {
  try {
    return (await at.handle.stat({ bigint: true })).nlink === 0n;
  } catch (err) {
    if (codeOf(err) === 'ESTALE') return true;
    throw err;
  }
}

/** One pass over a directory: its files and links unlinked, and up to SUBDIRECTORIES_PER_PASS of its subdirectories' names. */
type Pass = { removed: number; subdirectories: Buffer[]; cut: boolean };

async function clearFiles(directory: Reached, timeLeft: () => number): Promise<Pass> {
  const pass: Pass = { removed: 0, subdirectories: [], cut: false };
  // As bytes: @types/node types Dir's names as strings only, but with this encoding Node gives Buffers.
  const handle = await opendir(directory.path, { encoding: 'buffer' as BufferEncoding }).catch((err: unknown) => ignoreGone(err));
  if (!handle) return pass;
  const dir = handle;
  // Pulled only when an unlink slot is free, so the time is checked before each file, not once a directory.
  async function* files(): AsyncGenerator<Buffer> {
    // The iterator closes the handle however the loop ends. Entries unlinked while it reads are ones it has returned,
    // which POSIX readdir allows.
    try {
      for await (const entry of dir) {
        if (timeLeft() <= 0) {
          pass.cut = true;
          return;
        }
        const name: unknown = entry.name;
        if (!Buffer.isBuffer(name)) throw new TypeError('opendir returned a name as a string although asked for bytes');
        // Entered only once opened without following a link (openChild), so the entry's type need not be checked again.
        if (entry.isDirectory()) {
          pass.subdirectories.push(name);
          if (pass.subdirectories.length >= SUBDIRECTORIES_PER_PASS) return;
          continue;
        }
        yield name;
      }
    } catch (err) {
      // A read of the listing once another NFS client removed the directory (ESTALE): the pass ends, and the check
      // before its rmdir (inPlace) tells the removal from a move.
      ignoreGone(err);
    }
  }
  await forEachBounded(files(), UNLINKS_IN_FLIGHT, async (name) => {
    try {
      await unlink(childOf(directory.path, name));
      pass.removed++;
    } catch (err) {
      // A directory the listing did not type (DT_UNKNOWN), or one put in the file's place since: walked as one.
      if (codeOf(err) === 'EISDIR' || codeOf(err) === 'EPERM') pass.subdirectories.push(name);
      else ignoreGone(err);
    }
  });
  return pass;
}

/**
 * A name for messages. A restored directory's name is the backup's data: its newlines, escapes and format characters
 * would forge or hide lines of the drill's record and of `lifeboat drills show`, so a UTF-8 name shows them as \uXXXX
 * (unseenEscaped; review r61G F3), and a name that is not UTF-8 shows every byte outside printable ASCII as \xNN. In
 * both a backslash reads \\, so that no escape is the name's own text (review r61M F3).
 */
function shown(name: Buffer): string {
  if (isUtf8(name)) return unseenEscaped(name.toString('utf8'));
  return [...name].map((b) => (b === 0x5c ? '\\\\' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

/**
 * A directory the walk is in: its name in its parent, how it is reached (undefined: closed for PINNED_DEPTH), which
 * directory it is, when its name was last found to be it (the walk's clock), and what its last pass left to walk; and
 * of the passes whose rmdir found it not empty, how many there were, how many in a row removed nothing under it, and
 * the walk's count of removals at the last (what was removed under it since).
 */
type Frame = {
  name: Buffer;
  reached: Reached | undefined;
  identity: Identity;
  checkedAt: number;
  pending: Buffer[];
  refilled: number;
  idle: number;
  removedAt: number;
  listedAll: boolean;
};

/** One removal's walk from the scratch root down: the directories it is in, outermost first. */
class Walk {
  readonly frames: Frame[] = [];
  removed = 0;
  constructor(
    private readonly root: string,
    /** Where the walk adds the directories moved or replaced while it was in them, left alone with all under them. */
    private readonly moved: MovedDirectory[],
    private readonly rootDir: Reached,
    /** The scratch root's kernel path, read again if a directory's is not under it (the root itself renamed). */
    private rootPath: Buffer,
    private readonly timeLeft: () => number,
    /** The walk's clock (ms), by which a directory above is looked up again after CHAIN_RECHECK_MS. */
    private readonly clock: () => number,
  ) {}

  /** Removes everything under the top directory (frames[0]) and it; false when the time ran out first. */
  async run(): Promise<boolean> {
    for (let frame = this.frames.at(-1); frame !== undefined; frame = this.frames.at(-1)) {
      if (this.timeLeft() <= 0) return false;
      const depth = this.frames.length - 1;
      const here = await this.reach(depth);
      if (!here) continue;
      const child = frame.pending.pop();
      if (child !== undefined) {
        const opened = await openChild(here, child);
        // A link or file put in the directory's place since the pass: removed as one, never entered.
        if (opened === 'not a directory') await unlink(childOf(here.path, child)).then(() => this.removed++, ignoreGone);
        else if (opened !== 'gone') {
          this.frames.push(this.frameOf(child, opened));
          await this.closeShallowest();
        }
        continue;
      }
      if (!(await this.inPlace(depth, here, 0))) continue;
      const pass = await clearFiles(here, this.timeLeft);
      this.removed += pass.removed;
      if (pass.cut) return false;
      if (pass.subdirectories.length > 0) {
        // Subdirectories again after a pass that listed them all and walked them: made again since (a shard's `mkdir -p`
        // for each file). Each such walk is a fresh frame, so only this count bounds it (review rU F1: without it a
        // recreated subtree spun the walk until the deadline, and with none for ever).
        if (frame.listedAll) this.refilled(frame, depth, 'its subdirectories made again');
        frame.listedAll = pass.subdirectories.length < SUBDIRECTORIES_PER_PASS;
        frame.pending = pass.subdirectories.reverse();
        continue;
      }
      // Checked again: the pass may have taken long enough for its directory, or one above, to move (its rmdir would
      // then remove the directory it emptied from where it went).
      const parent = await this.reach(depth - 1);
      if (!parent || !(await this.inPlace(depth, here, depth))) continue;
      try {
        await rmdir(childOf(parent.path, frame.name));
        this.removed++;
        await this.leave(depth);
      } catch (err) {
        const code = codeOf(err);
        if (code === 'ENOENT') await this.leave(depth);
        // NFS: this directory, or the one above it, was removed by another client. Left only once its descriptor says
        // it is gone; else it was moved out before the one above went, which inPlace finds and names.
        else if (code === 'ESTALE') {
          if (await removedMeanwhile(here)) await this.leave(depth);
          else if (await this.inPlace(depth, here, depth)) throw err;
        }
        // Its name is no longer this directory (moved away, a link put in its place): the link goes, the directory stays where it went.
        else if (code === 'ENOTDIR') {
          await unlink(childOf(parent.path, frame.name)).catch(ignoreGone);
          await this.leave(depth);
        } else if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        // Written to since the pass (a restore shard still running): the next pass removes what is new.
        else this.refilled(frame, depth, code);
      }
    }
    return true;
  }

  /** The frame of a directory just opened by its name from its parent: that was a lookup of the name. */
  frameOf(name: Buffer, reached: Reached & { identity: Identity }): Frame {
    return { name, reached, identity: reached.identity, checkedAt: this.clock(), pending: [], refilled: 0, idle: 0, removedAt: this.removed, listedAll: false };
  }

  /**
   * Whether the directory at `depth` (held as `here`) is still at its path from the scratch root, by the kernel's path
   * of it and by looking the names from `from` to `depth` up again; if not, the walk has left it and all under it, and
   * named the directory that moved unless the directory was only removed meanwhile.
   */
  private async inPlace(depth: number, here: Reached, from: number): Promise<boolean> {
    if (!this.frames[depth]) return true;
    const now = await kernelPathOf(here);
    let shown = now !== 'too long' && now.equals(this.expectedPath(depth));
    if (!shown && now !== 'too long') {
      const rootNow = await kernelPathOf(this.rootDir);
      if (rootNow !== 'too long' && !rootNow.equals(this.rootPath)) {
        this.rootPath = rootNow;
        shown = now.equals(this.expectedPath(depth));
      }
    }
    // Where the kernel's path already shows a move, every name is looked up, to find the one that moved.
    const elsewhere = now === 'too long' ? undefined : await this.firstElsewhere(shown ? from : 0, depth, shown);
    if (shown && elsewhere === undefined) return true;
    // Removed by someone else (a concurrent sweep): what the walk was for, not a move.
    if (await removedMeanwhile(here)) {
      await this.leave(depth);
      return false;
    }
    if (now === 'too long') {
      throw new DrillScratchError(
        `Scratch directory ${this.shownPath(depth)} not removed: its path is longer than the ${PATH_MAX.toLocaleString('en-US')} bytes Linux shows (PATH_MAX), so the cleanup cannot check that it is still under the scratch root ${this.root} before emptying it, and stopped there (a later drill's cleanup stops there again); remove ${this.shownPath(0)} by hand (rm -rf) once no drill runs`,
      );
    }
    this.moved.push({ path: this.shownPath(elsewhere ?? depth) });
    await this.leave(elsewhere ?? depth);
    return false;
  }

  /**
   * The shallowest directory from `from` to `depth` whose name, looked up again, is not the directory the walk went
   * into (moved, or something else at its name); undefined when each is. Looked up from the parent's descriptor when
   * the walk holds it; past PINNED_DEPTH from the nearest one it holds, through the names above it. `recent`: those
   * above `depth` found in place within CHAIN_RECHECK_MS are not looked up; one found elsewhere then has them looked
   * up, as one of them may be what moved (a lookup through their names fails as well).
   */
  private async firstElsewhere(from: number, depth: number, recent: boolean): Promise<number | undefined> {
    for (let i = from; i <= depth; i++) {
      const frame = this.frames[i];
      if (!frame) continue;
      const time = this.clock();
      if (recent && i < depth && time - frame.checkedAt < CHAIN_RECHECK_MS) continue;
      const parent = i === 0 ? this.rootDir : this.frames[i - 1]?.reached;
      const at = await identityAt(parent ? childOf(parent.path, frame.name) : this.placeOf(i));
      if (!at || !sameIdentity(at, frame.identity)) return recent && i > from ? this.firstElsewhere(from, i, false) : i;
      frame.checkedAt = time;
    }
    return undefined;
  }

  /** The kernel's path of the directory at `depth` if it is where the walk went: the scratch root's, then the names. */
  private expectedPath(depth: number): Buffer {
    const names = this.frames.slice(0, depth + 1).flatMap((f) => [Buffer.from('/'), f.name]);
    // The scratch root may be / itself (its path then already ends with the slash).
    const root = this.rootPath.equals(Buffer.from('/')) ? Buffer.alloc(0) : this.rootPath;
    return Buffer.concat([root, ...names]);
  }

  /** The path of the directory at `depth` from the scratch root's descriptor (or, past PATH_MAX, from the shallowest open ancestor it fits under). */
  private placeOf(depth: number): Buffer {
    let from: Reached | undefined;
    let anchor = depth - 1;
    let names = 0;
    for (let i = depth; i >= 0; i--) {
      names += 1 + (this.frames[i]?.name.length ?? 0);
      const at = i === 0 ? this.rootDir : this.frames[i - 1]?.reached;
      if (!at) continue;
      if (from && Buffer.byteLength(at.path) + names >= PATH_MAX) break;
      from = at;
      anchor = i - 1;
    }
    const below = this.frames.slice(anchor + 1, depth + 1).flatMap((f) => [Buffer.from('/'), f.name]);
    return Buffer.concat([Buffer.from(from?.path ?? ''), ...below]);
  }

  /**
   * A pass's rmdir found the directory not empty. What was removed under it counts subdirectories too: a pass over a
   * directory holding only subdirectories unlinks nothing itself.
   */
  private refilled(frame: Frame, depth: number, code: string): void {
    frame.refilled++;
    frame.idle = this.removed === frame.removedAt ? frame.idle + 1 : 0;
    frame.removedAt = this.removed;
    if (frame.idle >= IDLE_PASSES) {
      throw new DrillScratchError(
        `Scratch directory ${this.shownPath(depth)} is not empty (${code}) though ${IDLE_PASSES} passes over it in a row found nothing left to remove; list it (ls -la) on the file system, remove what is left by hand, and a later drill's cleanup removes the rest`,
      );
    }
    if (frame.refilled >= REFILLED_PASSES) {
      throw new DrillScratchError(
        `Scratch directory ${this.shownPath(depth)} was written to again before each of ${REFILLED_PASSES} attempts to remove it (${code}): a restore shard may still be writing into it; a later drill's cleanup removes it once the shard has stopped (a restore function's timeout at most), or list it (ls -la) on the file system and find what writes there`,
      );
    }
  }

  /** The directory at `depth` (-1: the scratch root), opened again from its nearest open ancestor if it was closed; undefined when that failed (the walk moved on). */
  private async reach(depth: number): Promise<Reached | undefined> {
    if (depth < 0) return this.rootDir;
    const known = this.frames[depth]?.reached;
    if (known) return known;
    let anchor = depth - 1;
    while (anchor >= 0 && !this.frames[anchor]?.reached) anchor--;
    let parent = anchor < 0 ? this.rootDir : this.frames[anchor]?.reached;
    for (let i = anchor + 1; i <= depth; i++) {
      const frame = this.frames[i];
      if (!parent || !frame) return undefined;
      const opened = await openChild(parent, frame.name);
      if (typeof opened === 'string') {
        // Moved away or replaced since the walk left it: what is at its name now is found by its parent's next pass.
        await this.leave(i);
        return undefined;
      }
      if (!sameIdentity(opened.identity, frame.identity)) {
        // Another directory at its name: its parent's next pass takes this one. The one the walk was in may have been
        // removed and made again (a sweep, then a late shard's mkdir -p) as well as moved, and its descriptor, closed,
        // cannot tell which (review rB F3); so it is named as either (review rG F3: a move went unreported).
        await opened.handle.close();
        this.moved.push({ path: this.shownPath(i), remade: true });
        await this.leave(i);
        return undefined;
      }
      frame.reached = opened;
      frame.checkedAt = this.clock();
      // Only the directory wanted and its parent need stay open.
      if (i > anchor + 1 && i - 1 < depth - 1) await this.close(i - 1);
      parent = opened;
    }
    return parent;
  }

  /** Closes the shallowest open descriptor but the top's (which restores its time) once more than PINNED_DEPTH are open. */
  private async closeShallowest(): Promise<void> {
    if (this.frames.filter((f) => f.reached?.handle).length <= PINNED_DEPTH) return;
    const shallowest = this.frames.findIndex((f, i) => i > 0 && f.reached?.handle !== undefined);
    // The directory walked and its parent stay open.
    if (shallowest > 0 && shallowest < this.frames.length - 2) await this.close(shallowest);
  }

  private async close(depth: number): Promise<void> {
    const frame = this.frames[depth];
    if (!frame?.reached?.handle) return;
    await frame.reached.handle.close();
    frame.reached = undefined;
  }

  /** Leaves the directory at `depth` and those below it. */
  async leave(depth: number): Promise<void> {
    while (this.frames.length > depth) {
      // The top's descriptor is closed by removeScratchDirectory, after it restores the top's time.
      if (this.frames.length > 1) await this.close(this.frames.length - 1);
      this.frames.pop();
    }
  }

  private shownPath(depth: number): string {
    return path.posix.join(this.root, ...this.frames.slice(0, depth + 1).map((f) => shown(f.name)));
  }
}

/** How the walk of a scratch directory that found directories moved ended: the rest removed, cut by the time, or stopped by an error. */
type WalkEnd = 'done' | 'cut' | 'stopped';

/** Which directories (`Scratch directory <path> was`, or the plural), for a message. */
function whichWere(paths: readonly string[]): string {
  return paths.length === 1 ? `Scratch directory ${paths.join('')} was` : `Scratch directories ${paths.join(', ')} were`;
}

/** What the record says of the directories moved during the walk of `top` (`<root>/<name>`), which the walk left alone. */
function movedMessage(root: string, top: string, moved: readonly MovedDirectory[], end: WalkEnd): string {
  const replaced = moved.filter((m) => !m.remade).map((m) => m.path);
  const remade = moved.filter((m) => m.remade).map((m) => m.path);
  const said: string[] = [];
  if (replaced.length > 0) {
    said.push(`${whichWere(replaced)} moved or replaced during the cleanup; left alone: what it holds is no longer under the scratch root ${root}, so nothing more of it was removed`);
  }
  if (remade.length > 0) {
    said.push(
      `${whichWere(remade)} moved, or removed and made again, during the cleanup; left alone: another directory was at its name when the cleanup came back to it (that one was removed), and which of the two happened cannot be told; if it was moved, nothing more of it was removed where it went`,
    );
  }
  let rest = '';
  if (end === 'cut') rest = ` (the cleanup's time ran out before the rest of ${top} was removed; a later drill's sweep continues it)`;
  else if (end === 'done' && !moved.some((m) => m.path === top)) rest = ` (the rest of ${top} was)`;
  return `${said.join('; ')}${rest}; remove it by hand where it went if it is not wanted`;
}

/**
 * The error naming the directories moved or replaced during the walk of `top` (`<root>/<name>`), which the walk left
 * alone; `done`: the rest of `top` was removed, else the time ran out first.
 */
export function scratchDirectoriesMovedError(root: string, top: string, moved: readonly MovedDirectory[], done: boolean): DrillScratchError {
  return new DrillScratchError(movedMessage(root, top, moved, done ? 'done' : 'cut'));
}

/**
 * What an error that stopped a walk leaves unsaid of the directories found moved before it, kept beside the error, not
 * in its message: the record quotes a file system error's words whole (scratch-targets.ts), and inside those quotes the
 * moved paths, already escaped (shown), read with their backslashes doubled (review r61M F2).
 */
const movedBeforeStops = new WeakMap<Error, string>();

/** The sentence naming the directories found moved before `err` stopped the walk, if any: the record adds it after the error. */
export function movedBeforeStop(err: unknown): string | undefined {
  return err instanceof Error ? movedBeforeStops.get(err) : undefined;
}

/**
 * `err`, which stopped the walk of `top`, with the directories found moved before it kept beside it (movedBeforeStop;
 * review rG F4: the record of a second turn that failed for another reason lost the first turn's); the error itself
 * stays as thrown, its class and code too, as callers sort by them.
 */
function namingMoved(err: unknown, root: string, top: string, moved: readonly MovedDirectory[]): unknown {
  if (moved.length === 0 || !(err instanceof Error)) return err;
  movedBeforeStops.set(err, movedMessage(root, top, moved, 'stopped'));
  return err;
}

/** The scratch root, pinned (it may be a link: the configured mount), or undefined when it does not exist. */
async function reachRoot(root: string): Promise<Reached | undefined> {
  try {
    const handle = await open(root, fsc.O_RDONLY | fsc.O_DIRECTORY);
    return { path: `/proc/self/fd/${handle.fd}`, handle };
  } catch (err) {
    ignoreGone(err);
    return undefined;
  }
}

/**
 * Removes `<root>/<name>` and everything under it, checking `timeLeft` before each file and directory; a directory it
 * could not finish (the time ran out, or an error stopped it) keeps its modification time (the sweep's age of it:
 * listScratch), so a later sweep still finds it old. A directory that stays not empty though two passes in a row removed
 * nothing under it, or that is written to again before each of REFILLED_PASSES rmdirs, is a DrillScratchError naming it;
 * so is every scratch directory where there is no /proc (`pinned`, this machine's unless a test says otherwise), and
 * once the walk is done, the directories moved or replaced during it (with those of earlier cut calls, `movedBefore`),
 * which an error that stops the walk carries beside it (movedBeforeStop).
 */
export async function removeScratchDirectory(
  root: string,
  name: string,
  timeLeft: () => number,
  { pinned = PINNED, movedBefore = [], now = () => performance.now() }: DirectoryRemovalOptions = {},
): Promise<DirectoryRemoval> {
  // The scratch directory is an entry of the scratch root, never the root itself nor anything beside it.
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes(path.sep)) {
    throw new DrillScratchError(`"${name}" is not a directory name inside the scratch root ${root}; refusing to remove it`);
  }
  const cut = timeLeft() <= 0;
  if (!cut && !pinned) {
    throw new DrillScratchError(
      `Scratch directory ${path.posix.join(root, name)} not removed: removing it safely needs Linux's /proc (/proc/self/fd), which this machine lacks, to pin each directory against a link a late restore shard swaps in; the drill's Lambda has it, and a later drill's cleanup on Linux removes it (or remove it by hand once no drill runs)`,
    );
  }
  const top = path.posix.join(root, name);
  // The walk adds the directories it finds moved.
  const moved = [...movedBefore];
  let walked: { done: boolean; removed: number };
  try {
    walked = cut ? { done: false, removed: 0 } : await walkScratchDirectory(root, name, timeLeft, moved, now);
  } catch (err) {
    throw namingMoved(err, root, top, moved);
  }
  // Thrown only once the walk is done: a cut one goes on in a later turn or sweep, which needs its count.
  if (walked.done && moved.length > 0) throw scratchDirectoriesMovedError(root, top, moved, true);
  return moved.length > 0 ? { done: walked.done, removed: walked.removed, moved } : { done: walked.done, removed: walked.removed };
}

/**
 * removeScratchDirectory's walk, on Linux, of a valid name, with time left: what it removed; the directories it finds
 * moved are added to `moved` as found, so that an error that stops it still has them.
 */
async function walkScratchDirectory(
  root: string,
  name: string,
  timeLeft: () => number,
  moved: MovedDirectory[],
  now: () => number,
): Promise<{ done: boolean; removed: number }> {
  const rootDir = await reachRoot(root);
  if (!rootDir) return { done: true, removed: 0 };
  try {
    const rootPath = await kernelPathOf(rootDir);
    if (rootPath === 'too long') {
      throw new DrillScratchError(`Scratch root ${root} has a path longer than the ${PATH_MAX.toLocaleString('en-US')} bytes Linux shows (PATH_MAX); mount the file system at a shorter path`);
    }
    const nameBytes = Buffer.from(name);
    const top = await openChild(rootDir, nameBytes);
    if (top === 'gone') return { done: true, removed: 0 };
    if (top === 'not a directory') {
      await unlink(childOf(rootDir.path, nameBytes)).catch(ignoreGone);
      return { done: true, removed: 1 };
    }
    const walk = new Walk(root, moved, rootDir, rootPath, timeLeft, now);
    walk.frames.push(walk.frameOf(nameBytes, top));
    let done = false;
    try {
      const stats = await top.handle.stat();
      try {
        done = await walk.run();
        return { done, removed: walk.removed };
      } finally {
        // Removing its entries moved the directory's mtime to now; put back the one the sweep dates it by. Through its
        // descriptor (futimes): a link put in its place is not followed.
        if (!done) await top.handle.utimes(stats.atime, stats.mtime).catch(ignoreGone);
      }
    } finally {
      await walk.leave(1);
      await top.handle.close();
    }
  } finally {
    await rootDir.handle.close();
  }
}
