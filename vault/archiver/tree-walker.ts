import { type BigIntStats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { comparePaths, underPrefix } from '../manifest/manifest-entry';
import { ESCAPED_NAME_SEGMENT_PREFIX, escapedNameBytes, storedName } from '../manifest/escaped-name';
import { type FsPath } from '../platform/posix-calls';
import { VaultError } from '../vault-errors';

/** What an entry is: a special file is a FIFO, socket or device node (it has no content, only its kind and attributes). */
export type WalkedKind = 'file' | 'dir' | 'symlink' | 'special';

/**
 * One entry met by walkTree: its manifest path relative to the root ('/'-separated; a name that is
 * not UTF-8 appears as its escaped segment, vault/manifest/escaped-name.ts), its absolute path on
 * disk (a string, or the exact bytes when a name on the way is not UTF-8), kind, and lstat.
 */
export type WalkedEntry = { readonly rel: string; readonly abs: FsPath; readonly kind: WalkedKind; readonly stat: BigIntStats };

/**
 * Something walkTree could not walk: `vanished` (deleted between listing and lstat — a live file
 * system changes while it is read), `unreadable` (a directory that cannot be listed, an entry that
 * cannot be lstat'ed).
 */
export type WalkProblem = {
  readonly rel: string;
  readonly reason: 'vanished' | 'unreadable';
  readonly message: string;
  /** The failed system call's error code (`EACCES`, `EIO`…), when one failed: the message also quotes the path, whose names may look like codes. */
  readonly code?: string;
};

export type WalkOptions = {
  /** Walk only these names directly under the root (a shard's top-level subtrees), as stored (escaped) names; absent: the whole root, without the root itself. */
  readonly names?: readonly string[];
  /** Told of every problem; absent: a problem throws TreeWalkError. */
  readonly onProblem?: (problem: WalkProblem) => void;
  /**
   * Resume a walk cut short: leave out every entry up to and including this path (in manifest order,
   * the walk's own). Subtrees that lie wholly before it are not even listed; the directories on the
   * way to it are entered but not met again.
   */
  readonly after?: string;
  /**
   * Entries to leave out with all they hold, by identity (walkIdentities: device and inode), so an
   * entry is left out however the walk reaches it, under whatever name. Directories cannot be
   * hard-linked, so a directory's identity is that one directory; a file's is shared by its hard links,
   * which are the same file and are left out too.
   */
  readonly exclude?: WalkIdentities;
  /** Told of each entry left out by `exclude`, with the path the caller named for it. */
  readonly onExcluded?: (rel: string, named: string) => void;
};

/** Identities (`device:inode`) of entries to leave out, each with the path the caller named it by. */
export type WalkIdentities = ReadonlyMap<string, string>;

/** The identity of an entry as walkTree compares it with `exclude`. */
export function walkIdentity(stat: Pick<BigIntStats, 'dev' | 'ino'>): string {
  return `${stat.dev}:${stat.ino}`;
}

/**
 * The identities of paths to leave out of a walk, following symlinks (a symlink named resolves to what
 * it points to, which is what the walk meets). A path that does not exist has nothing to leave out.
 */
export async function walkIdentities(paths: Iterable<string>): Promise<Map<string, string>> {
  const identities = new Map<string, string>();
  for (const named of paths) {
    const abs = path.resolve(named);
    try {
      identities.set(walkIdentity(await fs.stat(abs, { bigint: true })), abs);
    } catch (err) {
      if (!isVanished(err)) throw err;
    }
  }
  return identities;
}

export class TreeWalkError extends VaultError {
  override name = 'TreeWalkError';
}

/** A name of a directory: as stored in the manifest, and as it is on disk (a string when it is UTF-8). */
type ChildName = { readonly stored: string; readonly onDisk: FsPath };

/**
 * The one directory walker of Lifeboat (the vault's directory backup, the backup workflow's
 * directory shards, shard planning and the demo's comparison all use it): depth-first, symlinks
 * never followed, siblings in manifest order of their stored names (comparePaths), so the entries
 * come out in the order a manifest lists them and parent lookups are sequential. Directories are
 * listed as raw bytes, so a name that is not UTF-8 is met (and backed up) exactly. Every child's
 * lstat of a directory is started at once (the thread pool runs them side by side) and consumed in order.
 */
export async function* walkTree(root: string, options: WalkOptions = {}): AsyncGenerator<WalkedEntry> {
  const walk: Walk = { report: options.onProblem ?? throwProblem, exclude: options.exclude ?? NOTHING_EXCLUDED, onExcluded: options.onExcluded ?? (() => undefined) };
  const absRoot = path.resolve(root);
  if (options.names === undefined) {
    yield* walkChildren(absRoot, '', walk, options.after);
    return;
  }
  const names = [...options.names].sort(comparePaths).map((stored) => ({ stored, onDisk: escapedNameBytes(stored) ?? stored }));
  yield* walkNamed(absRoot, '', names, walk, options.after);
}

/** What every level of a walk is told: where problems go, and what to leave out. */
type Walk = { readonly report: (p: WalkProblem) => void; readonly exclude: WalkIdentities; readonly onExcluded: (rel: string, named: string) => void };

const NOTHING_EXCLUDED: WalkIdentities = new Map();

function throwProblem(problem: WalkProblem): void {
  throw new TreeWalkError(`${problem.rel}: ${problem.message}`);
}

/**
 * Lists a directory by its path. `metByWalk`: the walk met it (not the root); one replaced since (a symlink put in its
 * place: readdir and the children's lstats would follow it out of the tree) is left out and reported.
 */
async function* walkChildren(abs: FsPath, rel: string, walk: Walk, after?: string, metByWalk = false): AsyncGenerator<WalkedEntry> {
  let raw: Buffer[];
  try {
    raw = await fs.readdir(abs, { encoding: 'buffer' });
  } catch (err) {
    walk.report({ rel: rel || '.', reason: isVanished(err) ? 'vanished' : 'unreadable', message: `cannot list: ${(err as Error).message}`, ...errnoCode(err) });
    return;
  }
  if (metByWalk && (await replacedWhileWalked(abs, rel, walk))) return;
  const names = raw.map((bytes): ChildName => {
    const stored = storedName(bytes);
    return { stored, onDisk: stored.startsWith(ESCAPED_NAME_SEGMENT_PREFIX) ? bytes : stored };
  });
  yield* walkNamed(
    abs,
    rel,
    names.sort((a, b) => comparePaths(a.stored, b.stored)),
    walk,
    after,
    metByWalk,
  );
}

const REPLACED_WHILE_WALKED = 'replaced while the tree was walked (no longer a directory: a symlink, or gone): its entries are left out';

/**
 * Whether `abs`, a directory when the walk met it, is no longer one (lstat: a symlink in its place is not), reported
 * when so. Its device and inode may change rightly: listing an automount point mounts it (lstat does not), and a
 * directory renamed away and made again is still within the tree; only a symlink (or nothing) there would lead the
 * walk elsewhere.
 */
async function replacedWhileWalked(abs: FsPath, rel: string, walk: Walk): Promise<boolean> {
  const now = await fs.lstat(abs, { bigint: true }).catch(() => null);
  if (now !== null && now.isDirectory()) return false;
  walk.report({ rel: rel || '.', reason: 'unreadable', message: REPLACED_WHILE_WALKED });
  return true;
}

async function* walkNamed(abs: FsPath, rel: string, all: readonly ChildName[], walk: Walk, after?: string, metByWalk = false): AsyncGenerator<WalkedEntry> {
  const relOf = (name: ChildName): string => (rel === '' ? name.stored : `${rel}/${name.stored}`);
  // '/' sorts first (comparePaths), so a name before `after` that is not on its way has its whole subtree before it too.
  const names = after === undefined ? all : all.filter((name) => comparePaths(relOf(name), after) > 0 || underPrefix(after, relOf(name)));
  const children = names.map((name) => childPath(abs, name.onDisk));
  const stats = children.map((child) => {
    const p = fs.lstat(child, { bigint: true });
    p.catch(() => undefined); // awaited in order below
    return p;
  });
  // The children were stat'ed through the directory's path: checked once more after, so none met through a symlink put in its place is yielded.
  if (metByWalk && names.length > 0) {
    await Promise.allSettled(stats);
    if (await replacedWhileWalked(abs, rel, walk)) return;
  }
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as ChildName;
    const childRel = relOf(name);
    // On the way to `after` (or `after` itself): met before the walk was cut, so not met again; only its subtree goes on.
    const metBefore = after !== undefined && comparePaths(childRel, after) <= 0;
    const childAbs = children[i] as FsPath;
    let stat: BigIntStats;
    try {
      stat = await (stats[i] as Promise<BigIntStats>);
    } catch (err) {
      if (!metBefore) walk.report({ rel: childRel, reason: isVanished(err) ? 'vanished' : 'unreadable', message: isVanished(err) ? 'deleted while the tree was walked' : `cannot stat: ${(err as Error).message}`, ...errnoCode(err) });
      continue;
    }
    const excludedAs = walk.exclude.size > 0 ? walk.exclude.get(walkIdentity(stat)) : undefined;
    if (excludedAs !== undefined) {
      if (!metBefore) walk.onExcluded(childRel, excludedAs);
      continue;
    }
    if (stat.isDirectory()) {
      if (!metBefore) yield { rel: childRel, abs: childAbs, kind: 'dir', stat };
      yield* walkChildren(childAbs, childRel, walk, metBefore ? after : undefined, true);
    } else if (metBefore) continue;
    else if (stat.isFile()) yield { rel: childRel, abs: childAbs, kind: 'file', stat };
    else if (stat.isSymbolicLink()) yield { rel: childRel, abs: childAbs, kind: 'symlink', stat };
    else yield { rel: childRel, abs: childAbs, kind: 'special', stat };
  }
}

/** `parent/name`: a string while every name on the way is UTF-8, the exact bytes once one is not. */
function childPath(parent: FsPath, name: FsPath): FsPath {
  if (typeof parent === 'string' && typeof name === 'string') return path.join(parent, name);
  const p = typeof parent === 'string' ? Buffer.from(parent, 'utf8') : parent;
  const n = typeof name === 'string' ? Buffer.from(name, 'utf8') : name;
  return Buffer.concat([p, SEPARATOR, n]);
}

const SEPARATOR = Buffer.from('/');

function isVanished(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** A problem's `code`, from a system call's error; nothing for an error without one. */
function errnoCode(err: unknown): { code?: string } {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? { code } : {};
}
