import * as fs from 'node:fs/promises';
import { type BigIntStats } from 'node:fs';
import * as path from 'node:path';
import { type EntryMeta } from '../manifest/manifest-entry';
import { type Snapshot } from '../manifest/snapshot-record';
import { walkedEntryMeta, fileChangeToken } from './file-system-entry';
import { HardLinkGroups } from './hard-link-groups';
import { type SnapshotWriter } from './snapshot-writer';
import { walkIdentities, walkIdentity, type WalkIdentities, walkTree, type WalkedEntry } from './tree-walker';
import { type FsPath } from '../platform/posix-calls';
import { platformCalls, platformCallsUnavailableReason } from '../platform/posix-calls';
import { forEachBounded } from '../workers/bounded-concurrency';
import { type Vault } from '../repository/vault';
import { VaultError } from '../vault-errors';
import { isFileAccessError } from './file-access-error';

/** Entries being read and chunked at once. */
const FILES_IN_FLIGHT = 4;

export type DirectoryBackupOptions = {
  /** Parent snapshot id; undefined = the latest snapshot of the same source; null = none (full read). */
  readonly parent?: string | null;
  readonly tags?: readonly string[];
  /**
   * Called when the parent snapshot cannot be read (damaged, or gone mid-backup), with a warning that
   * names the object: the backup then goes on without it, reading every file. @default ignore
   */
  readonly onParentUnreadable?: (warning: string) => void;
  /** Called for each entry (or attribute of one) that could not be read and is not in the snapshot, with the reason. */
  readonly onSkip?: (relPath: string, reason: string) => void;
  /** The lstat taken of a file after its read, to tell whether it changed meanwhile (default fs.lstat; tests give a file that changes). */
  readonly lstatAfterRead?: (file: FsPath) => Promise<BigIntStats>;
  /**
   * Paths to leave out of the snapshot with all they hold, such as the vault the backup writes to when it
   * lies inside the source (it would otherwise be backed up into itself, half written). Compared by device
   * and inode (tree-walker.ts walkIdentities), so a path named through a symlink is caught too; a path
   * that does not exist leaves nothing out. Each entry left out is in the result's `excluded`.
   */
  readonly exclude?: Iterable<string>;
};

/** An entry left out because the caller asked for it (`exclude`): its path in the source, and the path the caller named. */
export type ExcludedEntry = { readonly path: string; readonly excludedAs: string };

/** The stat fields a file's content depends on: any of them different after the read means it changed while read. */
function changedSince(before: BigIntStats, after: BigIntStats | null): boolean {
  return after === null || after.size !== before.size || after.mtimeNs !== before.mtimeNs || after.ctimeNs !== before.ctimeNs || after.ino !== before.ino;
}

/** An entry, or an attribute of one, that the backup could not read (the snapshot lacks it). */
export type SkippedEntry = { readonly path: string; readonly reason: string };

export type DirectoryBackupResult = {
  snapshot: Snapshot;
  /** What could not be read, in the order met; empty when the snapshot holds the whole tree. */
  skipped: SkippedEntry[];
  /**
   * Files that changed while they were read (size, times or inode differ after the read from before it),
   * in the order met: in the snapshot as read, which may be a state the file never had whole. Their
   * recorded change token is the one from before, so the next backup reads them again.
   */
  changed: string[];
  /** What `exclude` left out, in the order met: not in the snapshot, by request (the snapshot is complete without it). */
  excluded: ExcludedEntry[];
  /** Why extended attributes were not looked at (the platform calls are unavailable); absent when they were. */
  xattrsNotRead?: string;
};

/** The source id of a directory: its absolute path. */
export function directorySourceId(dir: string): string {
  return path.resolve(dir);
}

/**
 * Backs up a directory tree into a new snapshot: walks it depth-first with siblings in manifest
 * order (so the parent lookups and the manifest are sequential), reads small files ahead of the
 * writer, and lets the writer reuse unchanged files (same size, mtime, ctime, inode) from the parent.
 * Every kind of entry is recorded: files (a hard link's later names as links to the first,
 * HardLinkGroups), directories, symlinks, special files; names and link targets as exact bytes;
 * extended attributes when the platform calls are available.
 */
