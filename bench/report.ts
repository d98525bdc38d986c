import * as fs from 'node:fs';
import * as path from 'node:path';
import Table from 'cli-table3';
import { type BenchResults, type ReportRow, type StepName, type ToolResult } from './bench-results';
import { renderWorkflowReport } from './workflow-report';

const MiB = 2 ** 20;
export const RSS_LIMIT_MIB = 512;

/**
 * The figures and their targets: issue 3's (time and size as ratios to restic measured in the same
 * run, peak RSS as an absolute bound on Lifeboat) and issue 16's stricter ones (kopia-class: half of
 * restic's time, no larger vault, at most twice restic's peak RSS).
 */
const SCALE_TARGETS = { full: 0.5, incremental: 0.5, restore: 0.5, vault: 1.0, rss: 2.0 } as const;
export function buildRows(results: BenchResults): ReportRow[] {
  const lifeboat = results.tools.find((t) => t.name === 'Lifeboat');
  const restic = results.tools.find((t) => t.name === 'restic');
  const step = (t: ToolResult | undefined, name: StepName): number | undefined => {
    const s = t?.steps[name];
    return s && !s.error ? s.seconds : undefined;
  };
  const vault = (t: ToolResult | undefined): number | undefined =>
    t?.vaultAfterIncremental ? t.vaultAfterIncremental.allocatedBytes / MiB : undefined;
  const ratioRow = (figure: string, l: number | undefined, r: number | undefined, max: number, scaleMax: number): ReportRow => {
    const ratio = l !== undefined && r !== undefined && r > 0 ? l / r : undefined;
    return {
      figure,
      lifeboat: l,
      restic: r,
      ratio,
      target: `≤ ${max.toFixed(2)}×`,
      met: ratio === undefined ? undefined : ratio <= max,
      scaleTarget: `≤ ${scaleMax.toFixed(2)}×`,
      ...(ratio === undefined ? {} : { scaleMet: ratio <= scaleMax }),
    };
  };
  const lRss = peakRssMiB(lifeboat);
  const rRss = peakRssMiB(restic);
  const rssRatio = lRss !== undefined && rRss !== undefined && rRss > 0 ? lRss / rRss : undefined;
  return [
    ratioRow('full backup s', step(lifeboat, 'full'), step(restic, 'full'), 0.8, SCALE_TARGETS.full),
    ratioRow('incremental backup s', step(lifeboat, 'incremental'), step(restic, 'incremental'), 1.0, SCALE_TARGETS.incremental),
    ratioRow('restore s', step(lifeboat, 'restore'), step(restic, 'restore'), 0.8, SCALE_TARGETS.restore),
    ratioRow('vault size MiB', vault(lifeboat), vault(restic), 1.05, SCALE_TARGETS.vault),
    {
      figure: 'peak RSS MiB',
      lifeboat: lRss,
      restic: rRss,
      ratio: rssRatio,
      target: `≤ ${RSS_LIMIT_MIB} MiB`,
      met: lRss === undefined ? undefined : lRss <= RSS_LIMIT_MIB,
      scaleTarget: `≤ ${SCALE_TARGETS.rss.toFixed(2)}× restic`,
      ...(rssRatio === undefined ? {} : { scaleMet: rssRatio <= SCALE_TARGETS.rss }),
    },
  ];
}

/** The highest peak RSS over a tool's timed steps (full, incremental, restore). */
function peakRssMiB(tool: ToolResult | undefined): number | undefined {
  const peaks = (['full', 'incremental', 'restore'] as const)
    .map((name) => tool?.steps[name])
    .filter((s) => s !== undefined && !s.error)
    .map((s) => (s?.peakRssBytes ?? 0) / MiB);
  return peaks.length ? Math.max(...peaks) : undefined;
}

const fmt = (value: number | undefined, digits: number): string => (value === undefined ? '—' : value.toFixed(digits));
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

/**
 * The report printed at the end of a run: the restic table and the facts needed to read it (when
 * that section ran), then the workflow table, then warnings, problems and where the JSON is.
 */
