import { type BigIntStats, type Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { comparePaths, type EntryMeta } from './manifest-entry';
import { type Snapshot } from './snapshot-record';
import { type NewEntry, type SnapshotWriter } from './snapshot-writer';
import { type Vault } from './vault';

/** Files up to this size are read whole, ahead of the writer; larger ones stream in blocks of this size. */
const WHOLE_FILE_BYTES = 8 * 1024 * 1024;
/** Read-ahead window of the walk: entries and bytes prepared before the writer takes them. */
const READ_AHEAD_ENTRIES = 16;
const READ_AHEAD_BYTES = 48 * 1024 * 1024;

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

  const window: Array<{ bytes: number; entry: Promise<NewEntry | null> }> = [];
  let windowBytes = 0;
  const take = async (): Promise<void> => {
    const head = window.shift();
    if (!head) return;
    windowBytes -= head.bytes;
    const entry = await head.entry;
    if (entry) await writer.add(entry);
  };
  for await (const item of walk(root, '', skip)) {
    const bytes = item.kind === 'file' && item.stat.size <= BigInt(WHOLE_FILE_BYTES) ? Number(item.stat.size) : 0;
    const entry = prepare(writer, item, skip);
    entry.catch(() => undefined); // awaited in order by take()
    window.push({ bytes, entry });
    windowBytes += bytes;
    while (window.length > READ_AHEAD_ENTRIES || windowBytes > READ_AHEAD_BYTES) await take();
  }
  while (window.length > 0) await take();
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
  for (const d of dirents) {
    const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
    const childAbs = path.join(abs, d.name);
    let stat: BigIntStats;
    try {
      stat = await fs.lstat(childAbs, { bigint: true });
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

/** Turns a walked item into an entry; a small changed file is read here, ahead of the writer. */
async function prepare(writer: SnapshotWriter, item: WalkItem, skip: (rel: string, reason: string) => void): Promise<NewEntry | null> {
  const meta: EntryMeta = baseMeta(item.stat);
  if (item.kind === 'dir') return { path: item.rel, kind: 'dir', meta };
  if (item.kind === 'symlink') {
    try {
      return { path: item.rel, kind: 'symlink', meta: { ...meta, target: await fs.readlink(item.abs) } };
    } catch (err) {
      skip(item.rel, `cannot read link: ${(err as Error).message}`);
      return null;
    }
  }
  const s = item.stat;
  const changeToken = `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}`;
  if (await writer.canReuse(item.rel, 'file', changeToken)) return { path: item.rel, kind: 'file', meta, changeToken };
  try {
    if (s.size <= BigInt(WHOLE_FILE_BYTES)) {
      return { path: item.rel, kind: 'file', meta, changeToken, content: await readWhole(item.abs, Number(s.size)) };
    }
    return { path: item.rel, kind: 'file', meta, changeToken, content: () => readBlocks(item.abs) };
  } catch (err) {
    skip(item.rel, `cannot read: ${(err as Error).message}`);
    return null;
  }
}

/** Reads a file of the expected size in one call (a file that changed size since stat yields what is there now). */
async function readWhole(file: string, size: number): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafeSlow(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(buf, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done < size) return buf.subarray(0, done);
    // Grown since stat: take the rest too, so the entry holds the file as read.
    const more: Buffer[] = [buf];
    for (;;) {
      const extra = Buffer.allocUnsafe(1024 * 1024);
      const { bytesRead } = await fh.read(extra, 0, extra.length, done);
      if (bytesRead === 0) break;
      more.push(extra.subarray(0, bytesRead));
      done += bytesRead;
    }
    return more.length === 1 ? buf : Buffer.concat(more);
  } finally {
    await fh.close();
  }
}

/** Streams a large file in WHOLE_FILE_BYTES blocks, keeping one read ahead. */
async function* readBlocks(file: string): AsyncGenerator<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    let position = 0;
    const readAt = async (pos: number): Promise<Buffer> => {
      const buf = Buffer.allocUnsafeSlow(WHOLE_FILE_BYTES);
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      return buf.subarray(0, bytesRead);
    };
    let next = readAt(position);
    for (;;) {
      const buf = await next;
      if (buf.length === 0) break;
      position += buf.length;
      next = readAt(position);
      yield buf;
    }
  } finally {
    await fh.close();
  }
}
