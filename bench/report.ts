import * as fs from 'node:fs';
import * as path from 'node:path';
import Table from 'cli-table3';
import { type BenchOrder, type BenchResults, type ReportRow, type StepName, type ToolRepetition, type ToolResult } from './bench-results';
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
  const time = (step: StepName): Figure => ({ step, of: (r) => r.steps[step]?.seconds });
  const vault = (r: ToolRepetition): number | undefined => (r.vaultAfterIncremental ? r.vaultAfterIncremental.allocatedBytes / MiB : undefined);
  const ratioRow = (figure: string, value: Figure, max: number, scaleMax: number): ReportRow => {
    const l = figureOf(lifeboat, value);
    const r = figureOf(restic, value);
    const ratios = l && r ? pairedRatios(l.values, r.values) : [];
    const ratio = median(ratios);
    return {
      figure,
      lifeboat: l ? median(l.values.filter(isNumber)) : undefined,
      restic: r ? median(r.values.filter(isNumber)) : undefined,
      ratio,
      ...(ratios.length > 1 ? { ratioRange: [Math.min(...ratios), Math.max(...ratios)] as const } : {}),
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
    ratioRow('full backup s', time('full'), 0.8, SCALE_TARGETS.full),
    ratioRow('incremental backup s', time('incremental'), 1.0, SCALE_TARGETS.incremental),
    ratioRow('restore s', time('restore'), 0.8, SCALE_TARGETS.restore),
    ratioRow('vault size MiB', { step: 'incremental', of: vault }, 1.05, SCALE_TARGETS.vault),
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

/** A figure of one repetition, and the step it comes from (a failed step leaves the figure unjudged). */
type Figure = { readonly step: StepName; readonly of: (r: ToolRepetition) => number | undefined };

const isNumber = (x: number | undefined): x is number => x !== undefined;

/**
 * A tool's figure in each repetition (undefined where it is missing), or undefined when the step
 * failed in any repetition: a tool that failed once is not judged by the runs that went well.
 */
function figureOf(tool: ToolResult | undefined, figure: Figure): { values: (number | undefined)[] } | undefined {
  if (!tool || tool.repetitions.length === 0) return undefined;
  if (tool.repetitions.some((r) => r.steps[figure.step]?.error !== undefined)) return undefined;
  const values = tool.repetitions.map(figure.of);
  return values.some(isNumber) ? { values } : undefined;
}

/** Lifeboat ÷ restic per repetition, where both have the figure. */
function pairedRatios(lifeboat: readonly (number | undefined)[], restic: readonly (number | undefined)[]): number[] {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(lifeboat.length, restic.length); i++) {
    const l = lifeboat[i];
    const r = restic[i];
    if (l !== undefined && r !== undefined && r > 0) ratios.push(l / r);
  }
  return ratios;
}

/** The median (the mean of the two middle values for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const TIMED_STEPS = ['full', 'incremental', 'restore'] as const;

/** The highest peak RSS of the given steps of a tool in every repetition (failed steps left out), in MiB. */
function peakRssMiB(tool: ToolResult | undefined, steps: readonly StepName[] = TIMED_STEPS): number | undefined {
  const peaks = (tool?.repetitions ?? []).flatMap((r) =>
    steps
      .map((name) => r.steps[name])
      .filter((s) => s !== undefined && !s.error)
      .map((s) => (s?.peakRssBytes ?? 0) / MiB),
  );
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
      row.ratio === undefined ? '—' : `${row.ratio.toFixed(2)}×${row.ratioRange ? ` (${row.ratioRange[0].toFixed(2)}–${row.ratioRange[1].toFixed(2)})` : ''}`,
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
  lines.push(describeRepetitions(results.options.repeat, results.options.order), table.toString());
  for (const tool of results.tools) {
    const parts = TIMED_STEPS.map((name) => `${name} ${fmt(peakRssMiB(tool, [name]), 0)}`);
    const checks = tool.repetitions.map((r) => r.restoreCheck).filter((c) => c !== undefined);
    const differing = checks.find((c) => !c.equal);
    const check = checks[0];
    const every = checks.length > 1 ? ` in all ${checks.length} repetitions` : '';
    const verdict = !check
      ? 'not checked'
      : differing
        ? `DIFFERS: ${differing.differences.slice(0, 3).join('; ')}`
        : `equal to the changed source${every} (${check.files} files, ${mib(check.bytes)})` +
          (check.metadataDifferenceCount ? `; ${check.metadataDifferenceCount} mode/mtime differences` : '');
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

/** The line above the table: how many repetitions, who ran first, and how the figures are combined. */
export function describeRepetitions(repeat: number, order: BenchOrder): string {
  const first =
    order === 'restic-first'
      ? 'restic first in every phase'
      : order === 'alternate' && repeat > 1
        ? 'Lifeboat first in every phase of odd-numbered repetitions, restic first in even ones'
        : 'Lifeboat first in every phase';
  if (repeat === 1) return `One repetition, ${first}`;
  return (
    `${repeat} repetitions, ${first}; each time is the median of the repetitions, ` +
    'each ratio the median of the per-repetition ratios (lowest–highest in brackets), peak RSS the highest'
  );
}

export function writeResultsJson(file: string, results: BenchResults): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