export async function backupDirectory(vault: Vault, sourceDir: string, options: DirectoryBackupOptions = {}): Promise<DirectoryBackupResult> {
  const startedAt = new Date();
  const root = directorySourceId(sourceDir);
  const rootStat = await fs.stat(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new VaultError(`the backup source ${root} does not exist`);
    throw err;
  });
  if (!rootStat.isDirectory()) throw new VaultError(`the backup source ${root} is not a directory (back up the directory that holds it)`);
  const exclude = await walkIdentities(options.exclude ?? []);
  await refuseExcludedRoot(root, exclude);
  const parent = options.parent === undefined ? ((await vault.latestSnapshot(root))?.id ?? null) : options.parent;
  const writer = await vault.newSnapshotWriter({ parent, ...(options.onParentUnreadable ? { onParentUnreadable: options.onParentUnreadable } : {}) });
  const skipped: SkippedEntry[] = [];
  const skip = (rel: string, reason: string): void => {
    skipped.push({ path: rel, reason });
    options.onSkip?.(rel, reason);
  };
  const links = new HardLinkGroups();

  // Up to FILES_IN_FLIGHT entries are read and chunked at once, so reads overlap chunking and the
  // workers always have the next file; the writer's shared memory bounds the bytes in flight.
  const changed: string[] = [];
  const excluded: ExcludedEntry[] = [];
  const walk = walkTree(root, { onProblem: (p) => skip(p.rel, p.message), exclude, onExcluded: (rel, excludedAs) => excluded.push({ path: rel, excludedAs }) });
  await forEachBounded(walk, FILES_IN_FLIGHT, (item) =>
    addItem(writer, item, links, skip, { lstat: options.lstatAfterRead ?? ((file) => fs.lstat(file, { bigint: true })), changed: (rel) => changed.push(rel) }),
  );
  const part = await writer.finish();
  const snapshot = await vault.commitSnapshot({
    source: { kind: 'directory', id: root },
    parts: [part],
    parent,
    tags: options.tags ?? [],
    startedAt,
  });
  return { snapshot, skipped, changed, excluded, ...(platformCalls() ? {} : { xattrsNotRead: platformCallsUnavailableReason() }) };
}

/**
 * A source that is, or lies inside, a path to leave out would leave nothing to back up (or back up the
 * vault into itself): refused, naming both. Inside is judged on real paths, so symlinks on the way count.
 */
async function refuseExcludedRoot(root: string, exclude: WalkIdentities): Promise<void> {
  if (exclude.size === 0) return;
  const real = await fs.realpath(root);
  for (let dir = real; ; dir = path.dirname(dir)) {
    const named = exclude.get(walkIdentity(await fs.stat(dir, { bigint: true })));
    if (named !== undefined) {
      throw new VaultError(`the backup source ${root} ${dir === real ? 'is' : 'lies inside'} ${named}, which this backup is told to leave out: back up a directory outside it`);
    }
    if (path.dirname(dir) === dir) return;
  }
}

/** Adds one walked item to the writer; a file's content is read by the writer unless the parent's (or its first name's) can be reused. */
async function addItem(
  writer: SnapshotWriter,
  item: WalkedEntry,
  links: HardLinkGroups,
  skip: (rel: string, reason: string) => void,
  afterRead: { lstat: (file: FsPath) => Promise<BigIntStats>; changed: (rel: string) => void },
): Promise<void> {
  let meta: EntryMeta;
  try {
    meta = await walkedEntryMeta(item, (reason) => skip(item.rel, reason));
  } catch (err) {
    if (isFileAccessError(err)) skip(item.rel, `cannot read: ${(err as Error).message}`);
    else throw err;
    return;
  }
  if (item.kind !== 'file') return writer.add({ path: item.rel, kind: item.kind, meta });
  const changeToken = fileChangeToken(item.stat);
  const member = links.join(item.stat, item.rel);
  if (member?.role === 'later') {
    const recorded = await member.content;
    if (recorded) return writer.add({ path: item.rel, kind: 'file', meta: { ...meta, hardlink: member.firstPath }, changeToken, stored: recorded });
  }
  const first = member?.role === 'first' ? member : null;
  try {
    const read = await writer.addFile({ path: item.rel, kind: 'file', meta, changeToken, ...(first ? { onContent: (c) => first.settle(c) } : {}) }, item.abs, Number(item.stat.size));
    // Only a file that was read can have changed under the read (one lstat more per file read, none per file reused).
    if (read && changedSince(item.stat, await afterRead.lstat(item.abs).catch(() => null))) afterRead.changed(item.rel);
  } catch (err) {
    first?.settle(null);
    // Only an unreadable file is skipped; anything else (the vault, the workers) fails the backup.
    if (isFileAccessError(err)) skip(item.rel, `cannot read: ${(err as Error).message}`);
    else throw err;
  }
}

