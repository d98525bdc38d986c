import { type BigIntStats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { resolveInsideTarget, UnsafeEntryPathError } from '../../vault';
import { copyDifference } from './copy-difference';
import { mtimeMsOf, sha256Of } from './file-mirror-sampler';
import { type FileSample } from './file-sample';
import { type AwaitingSyncWindow } from './file-samples-awaiting-sync';
import { type FileSamplesRecord } from './file-mirror-samples';
import { type MirrorDifference } from './mirror-record';

export type FileMirrorComparison = {
  compared: number;
  differences: number;
  /** Samples the replica cannot be judged on: `awaitingSync`, and those changed at the source and replicated since. */
  inFlight: number;
  /** Samples read after EFS's last sync: the replica may not hold what they show yet; a later run judges them (mirror-check.ts). */
  awaitingSync: FileSample[];
  /** The first few differences, in sample order. */
  examples: MirrorDifference[];
  /** Samples compared whose file the replica lacks: not differences yet, as the source may have deleted it since (unconfirmed-missing.ts). */
  missing: FileSample[];
};

const EXAMPLES = 5;

/** The longest a sampling can read for: its function's timeout can be at most Lambda's 15 minutes. */
const LONGEST_SAMPLING_MS = 15 * 60_000;

/**
 * Compares the primary region's latest samples of a file-system source (file-mirror-samples.ts) with
 * the replica mounted in this region, under `replicaRoot` (the source's directory as the replica's
 * mount shows it). EFS replication is asynchronous; its last completed sync (`lastSyncMs`,
 * LastReplicatedTimestamp) means every change made before it is in the replica. So:
 *
 * - samples read after the last sync are not judged yet: they await a later sync (`awaitingSync`), and the
 *   check keeps them to judge on a later run rather than lose them with the window (audit a57A-1). A sample
 *   may show its file as late as the sampler's `readUntil`, not only as of `sampledAt`: a file rewritten
 *   during the sampling and read after a sync that came between would otherwise look older in the replica
 *   (audit a57A-3). Samples of a sampler that did not record `readUntil` await a sync past their own mtime
 *   when it falls within a sampling's longest run (a Lambda's 15 minutes) of `sampledAt`: a later mtime was
 *   not written during the sampling (a clock or `touch` ahead) and would keep its sample waiting for ever;
 * - a replica file newer than its sample (a later mtime) was changed at the source after sampling and
 *   replicated: not judged, and not kept either (in flight): the sample no longer shows the source;
 * - otherwise the replica file must be a regular file with the sample's mtime, size and SHA-256; a
 *   file of another kind, an older mtime, another size or other content is a difference;
 * - a missing file is `missing`, not a difference yet: the source may have deleted or renamed it between sampling and
 *   the sync, which the replica then rightly shows. The check holds it until the primary region's sampler says whether
 *   the source still has it (unconfirmed-missing.ts; review r57L-2).
 */
export async function compareFileMirror(
  record: Pick<FileSamplesRecord, 'sampledAt' | 'readUntil' | 'samples'>,
  replicaRoot: string,
  lastSyncMs: number | null,
): Promise<FileMirrorComparison> {
  const result: FileMirrorComparison = { compared: 0, differences: 0, inFlight: 0, examples: [], awaitingSync: [], missing: [] };
  const differ = (key: string, reason: string): void => {
    result.differences++;
    if (result.examples.length < EXAMPLES) result.examples.push({ key, reason });
  };
  const sampledAt = Date.parse(record.sampledAt);
  const readUntil = record.readUntil === undefined ? undefined : Date.parse(record.readUntil);
  // Without the sampler's readUntil, a file's own mtime within the sampling's run says how late it may have been read.
  const readBy = (sample: FileSample): number => readUntil ?? (sample.mtimeMs <= sampledAt + LONGEST_SAMPLING_MS ? Math.max(sampledAt, sample.mtimeMs) : sampledAt);
  for (const sample of record.samples) {
    if (lastSyncMs === null || readBy(sample) > lastSyncMs) {
      result.inFlight++;
      result.awaitingSync.push(sample);
      continue;
    }
    const at = await replicaStat(replicaRoot, sample.path);
    if ('unsafe' in at) {
      differ(sample.path, `not a path under the source's directory (${at.unsafe.message})`);
      continue;
    }
    const { replica, stat } = at;
    const copy = stat === null ? { size: 0, mtimeMs: 0 } : { size: Number(stat.size), mtimeMs: mtimeMsOf(stat.mtimeNs) };
    if (stat !== null && stat.isFile() && copy.mtimeMs > sample.mtimeMs) {
      result.inFlight++;
      continue;
    }
    result.compared++;
    if (stat === null) result.missing.push(sample);
    else if (!stat.isFile()) differ(sample.path, 'not a regular file in the mirror');
    else if (copy.mtimeMs < sample.mtimeMs || copy.size !== sample.size) differ(sample.path, copyDifference(sample, copy));
    else if ((await sha256Of(replica)) !== sample.sha256) differ(sample.path, 'content differs (SHA-256) with the same size and mtime');
  }
  return result;
}

/**
 * The comparison of several samplings' windows, and those of their samples that still await a sync, by window; the
 * missing files each with `heldAt`, a time the source held it as sampled (its window's readUntil, else sampledAt).
 */
export type FileWindowsComparison = Omit<FileMirrorComparison, 'awaitingSync' | 'missing'> & { awaitingSync: AwaitingSyncWindow[]; missing: Array<FileSample & { heldAt: string }> };

/**
 * compareFileMirror over `windows` in order (the samples an earlier run kept, oldest first, then the latest sampling),
 * the totals added and the examples the first few across them.
 */
export async function compareFileWindows(windows: readonly AwaitingSyncWindow[], replicaRoot: string, lastSyncMs: number | null): Promise<FileWindowsComparison> {
  const total: FileWindowsComparison = { compared: 0, differences: 0, inFlight: 0, examples: [], awaitingSync: [], missing: [] };
  for (const window of windows) {
    const one = await compareFileMirror(window, replicaRoot, lastSyncMs);
    total.compared += one.compared;
    total.differences += one.differences;
    total.inFlight += one.inFlight;
    total.examples.push(...one.examples.slice(0, EXAMPLES - total.examples.length));
    if (one.awaitingSync.length > 0) total.awaitingSync.push({ ...window, samples: one.awaitingSync });
    total.missing.push(...one.missing.map((sample) => ({ ...sample, heldAt: window.readUntil ?? window.sampledAt })));
  }
  return total;
}

/**
 * The replica's regular file at `path` under `replicaRoot` (its size and mtime, in milliseconds as samples keep them),
 * or none (absent, another kind, or a path outside it): a held unconfirmed path that arrived is compared with what
 * the source was last known to hold (judgeUnconfirmed; review r57R-4).
 */
export async function replicaFileAt(replicaRoot: string, path: string): Promise<Pick<FileSample, 'size' | 'mtimeMs'> | undefined> {
  const at = await replicaStat(replicaRoot, path);
  return 'stat' in at && at.stat !== null && at.stat.isFile() ? { size: Number(at.stat.size), mtimeMs: mtimeMsOf(at.stat.mtimeNs) } : undefined;
}

/**
 * `path` resolved under `replicaRoot` and lstat'ed (bigint: an inode may pass 2^53), `stat` null when nothing is there
 * (ENOENT, ENOTDIR); `unsafe` when the path would lead outside it. Other errors are thrown.
 */
async function replicaStat(replicaRoot: string, path: string): Promise<{ unsafe: UnsafeEntryPathError } | { replica: string | Buffer; stat: BigIntStats | null }> {
  let replica: string | Buffer;
  try {
    replica = resolveInsideTarget(replicaRoot, path);
  } catch (err) {
    if (err instanceof UnsafeEntryPathError) return { unsafe: err };
    throw err;
  }
  const stat = await lstat(replica, { bigint: true }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw err;
  });
  return { replica, stat };
}
