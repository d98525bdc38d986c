import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PRUNE_PEAK_BYTES_PER_BLOB } from '../../vault';
import { runMeasuredChild } from './measured-child';

/** Blobs of the synthetic vault the section prunes: a vault of about 2 TiB in 1 MiB chunks. */
export const PRUNE_SCALE_BLOBS = 2_000_000;

export type PruneScaleResult = {
  blobs: number;
  packs: number;
  referencedBlobs: number;
  buildSeconds: number;
  seconds: number;
  packsCondemned: number;
  rssAtStartBytes: number;
  /** The prune process's peak resident set (VmHWM), Node and tsx included. */
  peakRssBytes: number;
  /** (peak − RSS before the prune) ÷ blobs: what the vault-size check of a prune (PRUNE_PEAK_BYTES_PER_BLOB) counts a blob at. */
  bytesPerBlob: number;
};

type BuildReport = { blobs: number; packs: number; referencedBlobs: number; pages: number };
type PruneReport = { seconds: number; packsCondemned: number; rssAtStartBytes: number; vmHwmBytes?: number };

/**
 * Prunes a synthetic vault of `blobs` blobs (prune-scale-child.ts builds it on disk in one process
 * and prunes it in another, whose peak RSS is the figure) and removes it.
 */
export async function runPruneScale(options: { blobs: number; log: (line: string) => void }): Promise<PruneScaleResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-prune-scale-'));
  const child = path.join(__dirname, 'prune-scale-child.ts');
  try {
    options.log(`prune-scale: writing a vault of ${options.blobs.toLocaleString('en-US')} synthetic blobs to ${dir}`);
    const buildStarted = performance.now();
    const built = await runMeasuredChild<BuildReport>('prune-scale build', child, [], {}, ['build', path.join(dir, 'vault'), String(options.blobs)]);
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    const report = await runMeasuredChild<PruneReport>('prune', child, [], {}, ['prune', path.join(dir, 'vault')]);
    // Without /proc there is no peak to divide: the row shows none rather than a figure below any check.
    if (report.vmHwmBytes === undefined) throw new Error('the prune process could not read its peak RSS (VmHWM in /proc/self/status)');
    const peakRssBytes = report.vmHwmBytes;
    const result: PruneScaleResult = {
      blobs: built.blobs,
      packs: built.packs,
      referencedBlobs: built.referencedBlobs,
      buildSeconds,
      seconds: report.seconds,
      packsCondemned: report.packsCondemned,
      rssAtStartBytes: report.rssAtStartBytes,
      peakRssBytes,
      bytesPerBlob: (peakRssBytes - report.rssAtStartBytes) / built.blobs,
    };
    const MiB = 2 ** 20;
    options.log(
      `prune-scale: ${result.seconds.toFixed(1)} s, peak RSS ${(peakRssBytes / MiB).toFixed(0)} MiB (at start ${(result.rssAtStartBytes / MiB).toFixed(0)}), ` +
        `${result.bytesPerBlob.toFixed(0)} bytes a blob (the size check counts ${PRUNE_PEAK_BYTES_PER_BLOB})`,
    );
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
