import * as path from 'node:path';
import { DEFAULT_FUNCTION_SIZING, FUNCTION_SIZING } from '../../lib/lifeboat-defaults';
import { runMeasuredChild } from './measured-child';

/** A billion entries over the shard count docs/SCALE.md's model gives a billion-object bucket. */
export const COMMIT_SCALE = { shards: 93_000, entries: 1_000_000_000 } as const;

/** The commit function's memory size, as deployed: the commit must fit in it. */
export const COMMIT_MEMORY_BYTES = (FUNCTION_SIZING['commit-backup'] ?? DEFAULT_FUNCTION_SIZING).memorySize * 2 ** 20;

export type CommitScaleResult = {
  shards: number;
  entries: number;
  pages: number;
  nodes: number;
  rootBytes: number;
  manifestBytes: number;
  snapshotBytes: number;
  seconds: number;
  rssAtStartBytes: number;
  /** The commit process's peak resident set (VmHWM), Node and tsx included. */
  peakRssBytes: number;
};

/** Commits a synthetic billion-entry snapshot in a child process (commit-scale-child.ts) and reports its figures. */
export async function runCommitScale(options: { shards: number; entries: number; log: (line: string) => void }): Promise<CommitScaleResult> {
  options.log(`commit-scale: committing ${options.entries.toLocaleString('en-US')} synthetic entries from ${options.shards.toLocaleString('en-US')} shard parts`);
  const report = await runMeasuredChild<Omit<CommitScaleResult, 'shards' | 'peakRssBytes'> & { vmHwmBytes?: number }>('commit', path.join(__dirname, 'commit-scale-child.ts'), [], {
    LIFEBOAT_COMMIT_SCALE_SHARDS: String(options.shards),
    LIFEBOAT_COMMIT_SCALE_ENTRIES: String(options.entries),
  });
  const { vmHwmBytes, ...figures } = report;
  // No VmHWM is an error, not a peak of 0: a row against a memory budget must not be met by a figure nobody measured.
  if (vmHwmBytes === undefined) throw new Error('the commit process could not read its peak RSS (VmHWM in /proc/self/status)');
  const result: CommitScaleResult = { ...figures, shards: options.shards, peakRssBytes: vmHwmBytes };
  const MiB = 2 ** 20;
  options.log(
    `commit-scale: ${result.pages.toLocaleString('en-US')} pages under ${result.nodes} nodes, root ${(result.rootBytes / 1024).toFixed(0)} KiB, ` +
      `${result.seconds.toFixed(1)} s, peak RSS ${(result.peakRssBytes / MiB).toFixed(0)} MiB (at start ${(result.rssAtStartBytes / MiB).toFixed(0)})`,
  );
  return result;
}
