import { type BigIntStats } from 'node:fs';
import * as fs from 'node:fs/promises';
import { type EntryMeta, fileChangeToken, fileSystemMeta, type FsPath, HardLinkGroups, type HardLinkMember, isFileAccessError, type NewEntry, readBlocks, readRegularFile, walkedEntryMeta, walkTree, type WalkedEntry } from '../../vault';
import { type EntrySink, type ShardObservations } from './entry-sink';
import { forEachBounded } from '../../vault';
import { type FilesystemResumePoint } from './shard-resume-point';
import { type ShardRun } from './shard-run';
import { StoppableListing } from './stoppable-listing';
import { checkSourceRoot } from './directory-source';

/** Files up to this size are read whole (and re-read when they change meanwhile); larger ones stream in blocks of this size. */
export const WHOLE_FILE_BYTES = 8 * 1024 * 1024;
/** Files prepared at once: reading small files ahead of the writer keeps both cores busy. */
const FILES_IN_FLIGHT = 8;

export type DirectoryShardOptions = {
  /** Test seam: called before each read of a file's content (attempt 0, then 1 for the re-read). */
  readonly beforeRead?: (absolutePath: FsPath, attempt: number) => Promise<void>;
};

/**
 * Writes the subtrees `topLevel` (names directly under `root`, as the manifest names them) as
 * file-system entries — walked by the vault's one walker (walkTree) into exactly the entries of
 * vault/archiver/directory-source.ts (paths relative to the root, names that are not UTF-8 escaped;
 * kinds file/dir/symlink/special; meta from walkedEntryMeta: mode/mtimeNs/uid/gid, extended
 * attributes, symlink target, special file type; a hard link's later names with `hardlink`; change
 * token size:mtime:ctime:inode), so a sharded backup of a directory equals a `lifeboat vault backup`
 * of it. The root itself has no entry, and must be a directory, not a symlink (checkSourceRoot). A
 * hard-link group split across shards is stored once per shard.
 *
 * A file that changes while it is read (size, mtime, ctime or inode differ before and after) is read
 * once more; if it changed again it is kept as read and reported in `changedDuringRead`. Either way
 * its change token is the one taken *before* the read, so the next incremental backup reads it again.
 *
 * Resumable (shard-run.ts): the walk's order is the manifest's, so a stretch asked to stop takes no
 * further entry, finishes those in flight and returns the last path taken with the hard-link groups
 * still open; `run.resume` walks on after that path (tree-walker.ts `after`) with those groups.
 */
export async function addDirectoryShard(
  root: string,
  topLevel: readonly string[],
  sink: EntrySink,
  observations: ShardObservations,
  options: DirectoryShardOptions = {},
  run: ShardRun<FilesystemResumePoint> = {},
): Promise<FilesystemResumePoint | null> {
  // The plan checked the whole configured path; the root may have been swapped for a symlink since.
  await checkSourceRoot(root);
  const walked = new StoppableListing(
    walkTree(root, {
      names: topLevel,
      onProblem: (p) => {
        if (p.reason === 'vanished') observations.vanished.push(p.rel);
        else observations.skipped.push(`${p.rel}: ${p.message}`);
      },
      ...(run.resume ? { after: run.resume.lastPath } : {}),
    }),
    run.shouldStop,
  );
  const links = new HardLinkGroups(run.resume?.hardLinks);
  await forEachBounded(walked, FILES_IN_FLIGHT, async (item) => {
    const member = item.kind === 'file' ? links.join(item.stat, item.rel) : null;
    const first = member?.role === 'first' ? member : null;
    let entry: NewEntry | null;
    try {
      entry = await prepare(item, member, sink, observations, options);
    } catch (err) {
      first?.settle(null);
      throw err;
    }
    if (!entry) {
      first?.settle(null);
      return;
    }
    const streamed = entry.content !== undefined && typeof entry.content === 'function';
    try {
      await sink.add(first ? { ...entry, onContent: (c) => first.settle(c) } : entry);
    } catch (err) {
      first?.settle(null);
      // A large file is opened only by the writer: one it cannot open or read is left out and reported, as a small
      // one is (prepare) and as the vault CLI's walk does, not the whole backup failed (audit R18 F1).
      if (!streamed || !isFileAccessError(err)) throw err;
      skipOrVanish(item.rel, Object.assign(new Error(`cannot read: ${(err as Error).message}`), { code: (err as NodeJS.ErrnoException).code }), observations);
      return;
    }
    if (streamed) {
      // Streamed (large) files are checked after the writer has read them; they cannot be re-read.
      if (changed(item.stat, await lstatOrNull(item.abs))) observations.changedDuringRead.push(item.rel);
    }
  });
  return walked.stopped && walked.last ? { kind: 'filesystem', lastPath: walked.last.rel, hardLinks: await links.open() } : null;
}

async function lstatOrNull(abs: FsPath): Promise<BigIntStats | null> {
  try {
    return await fs.lstat(abs, { bigint: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function changed(before: BigIntStats, after: BigIntStats | null): boolean {
  return !after || fileChangeToken(before) !== fileChangeToken(after);
}

async function prepare(item: WalkedEntry, member: HardLinkMember | null, sink: EntrySink, observations: ShardObservations, options: DirectoryShardOptions): Promise<NewEntry | null> {
  let meta: EntryMeta;
  try {
    meta = await walkedEntryMeta(item, (reason) => observations.skipped.push(`${item.rel}: ${reason}`));
  } catch (err) {
    return skipOrVanish(item.rel, err, observations);
  }
  if (item.kind !== 'file') return { path: item.rel, kind: item.kind, meta };
  let stat = item.stat;
  if (member?.role === 'later') {
    const recorded = await member.content;
    if (recorded) return { path: item.rel, kind: 'file', meta: { ...meta, hardlink: member.firstPath }, changeToken: fileChangeToken(stat), stored: recorded };
  }
  // The parent entry itself is passed on: the writer asked again could find the parent dropped by now (snapshot-writer.ts).
  const prev = await sink.canReuse(item.rel, 'file', fileChangeToken(stat));
  if (prev) return { path: item.rel, kind: 'file', meta, changeToken: fileChangeToken(stat), stored: { size: prev.size, content: prev.content }, reused: true };
  if (stat.size > BigInt(WHOLE_FILE_BYTES)) {
    return { path: item.rel, kind: 'file', meta, changeToken: fileChangeToken(stat), content: () => readBlocks(item.abs) };
  }
  try {
    for (let attempt = 0; ; attempt++) {
      await options.beforeRead?.(item.abs, attempt);
      // Checked as the writer's large-file reads are (openRegularFile): no symlink followed, no wait on a FIFO put in its place.
      const content = await readRegularFile(item.abs);
      const after = await lstatOrNull(item.abs);
      // After a re-read the entry is the file as stat'ed before that read (meta and token alike).
      const entry: NewEntry = { path: item.rel, kind: 'file', meta: stat === item.stat ? meta : { ...meta, ...fileSystemMeta(stat) }, changeToken: fileChangeToken(stat), content };
      if (!after) return skipOrVanish(item.rel, Object.assign(new Error('deleted while read'), { code: 'ENOENT' }), observations);
      if (!changed(stat, after)) return entry;
      if (attempt === 1 || !after.isFile()) {
        observations.changedDuringRead.push(item.rel);
        return entry;
      }
      stat = after;
    }
  } catch (err) {
    return skipOrVanish(item.rel, err, observations);
  }
}

function skipOrVanish(rel: string, err: unknown, observations: ShardObservations): null {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') observations.vanished.push(rel);
  else observations.skipped.push(`${rel}: ${(err as Error).message}`);
  return null;
}
