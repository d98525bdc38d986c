import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { resolveInsideTarget, UnsafeEntryPathError, walkTree, type WalkProblem } from '../../vault';
import { type FileSample } from './file-mirror-samples';
import { MAX_AWAITING_SYNC_BYTES, WINDOW_OVERHEAD_BYTES } from './file-samples-awaiting-sync';
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
const mtimeMsOf = (mtimeNs: bigint): number => Number(mtimeNs / 1_000_000n);

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
    bytes += Buffer.byteLength(JSON.stringify(sample)) + 1;
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

/** A folder on the way to an asked path: a directory to look in, none there (the path is gone), or one the sampler must not enter. */
type FolderKind = 'directory' | 'absent' | 'refused';

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
 */
export async function sourceFilesAt(root: string, paths: readonly string[], maxBytes = MAX_UNCONFIRMED_BYTES): Promise<SourceAnswers['paths']> {
  const answers: SourceAnswers['paths'] = [];
  const folders = new Map<string, FolderKind>();
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
    const way = await folderOnTheWay(root, rel, folders);
    if (way === 'refused') continue;
    if (way === 'absent') {
      answers.push({ path: rel });
      continue;
    }
    try {
      const stat = await lstat(abs, { bigint: true });
      answers.push(stat.isFile() ? { path: rel, present: { size: Number(stat.size), mtimeMs: mtimeMsOf(stat.mtimeNs) } } : { path: rel });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') answers.push({ path: rel });
      else if (typeof code !== 'string') throw err;
    }
  }
  return answers;
}

/**
 * The folders leading to `rel` (not the root, the configured path), outermost first, each lstat'ed: all real
 * directories, or the first that is none (a file there, or nothing: the path is gone) or that the sampler must not
 * enter (a symlink, which would lead the final lstat out of the source; one it cannot stat). `known` keeps each
 * folder's kind for the other paths of the same list.
 */
async function folderOnTheWay(root: string, rel: string, known: Map<string, FolderKind>): Promise<FolderKind> {
  const names = rel.split('/');
  for (let depth = 1; depth < names.length; depth++) {
    const folder = names.slice(0, depth).join('/');
    let kind = known.get(folder);
    if (kind === undefined) {
      kind = await folderKind(resolveInsideTarget(root, folder));
      known.set(folder, kind);
    }
    if (kind !== 'directory') return kind;
  }
  return 'directory';
}

async function folderKind(abs: string | Buffer): Promise<FolderKind> {
  try {
    const stat = await lstat(abs);
    if (stat.isDirectory()) return 'directory';
    return stat.isSymbolicLink() ? 'refused' : 'absent';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'absent';
    if (typeof code !== 'string') throw err;
    return 'refused';
  }
}
