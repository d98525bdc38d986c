import { type BigIntStats, type Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { comparePaths } from '../manifest/manifest-entry';
import { VaultError } from '../vault-errors';

/** One entry met by walkTree: path relative to the root ('/'-separated), absolute path, kind, lstat. */
export type WalkedEntry = { readonly rel: string; readonly abs: string; readonly kind: 'file' | 'dir' | 'symlink'; readonly stat: BigIntStats };

/**
 * Something walkTree could not walk: `vanished` (deleted between listing and lstat — a live file
 * system changes while it is read), `unreadable` (a directory that cannot be listed, an entry that
 * cannot be lstat'ed), `special` (a socket, FIFO or device: they carry no data and are not backed up).
 */
export type WalkProblem = { readonly rel: string; readonly reason: 'vanished' | 'unreadable' | 'special'; readonly message: string };

export type WalkOptions = {
  /** Walk only these names directly under the root (a shard's top-level subtrees); absent: the whole root, without the root itself. */
  readonly names?: readonly string[];
  /** Told of every problem; absent: `vanished` and `unreadable` throw TreeWalkError, `special` entries are left out. */
  readonly onProblem?: (problem: WalkProblem) => void;
};

export class TreeWalkError extends VaultError {
  override name = 'TreeWalkError';
}

/**
 * The one directory walker of Lifeboat (the vault's directory backup, the backup workflow's
 * directory shards, shard planning and the demo's comparison all use it): depth-first, symlinks
 * never followed, siblings in manifest order (comparePaths), so the entries come out in the order a
 * manifest lists them and parent lookups are sequential. Every child's lstat of a directory is
 * started at once (the thread pool runs them side by side) and consumed in order.
 */
export async function* walkTree(root: string, options: WalkOptions = {}): AsyncGenerator<WalkedEntry> {
  const report = options.onProblem ?? throwOrIgnore;
  const absRoot = path.resolve(root);
  if (options.names === undefined) {
    yield* walkChildren(absRoot, '', report);
    return;
  }
  const names = [...options.names].sort(comparePaths);
  yield* walkNamed(absRoot, '', names, report);
}

function throwOrIgnore(problem: WalkProblem): void {
  if (problem.reason !== 'special') throw new TreeWalkError(`${problem.rel}: ${problem.message}`);
}

async function* walkChildren(abs: string, rel: string, report: (p: WalkProblem) => void): AsyncGenerator<WalkedEntry> {
  let dirents: Dirent[];
  try {
    dirents = await fs.readdir(abs, { withFileTypes: true });
  } catch (err) {
    report({ rel: rel || '.', reason: isVanished(err) ? 'vanished' : 'unreadable', message: `cannot list: ${(err as Error).message}` });
    return;
  }
  yield* walkNamed(
    abs,
    rel,
    dirents.map((d) => d.name).sort(comparePaths),
    report,
  );
}

async function* walkNamed(abs: string, rel: string, names: readonly string[], report: (p: WalkProblem) => void): AsyncGenerator<WalkedEntry> {
  const stats = names.map((name) => {
    const p = fs.lstat(path.join(abs, name), { bigint: true });
    p.catch(() => undefined); // awaited in order below
    return p;
  });
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const childAbs = path.join(abs, name);
    let stat: BigIntStats;
    try {
      stat = await (stats[i] as Promise<BigIntStats>);
    } catch (err) {
      report({ rel: childRel, reason: isVanished(err) ? 'vanished' : 'unreadable', message: isVanished(err) ? 'deleted while the tree was walked' : `cannot stat: ${(err as Error).message}` });
      continue;
    }
    if (stat.isDirectory()) {
      yield { rel: childRel, abs: childAbs, kind: 'dir', stat };
      yield* walkChildren(childAbs, childRel, report);
    } else if (stat.isFile()) yield { rel: childRel, abs: childAbs, kind: 'file', stat };
    else if (stat.isSymbolicLink()) yield { rel: childRel, abs: childAbs, kind: 'symlink', stat };
    else report({ rel: childRel, reason: 'special', message: 'not a regular file, directory or symlink' });
  }
}

function isVanished(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
