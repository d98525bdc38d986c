import { createHash } from 'node:crypto';
import { type BigIntStats, createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import * as path from 'node:path';
import { resolveInsideTarget, UnsafeEntryPathError, walkTree, type WalkProblem } from '../../vault';
import { type FileSample } from './file-mirror-samples';
import { MAX_AWAITING_SYNC_BYTES, sampleJsonBytes, WINDOW_OVERHEAD_BYTES } from './file-samples-awaiting-sync';
import { MAX_UNCONFIRMED_BYTES, type SourceAnswers } from './unconfirmed-missing';

export type FileWindow = {
  samples: FileSample[];
  cursor: string;
  /** Files gone by the time they were read (deleted, or no longer a regular file): a live file system changes. */
  skipped: number;
  /** What could not be read (FileSamplesRecord.problem): the first path ('' for the root itself) with its error, and how many more; absent when all was read. */
  problem?: { path: string; message: string; more: number };
};

/**
 * The samples of one window as UTF-8 JSON stay under this many bytes: they are one DynamoDB item, whose
 * limit is 400 KB (409,600 bytes, attribute names included). A sample's JSON outweighs its DynamoDB size
 * (the JSON spells every key and quote; DynamoDB counts a map's names, its values' UTF-8 bytes and a
 * few bytes of overhead), and the item's other attributes (keys, environment, source, sampledAt, the
 * cursor: one more path) stay within a few KB, so this leaves ~100 KB to spare. A path is at most
 * 4 KB of UTF-8 (PATH_MAX), so a sample is up to ~4 KB; 100 short ones are ~15 KB. A window the check keeps
 * for a later sync is weighed with its own fields too (file-samples-awaiting-sync.ts): a full window must fit
 * that limit whole, or its last samples are dropped unjudged (review r57L-5).
 */
export const MAX_WINDOW_BYTES = MAX_AWAITING_SYNC_BYTES - WINDOW_OVERHEAD_BYTES;

/**
 * Errors of a path deleted, or replaced by another kind (a file, a symlink), between the walk's meeting it and reading it:
 * the live file system changing, which the next pass meets as it is then. Any other error of a system call (EACCES,
 * EPERM, EIO, EMFILE…) leaves the path unread, and the mirror cannot be vouched for on it.
 */
const GONE_CODES: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'ELOOP']);

/** EFS keeps mtimes to the nanosecond and replicates them; samples keep milliseconds, which both sides show alike. */
export const mtimeMsOf = (mtimeNs: bigint): number => Number(mtimeNs / 1_000_000n);

/**
 * The next window of a file-system source: up to `samples` regular files after `after` (fewer when
 * their JSON would pass `maxBytes`, MAX_WINDOW_BYTES by default), in the walk's
 * (manifest) order, each with its size, mtime and SHA-256, read now. Subtrees wholly before `after`
 * are not listed, so a rotating window costs one pass over its own files, not over the file system.
 * `cursor` is the last path taken, or empty when the walk reached the end (the next window starts over).
 * A file that vanishes while sampled is counted in `skipped`, not failed: the source is a live file
 * system. What cannot be read (the root itself, missing or refused; a directory or file under it that
 * fails the sampler otherwise than by being gone: EACCES, EIO…) is the window's `problem`: an empty window of a directory that is not there must
 * not read as an empty source (audit a57A-2). The other files are still sampled.
 */