export function renderReport(results: BenchResults, resultsFile: string): string {
  const lines: string[] = [];
  if (results.options.sections.includes('restic')) lines.push(...renderResticReport(results));
  if (results.workflow) lines.push(renderWorkflowReport(results.workflow));
  if (results.warnings.length) lines.push('Warnings:', ...results.warnings.map((w) => `  - ${w}`));
  if (results.problems.length) lines.push('Problems:', ...results.problems.map((p) => `  - ${p}`));
  lines.push(`Results as JSON: ${path.relative(process.cwd(), resultsFile) || resultsFile}`);
  return lines.join('\n');
}

function renderResticReport(results: BenchResults): string[] {
  const table = new Table({
    head: ['figure', 'Lifeboat', 'restic', 'Lifeboat/restic', 'target (issue 3)', 'met', 'target (issue 16)', 'met'],
    colAligns: ['left', 'right', 'right', 'right', 'left', 'left', 'left', 'left'],
    // No colours: the report is as often piped into a file or a closing note as read on a terminal.
    style: { head: [], border: [] },
  });
  for (const row of results.rows) {
    const digits = row.figure.endsWith(' s') ? 2 : 1;
    table.push([
      row.figure,
      fmt(row.lifeboat, digits),
      fmt(row.restic, digits),
      row.ratio === undefined ? '—' : `${row.ratio.toFixed(2)}×`,
      row.target,
      row.met === undefined ? '—' : row.met ? 'met' : 'not met',
      row.scaleTarget ?? '—',
      row.scaleMet === undefined ? '—' : row.scaleMet ? 'met' : 'not met',
    ]);
  }
  const lines: string[] = [];
  const d = results.dataset;
  const c = results.change;
  lines.push(
    `Lifeboat vs restic on ${results.machine.cores} cores (${results.machine.cpu}), Node ${results.machine.node}`,
    d
      ? `Data set: ${mib(d.totalBytes)} in ${d.files} files, seed "${results.options.seed}" (${Object.entries(d.byKind)
          .map(([kind, v]) => `${kind} ${mib(v.bytes)}`)
          .join(', ')})`
      : 'Data set: not generated',
  );
  if (c) {
    lines.push(
      `Change: ${mib(c.changedBytes)} written (${((100 * c.changedBytes) / c.treeBytes).toFixed(2)} %): ` +
        `${c.counts.overwrite} overwritten, ${c.counts.insert} inserted into, ${c.counts.append} appended, ` +
        `${c.counts.new} new, ${c.counts.delete} deleted (${mib(c.deletedBytes)}) files`,
    );
  }
  lines.push(`Order in each phase: ${results.options.order.join(' then ')}`, table.toString());
  for (const tool of results.tools) {
    const parts = (['full', 'incremental', 'restore'] as const).map((name) => {
      const s = tool.steps[name];
      return `${name} ${s && !s.error ? (s.peakRssBytes / MiB).toFixed(0) : '—'}`;
    });
    const check = tool.restoreCheck;
    const verdict = !check
      ? 'not checked'
      : check.equal
        ? `equal to the changed source (${check.files} files, ${mib(check.bytes)})` +
          (check.metadataDifferenceCount ? `; ${check.metadataDifferenceCount} mode/mtime differences` : '')
        : `DIFFERS: ${check.differences.slice(0, 3).join('; ')}`;
    const startup = typeof tool.details.startupSeconds === 'number' ? `; CLI start-up ${tool.details.startupSeconds.toFixed(2)} s` : '';
    const bundle = typeof tool.details.bundleBytes === 'number' ? ` (bundle ${mib(tool.details.bundleBytes)})` : '';
    lines.push(`${tool.name} ${tool.version}: peak RSS MiB ${parts.join(' / ')}${startup}${bundle}; restore ${verdict}`);
  }
  if (results.ceilings) {
    lines.push(
      `Machine ceilings (one core, in-process, MB/s): ${results.ceilings.ceilings
        .map((x) => `${x.name} ${x.mbPerSecond.toFixed(0)}`)
        .join(' · ')}; text-like data compresses to ${(100 * results.ceilings.textCompressionRatio).toFixed(0)} % with zstd -3`,
    );
  }
  return lines;
}

export function writeResultsJson(file: string, results: BenchResults): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
