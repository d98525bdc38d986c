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
export type WalkProblem = { readonly rel: string; readonly reason: 'vanished' | 'unreadable'; readonly message: string };

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
};

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
  const report = options.onProblem ?? throwProblem;
  const absRoot = path.resolve(root);
  if (options.names === undefined) {
    yield* walkChildren(absRoot, '', report, options.after);
    return;
  }
  const names = [...options.names].sort(comparePaths).map((stored) => ({ stored, onDisk: escapedNameBytes(stored) ?? stored }));
  yield* walkNamed(absRoot, '', names, report, options.after);
}

function throwProblem(problem: WalkProblem): void {
  throw new TreeWalkError(`${problem.rel}: ${problem.message}`);
}

async function* walkChildren(abs: FsPath, rel: string, report: (p: WalkProblem) => void, after?: string): AsyncGenerator<WalkedEntry> {
  let raw: Buffer[];
  try {
    raw = await fs.readdir(abs, { encoding: 'buffer' });
  } catch (err) {
    report({ rel: rel || '.', reason: isVanished(err) ? 'vanished' : 'unreadable', message: `cannot list: ${(err as Error).message}` });
    return;
  }
  const names = raw.map((bytes): ChildName => {
    const stored = storedName(bytes);
    return { stored, onDisk: stored.startsWith(ESCAPED_NAME_SEGMENT_PREFIX) ? bytes : stored };
  });
  yield* walkNamed(
    abs,
    rel,
    names.sort((a, b) => comparePaths(a.stored, b.stored)),
    report,
    after,
  );
}

async function* walkNamed(abs: FsPath, rel: string, all: readonly ChildName[], report: (p: WalkProblem) => void, after?: string): AsyncGenerator<WalkedEntry> {
  const relOf = (name: ChildName): string => (rel === '' ? name.stored : `${rel}/${name.stored}`);
  // '/' sorts first (comparePaths), so a name before `after` that is not on its way has its whole subtree before it too.
  const names = after === undefined ? all : all.filter((name) => comparePaths(relOf(name), after) > 0 || underPrefix(after, relOf(name)));
  const children = names.map((name) => childPath(abs, name.onDisk));
  const stats = children.map((child) => {
    const p = fs.lstat(child, { bigint: true });
    p.catch(() => undefined); // awaited in order below
    return p;
  });
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
      if (!metBefore) report({ rel: childRel, reason: isVanished(err) ? 'vanished' : 'unreadable', message: isVanished(err) ? 'deleted while the tree was walked' : `cannot stat: ${(err as Error).message}` });
      continue;
    }
    if (stat.isDirectory()) {
      if (!metBefore) yield { rel: childRel, abs: childAbs, kind: 'dir', stat };
      yield* walkChildren(childAbs, childRel, report, metBefore ? after : undefined);
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
