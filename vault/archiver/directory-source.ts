import { type BigIntStats, type Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { comparePaths, type EntryMeta } from '../manifest/manifest-entry';
import { type Snapshot } from '../manifest/snapshot-record';
import { type SnapshotWriter } from './snapshot-writer';
import { type Vault } from '../repository/vault';

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
  const rootStat = await fs.stat(root);
  if (!rootStat.isDirectory()) throw new Error(`${root} is not a directory`);
  const parent = options.parent === undefined ? ((await vault.latestSnapshot(root))?.id ?? null) : options.parent;
  const writer = await vault.newSnapshotWriter({ parent });
  let skipped = 0;
  const skip = (rel: string, reason: string): void => {
    skipped++;
    options.onSkip?.(rel, reason);
  };

  // Up to FILES_IN_FLIGHT entries are read and chunked at once, so reads overlap chunking and the
  // workers always have the next file; the writer's shared memory bounds the bytes in flight.
  const inFlight = new Set<Promise<void>>();
  let failure: { err: unknown } | null = null;
  for await (const item of walk(root, '', skip)) {
    if (failure) break;
    const added = addItem(writer, item, skip).catch((err: unknown) => {
      failure ??= { err };
    });
    const tracked = added.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    while (inFlight.size >= FILES_IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw (failure as { err: unknown }).err;
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

type WalkItem = { rel: string; abs: string; kind: 'file' | 'dir' | 'symlink'; stat: BigIntStats };

async function* walk(abs: string, rel: string, skip: (rel: string, reason: string) => void): AsyncGenerator<WalkItem> {
  let dirents: Dirent[];
  try {
    dirents = await fs.readdir(abs, { withFileTypes: true });
  } catch (err) {
    skip(rel || '.', `cannot list: ${(err as Error).message}`);
    return;
  }
  dirents.sort((a, b) => comparePaths(a.name, b.name));
  // Every child's lstat at once (the thread pool runs them in parallel), consumed in order.
  const stats = dirents.map((d) => {
    const p = fs.lstat(path.join(abs, d.name), { bigint: true });
    p.catch(() => undefined);
    return p;
  });
  for (let i = 0; i < dirents.length; i++) {
    const d = dirents[i] as Dirent;
    const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
    const childAbs = path.join(abs, d.name);
    let stat: BigIntStats;
    try {
      stat = await (stats[i] as Promise<BigIntStats>);
    } catch (err) {
      skip(childRel, `cannot stat: ${(err as Error).message}`);
      continue;
    }
    if (stat.isDirectory()) {
      yield { rel: childRel, abs: childAbs, kind: 'dir', stat };
      yield* walk(childAbs, childRel, skip);
    } else if (stat.isFile()) yield { rel: childRel, abs: childAbs, kind: 'file', stat };
    else if (stat.isSymbolicLink()) yield { rel: childRel, abs: childAbs, kind: 'symlink', stat };
    else skip(childRel, 'not a regular file, directory or symlink');
  }
}

function baseMeta(stat: BigIntStats): Record<string, string | number> {
  return { mode: Number(stat.mode & 0o7777n), mtimeNs: stat.mtimeNs.toString(), uid: Number(stat.uid), gid: Number(stat.gid) };
}

/** Adds one walked item to the writer; a file's content is read by the writer unless the parent's can be reused. */
async function addItem(writer: SnapshotWriter, item: WalkItem, skip: (rel: string, reason: string) => void): Promise<void> {
  const meta: EntryMeta = baseMeta(item.stat);
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
  const s = item.stat;
  const changeToken = `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}`;
  try {
    await writer.addFile({ path: item.rel, kind: 'file', meta, changeToken }, item.abs, Number(s.size));
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
