import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { walkTree, type WalkProblem } from '../../vault';
import { type FileSample } from './file-mirror-samples';

export type FileWindow = { samples: FileSample[]; cursor: string; skipped: number };

/**
 * The samples of one window as UTF-8 JSON stay under this many bytes: they are one DynamoDB item, whose
 * limit is 400 KB (409,600 bytes, attribute names included). A sample's JSON outweighs its DynamoDB size
 * (the JSON spells every key and quote; DynamoDB counts a map's names, its values' UTF-8 bytes and a
 * few bytes of overhead), and the item's other attributes (keys, environment, source, sampledAt, the
 * cursor: one more path) stay within a few KB, so this leaves ~100 KB to spare. A path is at most
 * 4 KB of UTF-8 (PATH_MAX), so a sample is up to ~4 KB; 100 short ones are ~15 KB.
 */
export const MAX_WINDOW_BYTES = 300_000;

/** EFS keeps mtimes to the nanosecond and replicates them; samples keep milliseconds, which both sides show alike. */
const mtimeMsOf = (mtimeNs: bigint): number => Number(mtimeNs / 1_000_000n);

/**
 * The next window of a file-system source: up to `samples` regular files after `after` (fewer when
 * their JSON would pass `maxBytes`, MAX_WINDOW_BYTES by default), in the walk's
 * (manifest) order, each with its size, mtime and SHA-256, read now. Subtrees wholly before `after`
 * are not listed, so a rotating window costs one pass over its own files, not over the file system.
 * `cursor` is the last path taken, or empty when the walk reached the end (the next window starts over).
 * A file that vanishes or cannot be read while sampled is counted in `skipped`, not failed: the source
 * is a live file system.
 */
export async function sampleFileWindow(root: string, options: { after: string; samples: number; maxBytes?: number }): Promise<FileWindow> {
  const samples: FileSample[] = [];
  const maxBytes = options.maxBytes ?? MAX_WINDOW_BYTES;
  let bytes = 0;
  let skipped = 0;
  const onProblem = (_problem: WalkProblem): void => {
    skipped++;
  };
  for await (const entry of walkTree(root, { onProblem, ...(options.after ? { after: options.after } : {}) })) {
    if (entry.kind !== 'file') continue;
    let sample: FileSample;
    try {
      sample = { path: entry.rel, size: Number(entry.stat.size), mtimeMs: mtimeMsOf(entry.stat.mtimeNs), sha256: await sha256Of(entry.abs) };
    } catch (err) {
      if (!isGone(err)) throw err;
      skipped++;
      continue;
    }
    // The window ends before a sample that would not fit the catalog item; the next window starts with it.
    // UTF-8 bytes, as DynamoDB counts: a CJK path is 3 bytes a character, which `.length` counts as 1.
    bytes += Buffer.byteLength(JSON.stringify(sample)) + 1;
    if (bytes > maxBytes && samples.length > 0) return { samples, cursor: (samples[samples.length - 1] as FileSample).path, skipped };
    samples.push(sample);
    if (samples.length >= options.samples) return { samples, cursor: entry.rel, skipped };
  }
  return { samples, cursor: '', skipped };
}

export async function sha256Of(file: string | Buffer): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR';
}