export async function sampleFileWindow(root: string, options: { after: string; samples: number; maxBytes?: number }): Promise<FileWindow> {
  const samples: FileSample[] = [];
  const maxBytes = options.maxBytes ?? MAX_WINDOW_BYTES;
  let bytes = 0;
  let skipped = 0;
  const problems: Array<{ path: string; message: string }> = [];
  const onProblem = (problem: WalkProblem): void => {
    // The root's own problem, whatever it is, is the source's: its directory missing is the source missing. Under it, by
    // the failed call's code, not its message, which quotes the path too (a directory named EPERM: review r57L-7).
    if (problem.rel === '.') problems.push({ path: '', message: problem.message });
    else if (problem.reason === 'unreadable' && problem.code !== undefined && !GONE_CODES.has(problem.code)) problems.push({ path: problem.rel, message: problem.message });
    else skipped++;
  };
  const windowOf = (cursor: string): FileWindow => {
    const first = problems[0];
    return { samples, cursor, skipped, ...(first ? { problem: { ...first, more: problems.length - 1 } } : {}) };
  };
  for await (const entry of walkTree(root, { onProblem, ...(options.after ? { after: options.after } : {}) })) {
    if (entry.kind !== 'file') continue;
    let sample: FileSample;
    try {
      sample = { path: entry.rel, size: Number(entry.stat.size), mtimeMs: mtimeMsOf(entry.stat.mtimeNs), sha256: await sha256Of(entry.abs) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code !== 'string') throw err;
      if (GONE_CODES.has(code)) skipped++;
      else problems.push({ path: entry.rel, message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    // The window ends before a sample that would not fit the catalog item; the next window starts with it.
    // UTF-8 bytes, as DynamoDB counts: a CJK path is 3 bytes a character, which `.length` counts as 1.
    bytes += sampleJsonBytes(sample);
    if (bytes > maxBytes && samples.length > 0) return windowOf((samples[samples.length - 1] as FileSample).path);
    samples.push(sample);
    if (samples.length >= options.samples) return windowOf(entry.rel);
  }
  return windowOf('');
}

export async function sha256Of(file: string | Buffer): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A folder on the way to an asked path: a directory to look in (with the lstat that found it so), none there (the path is gone), or one the sampler must not enter. */
type FolderOnTheWay = { kind: 'directory'; stats: BigIntStats[] } | { kind: 'absent' } | { kind: 'refused' };

/** How the sampler lstats a path (fs.promises.lstat, bigint: an inode may pass 2^53); a parameter so a test can change the tree between two calls. */
export type LstatPath = (abs: string | Buffer) => Promise<BigIntStats>;

const lstatPath: LstatPath = (abs) => lstat(abs, { bigint: true });

/**
 * A path as the walk writes one (walkTree's `rel`): names joined by '/', none empty, '.' or '..'. The check lists only
 * sampled paths; any other one in its record was not written by it (a tampered DR catalog), and is not answered.
 */
const isWalkPath = (rel: string): boolean => rel.split('/').every((name) => name !== '' && name !== '.' && name !== '..');

/** The most an answer about `rel` can weigh in the samples item: its JSON with the largest size and mtime. */
const answerBytes = (rel: string): number => Buffer.byteLength(JSON.stringify({ path: rel, present: { size: Number.MAX_SAFE_INTEGER, mtimeMs: Number.MAX_SAFE_INTEGER } })) + 1;

/**
 * The source's regular file at each of `paths` under `root` (size and mtime), or none (`present` absent: deleted,
 * renamed, or now another kind): the check's unconfirmed paths looked up (unconfirmed-missing.ts). The list comes from
 * the DR catalog, which the primary region must not trust to keep it inside the source (review r57R-1), so a path is
 * answered only if the walk could have sampled it: in the walk's form (isWalkPath, inside the root), and with no
 * symlink among the folders on the way, which the walk never follows (each folder is lstat'ed, not followed). A path
 * refused so, or that cannot be stat'ed otherwise (EACCES, EIO), is left out: the check waits, within its bound. The
 * answers stop at `maxBytes` (MAX_UNCONFIRMED_BYTES, what the check's own list may take; review r57R-2): the samples
 * item holds them beside a full window, under DynamoDB's 400 KB, whatever the list read.
 *
 * The final lstat goes by path, through the folders as they are then: one swapped for a symlink after its lstat would
 * lead it out of the source (review r57V-1). So no folder's kind is kept from one path to the next (a long list was the
 * window to swap one in), and after the final lstat each folder is lstat'ed again: an answer whose folders are not all
 * the same directories (device and inode) is left out, as refused. An automount point that mounted meanwhile changes
 * too: left out once, answered at the next run. Left open: a folder swapped for a symlink and back (the same
 * directory renamed back) between the two lstats; Node has no openat or per-component O_NOFOLLOW to close it, and
 * walkTree's check of a directory it lists (replacedWhileWalked) leaves the same kind of gap. Its yield is a size and
 * an mtime, written only into the DR catalog the swapper already tampers with. Cost: each folder of each path is
 * lstat'ed twice, at most ~50,000 lstats a run within the byte bound (a name and its '/' are 2 bytes); the worst list,
 * 24 paths 1,000 folders deep, took 2.6 s on a local disk (0.4 s with kinds kept), 657 one-name paths 50 ms.
 */
export async function sourceFilesAt(root: string, paths: readonly string[], options: { maxBytes?: number; lstat?: LstatPath } = {}): Promise<SourceAnswers['paths']> {
  const maxBytes = options.maxBytes ?? MAX_UNCONFIRMED_BYTES;
  const lstatOf = options.lstat ?? lstatPath;
  const answers: SourceAnswers['paths'] = [];
  let bytes = 0;
  for (const rel of paths) {
    // Weighed before it is looked up: a list longer than any check writes costs no more than the bound, answered or not.
    bytes += answerBytes(rel);
    if (bytes > maxBytes) break;
    if (!isWalkPath(rel)) continue;
    let abs: string | Buffer;
    try {
      abs = resolveInsideTarget(root, rel);
    } catch (err) {
      if (err instanceof UnsafeEntryPathError) continue;
      throw err;
    }
    const folders = foldersOf(root, abs);
    const way = await foldersOnTheWay(folders, lstatOf);
    if (way.kind === 'refused') continue;
    if (way.kind === 'absent') {
      answers.push({ path: rel });
      continue;
    }
    let answer: SourceAnswers['paths'][number];
    try {
      const stat = await lstatOf(abs);
      answer = stat.isFile() ? { path: rel, present: { size: Number(stat.size), mtimeMs: mtimeMsOf(stat.mtimeNs) } } : { path: rel };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code !== 'string') throw err;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') continue;
      answer = { path: rel };
    }
    if (await sameFolders(folders, way.stats, lstatOf)) answers.push(answer);
  }
  return answers;
}

/**
 * The folders leading to `abs` (resolveInsideTarget's path of a walk path under `root`), outermost first, the root
 * itself not among them: its prefixes at each separator past the root. Cut from the one resolved path rather than each
 * resolved again, which cost more than the lstats for a deep path (review r57V-1: every path's folders are looked up).
 */
function foldersOf(root: string, abs: string | Buffer): Array<string | Buffer> {
  const resolvedRoot = path.resolve(root);
  const folders: Array<string | Buffer> = [];
  if (typeof abs === 'string') {
    for (let at = resolvedRoot.length, next = abs.indexOf('/', at + 1); next !== -1; at = next, next = abs.indexOf('/', at + 1)) folders.push(abs.slice(0, next));
  } else {
    for (let at = Buffer.byteLength(resolvedRoot), next = abs.indexOf(0x2f, at + 1); next !== -1; at = next, next = abs.indexOf(0x2f, at + 1)) folders.push(abs.subarray(0, next));
  }
  return folders;
}

/**
 * The folders leading to the asked path, each lstat'ed in turn: all real directories (with their lstats), or the first
 * that is none (a file there, or nothing: the path is gone) or that the sampler must not enter (a symlink, which would
 * lead the final lstat out of the source; one it cannot stat).
 */
async function foldersOnTheWay(folders: ReadonlyArray<string | Buffer>, lstatOf: LstatPath): Promise<FolderOnTheWay> {
  const stats: BigIntStats[] = [];
  for (const folder of folders) {
    let stat: BigIntStats;
    try {
      stat = await lstatOf(folder);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
      if (typeof code !== 'string') throw err;
      return { kind: 'refused' };
    }
    if (!stat.isDirectory()) return stat.isSymbolicLink() ? { kind: 'refused' } : { kind: 'absent' };
    stats.push(stat);
  }
  return { kind: 'directory', stats };
}

/** Whether `folders` are still the directories `before` found there (device and inode), lstat'ed again. */
async function sameFolders(folders: ReadonlyArray<string | Buffer>, before: readonly BigIntStats[], lstatOf: LstatPath): Promise<boolean> {
  for (const [i, was] of before.entries()) {
    const folder = folders[i];
    const now = folder === undefined ? undefined : await lstatOf(folder).catch(() => undefined);
    if (now === undefined || !now.isDirectory() || now.dev !== was.dev || now.ino !== was.ino) return false;
  }
  return true;
}
