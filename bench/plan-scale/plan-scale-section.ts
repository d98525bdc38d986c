import * as path from 'node:path';
import { startSyntheticListing } from './synthetic-listing';
import { runMeasuredChild } from './measured-child';

/** Issue 16 item 6: planning 10 million keys stays within 256 MiB of RSS. */
export const PLAN_SCALE_RSS_TARGET_BYTES = 256 * 2 ** 20;

/** V8 old-space limit of the planner process (MiB): far below what 10 million keys in an array would take (about 1 GiB). */
export const PLANNER_HEAP_MIB = 96;

export type PlanScaleResult = {
  keys: number;
  shards: number;
  invocations: number;
  seconds: number;
  keysPerSecond: number;
  manifests: number;
  manifestBytes: number;
  listRequests: number;
  /** The planner process's peak resident set (VmHWM), Node and tsx included; the sampled peak of process.memoryUsage.rss() beside it. */
  peakRssBytes: number;
  peakRssSampledBytes: number;
  rssAtStartBytes: number;
};

type ChildReport = Omit<PlanScaleResult, 'keys' | 'keysPerSecond' | 'listRequests' | 'peakRssBytes'> & { vmHwmBytes?: number };

/**
 * The plan-scale section: a synthetic ListObjectsV2 endpoint of `keys` keys on 127.0.0.1 (this
 * process), and the product's planner against it in a child process (plan-scale-child.ts, run by
 * tsx), whose own peak RSS is the figure.
 */
export async function runPlanScaleSection(options: { keys: number; log: (line: string) => void }): Promise<PlanScaleResult> {
  const server = await startSyntheticListing(options.keys);
  try {
    options.log(`plan-scale: planning ${options.keys.toLocaleString('en-US')} synthetic keys from ${server.endpoint}`);
    // V8's old space capped as a Lambda's memory size caps it: a planner that held its listing would die here.
    const report = await runMeasuredChild<ChildReport>('planner', path.join(__dirname, 'plan-scale-child.ts'), [`--max-old-space-size=${PLANNER_HEAP_MIB}`], { LIFEBOAT_PLAN_SCALE_ENDPOINT: server.endpoint });
    const result: PlanScaleResult = {
      keys: options.keys,
      shards: report.shards,
      invocations: report.invocations,
      seconds: report.seconds,
      keysPerSecond: options.keys / report.seconds,
      manifests: report.manifests,
      manifestBytes: report.manifestBytes,
      listRequests: server.requests(),
      peakRssBytes: report.vmHwmBytes ?? report.peakRssSampledBytes,
      peakRssSampledBytes: report.peakRssSampledBytes,
      rssAtStartBytes: report.rssAtStartBytes,
    };
    const MiB = 2 ** 20;
    options.log(
      `plan-scale: ${result.shards} shards in ${result.invocations} invocation(s), ${result.seconds.toFixed(1)} s, ${Math.round(result.keysPerSecond).toLocaleString('en-US')} keys/s, ` +
        `peak RSS ${(result.peakRssBytes / MiB).toFixed(0)} MiB (sampled ${(result.peakRssSampledBytes / MiB).toFixed(0)}, at start ${(result.rssAtStartBytes / MiB).toFixed(0)}), ` +
        `${result.manifests} manifest(s) of ${(result.manifestBytes / 1024).toFixed(0)} KiB, ${result.listRequests} LIST requests`,
    );
    return result;
  } finally {
    await server.close();
  }
}

/** Runs the section alone: `tsx bench/plan-scale/plan-scale-section.ts [keys]`. */
if (require.main === module) {
  const keys = Number(process.argv[2] ?? 10_000_000);
  runPlanScaleSection({ keys, log: (line) => process.stderr.write(`${line}\n`) })
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    });
}
