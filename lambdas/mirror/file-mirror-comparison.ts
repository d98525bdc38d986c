import { lstat } from 'node:fs/promises';
import { resolveInsideTarget, UnsafeEntryPathError } from '../../vault';
import { sha256Of } from './file-mirror-sampler';
import { type FileSamplesRecord } from './file-mirror-samples';
import { type MirrorDifference } from './mirror-record';

export type FileMirrorComparison = {
  compared: number;
  differences: number;
  /** Samples the replica cannot be judged on yet: taken after EFS's last sync, or changed at the source and replicated since. */
  inFlight: number;
  /** The first few differences, in sample order. */
  examples: MirrorDifference[];
};

const EXAMPLES = 5;

/**
 * Compares the primary region's latest samples of a file-system source (file-mirror-samples.ts) with
 * the replica mounted in this region, under `replicaRoot` (the source's directory as the replica's
 * mount shows it). EFS replication is asynchronous; its last completed sync (`lastSyncMs`,
 * LastReplicatedTimestamp) means every change made before it is in the replica. So:
 *
 * - samples taken after the last sync are not judged yet (in flight);
 * - a replica file newer than its sample (a later mtime) was changed at the source after sampling and
 *   replicated: not judged either (in flight);
 * - otherwise the replica file must be a regular file with the sample's mtime, size and SHA-256; a
 *   missing file, another kind, an older mtime, another size or other content is a difference.
 *
 * Not told apart: a file deleted at the source between sampling and the last sync looks missing from
 * the mirror (docs/ARCHITECTURE.md, "Mirrors"); the next window samples it no more.
 */
export async function compareFileMirror(record: FileSamplesRecord, replicaRoot: string, lastSyncMs: number | null): Promise<FileMirrorComparison> {
  const result: FileMirrorComparison = { compared: 0, differences: 0, inFlight: 0, examples: [] };
  const differ = (key: string, reason: string): void => {
    result.differences++;
    if (result.examples.length < EXAMPLES) result.examples.push({ key, reason });
  };
  if (lastSyncMs === null || Date.parse(record.sampledAt) > lastSyncMs) {
    result.inFlight = record.samples.length;
    return result;
  }
  for (const sample of record.samples) {
    let replica: string | Buffer;
    try {
      replica = resolveInsideTarget(replicaRoot, sample.path);
    } catch (err) {
      if (!(err instanceof UnsafeEntryPathError)) throw err;
      differ(sample.path, `not a path under the source's directory (${err.message})`);
      continue;
    }
    const stat = await lstat(replica, { bigint: true }).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw err;
    });
    const mtimeMs = stat === null ? 0 : Number(stat.mtimeNs / 1_000_000n);
    if (stat !== null && stat.isFile() && mtimeMs > sample.mtimeMs) {
      result.inFlight++;
      continue;
    }
    result.compared++;
    if (stat === null) differ(sample.path, 'missing from the mirror');
    else if (!stat.isFile()) differ(sample.path, 'not a regular file in the mirror');
    else if (mtimeMs < sample.mtimeMs) differ(sample.path, `older in the mirror (mtime ${new Date(mtimeMs).toISOString()}, source ${new Date(sample.mtimeMs).toISOString()})`);
    else if (Number(stat.size) !== sample.size) differ(sample.path, `size ${stat.size} in the mirror, ${sample.size} at the source`);
    else if ((await sha256Of(replica)) !== sample.sha256) differ(sample.path, 'content differs (SHA-256) with the same size and mtime');
  }
  return result;
}
