import { type BigIntStats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import * as path from 'node:path';
import { type FileSystemSourceConfig } from '../../config/lifeboat-config';
import { InvalidInputError } from '../runtime/errors';
import { type ShardSpec } from './shard-spec';
import { SourceRootNotDirectoryError } from './source-root-errors';
import { storedName, walkTree } from '../../vault';

export type DirectoryEntry = {
  /** Path relative to the source root, '/'-separated; '' is the root itself. */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'special';
  size: number;
  mode: number;
  mtimeMs: number;
  linkTarget?: string;
};

/** A configured directory path would lead outside the local file-system root (LIFEBOAT_FS_ROOT). */
export class PathOutsideFileSystemRootError extends InvalidInputError {
  constructor(configuredPath: string) {
    super(
      `path: ${JSON.stringify(configuredPath)} has a ".." segment: under the local cloud every directory is inside its fs/ directory, and ".." could leave it; give the plain absolute path`,
    );
  }
}

/**
 * Where a file-system source is on this machine. In AWS the path is the EFS mount point; under
 * the local executor LIFEBOAT_FS_ROOT stands in for the mount, so '/mnt/x' lives at $ROOT/mnt/x.
 * There a path with a `..` segment is refused (path.join would resolve `/../../x` to a place
 * beside the root); the request and config validation refuse it first, naming their field.
 */
export function resolveSourceRoot(configuredPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const fsRoot = env.LIFEBOAT_FS_ROOT;
  if (!fsRoot) return configuredPath;
  if (configuredPath.split('/').includes('..')) throw new PathOutsideFileSystemRootError(configuredPath);
  return path.join(fsRoot, configuredPath);
}

/**
 * Checks that `root` (a source's `configuredPath` resolved by resolveSourceRoot) is a directory reached only through
 * directories: lstat (no symlink followed) of each directory on the configured path below the mount stand-in
 * (LIFEBOAT_FS_ROOT locally; in AWS from /, the mount point being one directory under /mnt), then of the root itself.
 * The walk never follows a symlink inside the tree, but a symlink at or above the root would be followed by every
 * listing, and anyone who may write the parent directory could point the backup anywhere. Without `configuredPath`
 * (a shard, which knows only the resolved root) the root itself is checked. Refused with SourceRootNotDirectoryError,
 * also when the path is missing or a file; other errors (EIO, EACCES on the way) are thrown as they are.
 */
export async function checkSourceRoot(root: string, source: { readonly name?: string; readonly path?: string } = {}): Promise<void> {
  const shown = source.path ?? root;
  // Both normalised, trailing slashes gone: `/mnt/data/` or `/mnt//data` compared as written skipped the walk up the
  // path, and lstat of `link/` follows the link (review r16).
  const configured = source.path === undefined ? undefined : withoutTrailingSlash(path.posix.normalize(source.path));
  const resolved = withoutTrailingSlash(path.posix.normalize(root));
  const base = configured !== undefined && configured.startsWith('/') && resolved.endsWith(configured) ? resolved.slice(0, resolved.length - configured.length) : undefined;
  const steps = base === undefined ? [{ abs: resolved, shownAs: shown }] : prefixesOf(configured as string).map((p) => ({ abs: `${base}${p}`, shownAs: p }));
  for (const [i, step] of steps.entries()) {
    let stats;
    try {
      stats = await lstat(step.abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new SourceRootNotDirectoryError(shown, `${step.shownAs} does not exist`, source.name, 'missing');
      throw err;
    }
    const isRoot = i === steps.length - 1;
    if (stats.isSymbolicLink()) {
      const target = await readlink(step.abs).catch(() => '?');
      throw new SourceRootNotDirectoryError(shown, `${isRoot ? '' : 'a directory on its path, '}${step.shownAs} is a symlink (to ${target})`, source.name);
    }
    if (!stats.isDirectory()) throw new SourceRootNotDirectoryError(shown, `${step.shownAs} is not a directory`, source.name, 'not-directory');
  }
}

/** '/a/b/' → '/a/b'; '/' stays. */
function withoutTrailingSlash(p: string): string {
  return p.replace(/\/+$/, '') || '/';
}

/** '/a/b/c' → ['/a', '/a/b', '/a/b/c']; '/' → ['/']. */
function prefixesOf(absolute: string): string[] {
  const parts = absolute.split('/').filter((p) => p !== '');
  if (parts.length === 0) return ['/'];
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/**
 * Splits a directory by subtree, once checkSourceRoot has found it a directory reached through no symlink: its
 * top-level entries are dealt to at most `maxShards` shards, largest subtree first onto the least-loaded shard, so
 * shards carry similar byte counts.
 *
 * Top-level files that are hard links of each other (same device and inode) go to one shard as one
 * unit: each shard walks its names alone, and only a walk that meets every name of a file records the
 * later ones as links to the first (vault/archiver/hard-link-groups.ts); dealt apart, they would be
 * stored, and restored, as separate files. Links between names inside different top-level
 * directories, or between a top-level file and a name inside a directory, are still split (one
 * directory is one subtree of one shard). Deterministic: units are ordered by bytes, then by their
 * first name; a unit's names are sorted.
 */
export async function planDirectoryShards(
  source: FileSystemSourceConfig,
  root: string,
  options: { maxShards: number; firstIndex: number },
): Promise<ShardSpec[]> {
  /** One top-level name, or the top-level names of one hard-linked file, keyed by that file's dev:ino. */
  const units = new Map<string, { names: string[]; bytes: number }>();
  await checkSourceRoot(root, source);
  // Listed as bytes and named as the manifest names them: a name that is not UTF-8 travels in the plan escaped.
  for (const raw of await readdir(root, { encoding: 'buffer' })) {
    const name = storedName(raw);
    let bytes = 0;
    let unitKey = `name:${name}`;
    // Sizing only: an entry deleted meanwhile or that cannot be read weighs nothing here, and the shard's own
    // walk records it (`vanished`, `skipped`); thrown, one such entry in a live tree would fail the whole backup.
    for await (const entry of walkTree(root, { names: [name], onProblem: ignoreProblem })) {
      if (entry.kind === 'file') bytes += Number(entry.stat.size);
      if (entry.rel === name && entry.kind !== 'dir' && entry.stat.nlink > 1n) unitKey = `inode:${entry.stat.dev}:${entry.stat.ino}`;
    }
    const unit = units.get(unitKey);
    // A hard-linked file's bytes are read once, by its first name: the unit weighs one name.
    if (unit) unit.names.push(name);
    else units.set(unitKey, { names: [name], bytes });
  }
  const top = [...units.values()].map((u) => ({ names: u.names.sort(), bytes: u.bytes }));
  top.sort((a, b) => b.bytes - a.bytes || (a.names[0] ?? '').localeCompare(b.names[0] ?? ''));
  const shardCount = Math.max(1, Math.min(options.maxShards, top.length));
  const loads = Array.from({ length: shardCount }, () => ({ bytes: 0, paths: [] as string[] }));
  for (const unit of top) {
    const target = loads.reduce((min, l) => (l.bytes < min.bytes ? l : min));
    target.bytes += unit.bytes;
    target.paths.push(...unit.names);
  }
  return loads.map((load, i) => ({
    kind: 'filesystem' as const,
    index: options.firstIndex + i,
    source: source.name,
    root: source.path,
    paths: load.paths.sort(),
    includeRoot: i === 0,
  }));
}

const ignoreProblem = (): undefined => undefined;

/**
 * Depth-first walk of one subtree (relative path `rel` under root, as the manifest names it; '' =
 * the whole root, itself included), symlinks not followed, siblings in manifest order: the vault's
 * one walker (walkTree) seen as DirectoryEntry values. Sockets, FIFOs and devices are `special`, of size 0.
 */
export async function* walkDirectory(root: string, rel: string): AsyncGenerator<DirectoryEntry> {
  if (rel === '') {
    const stats = await lstat(root, { bigint: true });
    yield directoryEntryOf('', stats);
    if (!stats.isDirectory()) return;
    for await (const e of walkTree(root)) yield directoryEntryOf(e.rel, e.stat, e.kind === 'symlink' ? await readlink(e.abs) : undefined);
    return;
  }
  for await (const e of walkTree(root, { names: [rel.split(path.sep).join('/')] })) yield directoryEntryOf(e.rel, e.stat, e.kind === 'symlink' ? await readlink(e.abs) : undefined);
}

function directoryEntryOf(rel: string, stats: BigIntStats, linkTarget?: string): DirectoryEntry {
  const base = { path: rel, mode: Number(stats.mode & 0o7777n), mtimeMs: Number(stats.mtimeNs) / 1e6 };
  if (stats.isSymbolicLink()) return { ...base, type: 'symlink', size: 0, ...(linkTarget === undefined ? {} : { linkTarget }) };
  if (stats.isDirectory()) return { ...base, type: 'directory', size: 0 };
  if (!stats.isFile()) return { ...base, type: 'special', size: 0 };
  return { ...base, type: 'file', size: Number(stats.size) };
}
