import { type BigIntStats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type EntryMeta } from '../manifest/manifest-entry';
import { type Snapshot } from '../manifest/snapshot-record';
import { type SnapshotWriter } from './snapshot-writer';
import { walkTree, type WalkedEntry } from './tree-walker';
import { forEachBounded } from '../workers/bounded-concurrency';
import { type Vault } from '../repository/vault';
import { VaultError } from '../vault-errors';

/** Entries being read and chunked at once. */
const FILES_IN_FLIGHT = 4;

export type DirectoryBackupOptions = {
  /** Parent snapshot id; undefined = the latest snapshot of the same source; null = none (full read). */
  readonly parent?: string | null;
  readonly tags?: readonly string[];
  /** Called for files and special files that were skipped, with the reason. */
  readonly onSkip?: (relPath: string, reason: string) => void;
};

export type DirectoryBackupResult = { snapshot: Snapshot; skipped: number };

/** The source id of a directory: its absolute path. */
export function directorySourceId(dir: string): string {
  return path.resolve(dir);
}

/**
 * Backs up a directory tree into a new snapshot: walks it depth-first with siblings in manifest
 * order (so the parent lookups and the manifest are sequential), reads small files ahead of the
 * writer, and lets the writer reuse unchanged files (same size, mtime, ctime, inode) from the parent.
 */
export async function backupDirectory(vault: Vault, sourceDir: string, options: DirectoryBackupOptions = {}): Promise<DirectoryBackupResult> {
  const startedAt = new Date();
  const root = directorySourceId(sourceDir);
  const rootStat = await fs.stat(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new VaultError(`the backup source ${root} does not exist`);
    throw err;
  });
  if (!rootStat.isDirectory()) throw new VaultError(`the backup source ${root} is not a directory (back up the directory that holds it)`);
  const parent = options.parent === undefined ? ((await vault.latestSnapshot(root))?.id ?? null) : options.parent;
  const writer = await vault.newSnapshotWriter({ parent });
  let skipped = 0;
  const skip = (rel: string, reason: string): void => {
    skipped++;
    options.onSkip?.(rel, reason);
  };

  // Up to FILES_IN_FLIGHT entries are read and chunked at once, so reads overlap chunking and the
  // workers always have the next file; the writer's shared memory bounds the bytes in flight.
  await forEachBounded(walkTree(root, { onProblem: (p) => skip(p.rel, p.message) }), FILES_IN_FLIGHT, (item) => addItem(writer, item, skip));
  const part = await writer.finish();
  const snapshot = await vault.commitSnapshot({
    source: { kind: 'directory', id: root },
    parts: [part],
    parent,
    tags: options.tags ?? [],
    startedAt,
  });
  return { snapshot, skipped };
}

/** The meta of a file-system entry (every directory backup writes exactly this): mode bits, mtime in ns, owner. */
export function fileSystemMeta(stat: BigIntStats): Record<string, string | number> {
  return { mode: Number(stat.mode & 0o7777n), mtimeNs: stat.mtimeNs.toString(), uid: Number(stat.uid), gid: Number(stat.gid) };
}

/** The change token of a file: an unchanged size, mtime, ctime and inode lets the next backup reuse its content unread. */
export function fileChangeToken(s: BigIntStats): string {
  return `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}`;
}

/** Adds one walked item to the writer; a file's content is read by the writer unless the parent's can be reused. */
async function addItem(writer: SnapshotWriter, item: WalkedEntry, skip: (rel: string, reason: string) => void): Promise<void> {
  const meta: EntryMeta = fileSystemMeta(item.stat);
  if (item.kind === 'dir') return writer.add({ path: item.rel, kind: 'dir', meta });
  if (item.kind === 'symlink') {
    let target: string;
    try {
      target = await fs.readlink(item.abs);
    } catch (err) {
      skip(item.rel, `cannot read link: ${(err as Error).message}`);
      return;
    }
    return writer.add({ path: item.rel, kind: 'symlink', meta: { ...meta, target } });
  }
  try {
    await writer.addFile({ path: item.rel, kind: 'file', meta, changeToken: fileChangeToken(item.stat) }, item.abs, Number(item.stat.size));
  } catch (err) {
    // Only an unreadable file is skipped; anything else (the vault, the workers) fails the backup.
    if (isFileAccessError(err)) skip(item.rel, `cannot read: ${(err as Error).message}`);
    else throw err;
  }
}

function isFileAccessError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EISDIR' || code === 'ELOOP' || code === 'EIO';
}
