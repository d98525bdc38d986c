import { type DrillRecord, type DrillReport, type DrillSourceResult, judgedRpoSeconds, type MissedObjective } from '../../lambdas/catalog/drill-record';
import { shortfallHeadline } from '../../lambdas/drill/drill-shortfall';
import { shownCatalogName } from '../../lambdas/catalog/shown-catalog-name';
import { unseenEscaped, unseenOnlyEscaped } from '../../lambdas/runtime/quoted-service-words';
import { backupLeftOutLines } from '../backup-left-out-lines';
import { notRestoredLines } from '../not-restored-lines';
import { type LocalDeletesEndpoint, recordedLocalDeletesLine } from '../commands/stopped-local-cloud-line';

/**
 * A drill's report for a reader (`lifeboat drill run`, `lifeboat drills show`) and its one-line form
 * (`lifeboat drills list`). Whether an objective was met, and by how much it was missed, comes from
 * the report itself (`rto.met`, `rpo.met`, `missed[]`), never recomputed here: the CLI prints what the
 * drill recorded and what the evidence lists.
 *
 * Every text of the record is printed escaped (review r63R F1): a message can quote a source object's key, chosen by
 * whoever writes the source bucket (LiveSampleMismatchError's JSON.stringify leaves U+202E and U+009B raw), and a
 * damaged item can hold any plan or region. Messages go through unseenOnlyEscaped (their backslashes as written),
 * names, ids and regions through shownCatalogName, paths through unseenEscaped; ordinary text prints unchanged.
 */

/** `42 s`, `3 min 12 s`, `2 h 05 min`, `3 d 4 h`: exact to the second below a minute, then to the unit below. */
export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${String(s % 60).padStart(2, '0')} s` : ''}`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min` : ''}`;
  return `${Math.floor(s / 86_400)} d${Math.floor((s % 86_400) / 3600) ? ` ${Math.floor((s % 86_400) / 3600)} h` : ''}`;
}

function missedOf(report: DrillReport, objective: MissedObjective['objective']): MissedObjective | undefined {
  return report.missed.find((m) => m.objective === objective);
}

/** `12 min 04 s of 60 min: met`, `1 h 05 min of 60 min: MISSED by 5 min`, or why there is no figure. */
export function rtoText(report: DrillReport): string {
  if (!report.rto) return `not measured (the drill ended, or a source failed to restore, before every source was restored and verified); objective ${formatSeconds(report.objectives.rtoMinutes * 60)}`;
  const missed = missedOf(report, 'rto');
  const verdict = report.rto.met ? 'met' : `MISSED by ${formatSeconds(missed?.bySeconds ?? report.rto.seconds - report.rto.objectiveSeconds)}`;
  return `${formatSeconds(report.rto.seconds)} of ${formatSeconds(report.rto.objectiveSeconds)}: ${verdict}`;
}

/**
 * The newest backup's age and the window's largest gap against the RPO objective; the figure that missed is the one the
 * drill recorded in `missed`. A drill of an older backup than the newest (random, or named) shows the drilled one's age
 * too, marked as not judged; a report from before `newestBackupAgeSeconds` shows the drilled backup's age it was judged on.
 */
export function rpoText(report: DrillReport): string {
  if (!report.rpo) return `not measured (no backup was drilled); objective ${formatSeconds(report.objectives.rpoMinutes * 60)}`;
  const { rpo } = report;
  const missed = missedOf(report, 'rpo');
  const verdict = rpo.met ? 'met' : `MISSED by ${formatSeconds(missed?.bySeconds ?? judgedRpoSeconds(rpo) - rpo.objectiveSeconds)}`;
  const newest = rpo.newestBackupAgeSeconds;
  const age =
    newest === undefined || newest === rpo.backupAgeSeconds
      ? `backup age ${formatSeconds(rpo.backupAgeSeconds)}`
      : `newest backup age ${formatSeconds(newest)} (the drilled one's ${formatSeconds(rpo.backupAgeSeconds)}, not judged)`;
  return (
    `${age}, largest gap ${formatSeconds(rpo.largestGapSeconds)} ` +
    `(${rpo.backupsInWindow} backup(s) in the ${report.windowDays}-day window), objective ${formatSeconds(rpo.objectiveSeconds)}: ${verdict}`
  );
}

/** Short forms for the list's columns: `12 min 04 s / 60 min`, with `MISSED` appended when missed, `-` when not measured. */
export function rtoCell(report: DrillReport): string {
  if (!report.rto) return '-';
  return `${formatSeconds(report.rto.seconds)} / ${formatSeconds(report.rto.objectiveSeconds)}${report.rto.met ? '' : ' MISSED'}`;
}

export function rpoCell(report: DrillReport): string {
  if (!report.rpo) return '-';
  const measured = judgedRpoSeconds(report.rpo);
  return `${formatSeconds(measured)} / ${formatSeconds(report.rpo.objectiveSeconds)}${report.rpo.met ? '' : ' MISSED'}`;
}

/**
 * The verdict with its first reason: the missed objectives, or the first error. A pass with entries not restored or left
 * out by the backup says how many instead of "every source restored" (the sources' lines under the table say which).
 */
export function verdictText(report: DrillReport): string {
  if (report.verdict === 'PASSED') {
    const shortfall = shortfallHeadline(report);
    return shortfall === undefined ? 'PASSED: every source restored and verified, objectives met' : `PASSED ${shortfall} (restored and verified otherwise), objectives met`;
  }
  const reasons = [
    ...report.missed.map((m) => `${m.objective.toUpperCase()} missed by ${formatSeconds(m.bySeconds)} (${formatSeconds(m.measuredSeconds)} against ${formatSeconds(m.objectiveSeconds)})`),
    ...report.errors.slice(0, 1).map((e) => `${shownCatalogName(e.error)}: ${unseenOnlyEscaped(e.message)}`),
  ];
  return `${report.verdict}${reasons.length ? `: ${reasons.join('; ')}` : ''}`;
}

/**
 * The LIVE SAMPLES cell: the comparison's figures, then how many live objects were looked up in the backup and why some
 * (or all) were not. Without those, a check that did not run (bucket changed, unrelated prefixes) read as "N/N equal"
 * and its reason was only in the JSON.
 */
function samplesText(sampled: DrillReport['sources'][number]['sampled']): string {
  const live = [...(sampled.checkedLive !== undefined ? [`${sampled.checkedLive} live object(s) looked up in the backup`] : []), ...(sampled.liveNotes ?? []).map(unseenOnlyEscaped)];
  const unreachable = sampled.unreachable !== undefined ? unseenOnlyEscaped(sampled.unreachable) : undefined;
  if (unreachable !== undefined && sampled.compared === 0) return [`none (${unreachable})`, ...live].join('; ');
  const skipped = sampled.skippedChanged ? `, ${sampled.skippedChanged} skipped (changed since the backup)` : '';
  // Unreachable after some were compared (a live listing refused, a region lost mid-way): the figures alone hide it.
  return [`${sampled.matched}/${sampled.compared} equal${skipped}`, ...(unreachable !== undefined ? [unreachable] : []), ...live].join('; ');
}

/**
 * Under the sources' table, per source restored in part: how many entries or attributes its target lacks, their reasons
 * and first paths, and what its backup left out and why. Paths and reasons are escaped: a name is data whoever wrote
 * the source chose.
 */
function shortfallLines(s: DrillSourceResult): string[] {
  const lines: string[] = [];
  const { notRestored, backupLeftOut } = s;
  if (notRestored) lines.push(...notRestoredLines(s.source, notRestored));
  if (backupLeftOut) lines.push(...backupLeftOutLines(s.source, backupLeftOut));
  return lines;
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 2))).join('').trimEnd();
  return [line(head), ...rows.map(line)];
}

/**
 * The whole report, one labelled line per fact, the sources as a table. `localCloud`: the DynamoDB endpoint of the
 * drill's region of the local cloud the command read the record from, when it read one (`lifeboat drills show` without
 * --aws): a drill recorded there ran there, so the deletes its UnreadableNewerBackupError names are against that cloud,
 * at the port of when it ran, and the hint under them names the endpoint it listens on now (review r63D F3), or that
 * the cloud serves no such region (review r63M F2). Judged by
 * where the record was read, never by the error's text, which a record of AWS may hold too (review r62U F5).
 */
export function drillReportLines(report: DrillReport | DrillRecord, localCloud?: LocalDeletesEndpoint): string[] {
  const label = (k: string, v: string) => `${k.padEnd(10)}${v}`;
  const name = shownCatalogName;
  const { backup } = report;
  const lines = [
    label('Drill', `${report.drillId} (plan ${name(report.plan)}, environment ${name(report.environment)})`),
    label('Verdict', verdictText(report)),
    label('Vault', `${report.vault} vault in ${name(report.region)}; execution ${name(report.execution)}`),
    label('Ran', `${name(report.startedAt)} to ${name(report.endedAt)}`),
    label(
      'Backup',
      backup
        ? `${name(backup.backupId)} (started ${name(backup.startedAt)}${backup.strategy ? `, ${name(backup.strategy)}` : ''}); selection ${report.selection}, window ${report.windowDays} days`
        : `none drilled; selection ${report.selection}, window ${report.windowDays} days`,
    ),
    label('RTO', rtoText(report)),
    label('RPO', rpoText(report)),
    // What exceeded the RPO and what to check (drill-verdict.ts): the figures alone do not say whether backups stopped or only had a gap.
    ...report.missed.filter((m) => m.objective === 'rpo' && m.detail !== undefined).map((m) => label('', unseenOnlyEscaped(m.detail ?? ''))),
    label('Totals', `${report.totals.entries} entries${report.totals.items !== undefined ? ` (${report.totals.items} DynamoDB items)` : ''}, ${report.totals.bytes} bytes`),
  ];
  if (report.sources.length > 0) {
    lines.push('Sources');
    const rows = report.sources.map((s) => [
      name(s.source),
      s.type,
      unseenEscaped(s.target),
      // A DynamoDB source's entries are pages of items: the items are what its owner counts.
      s.items !== undefined ? `${s.entries} (${s.items} items)` : String(s.entries),
      String(s.bytes),
      s.error ? `FAILED (${name(s.error.error)})` : `${s.verifiedEntries}/${s.entries}`,
      formatSeconds(s.restoreMs / 1000),
      samplesText(s.sampled),
    ]);
    lines.push(...table(['SOURCE', 'TYPE', 'TARGET', 'ENTRIES', 'BYTES', 'VERIFIED', 'RESTORE', 'LIVE SAMPLES'], rows).map((l) => `  ${l}`));
    const shortfall = report.sources.flatMap(shortfallLines);
    if (shortfall.length > 0) lines.push('Restored in part', ...shortfall);
  }
  if (report.errors.length > 0) {
    lines.push('Errors');
    for (const e of report.errors) {
      const source = e.source !== undefined ? `source ${name(e.source)}` : undefined;
      const where = [...(e.step ? [name(e.step)] : []), ...(source !== undefined ? [source] : [])].join(', ');
      lines.push(`  ${name(e.error)}${where ? ` (${where})` : ''}: ${unseenOnlyEscaped(e.message)}`);
    }
    if (localCloud !== undefined && namesDeletes(report)) lines.push(`  ${recordedLocalDeletesLine(localCloud)}`);
  }
  const { cleanup } = report;
  // The drill's state may have cut the lists (lambdas/drill/cleanup-lines.ts): the counts are the whole ones (review r59A F4).
  const swept = cleanup.sweptCount ?? cleanup.swept.length;
  const sweptMore = swept - cleanup.swept.length;
  lines.push(
    label(
      'Cleanup',
      `removed ${cleanup.removed.length} scratch target(s)${cleanup.removed.length ? ` (${cleanup.removed.map(unseenEscaped).join(', ')})` : ''}; ` +
        `swept ${swept} leftover(s) of earlier drills${cleanup.swept.length ? ` (${cleanup.swept.map(unseenEscaped).join(', ')}${sweptMore > 0 ? `, … and ${sweptMore} more` : ''})` : ''}`,
    ),
  );
  // The state keeps the whole count beside the cut list: say how many failed, not only the ones shown (review r59K F4).
  const errorCount = cleanup.errorCount ?? cleanup.errors.length;
  if (errorCount > cleanup.errors.length) lines.push(`  ${errorCount} cleanup error(s), ${cleanup.errors.length} shown`);
  for (const e of cleanup.errors) lines.push(`  cleanup error: ${unseenOnlyEscaped(e)}`);
  // Not an error: how many lines the drill's state left out, and where they are.
  if (cleanup.leftOut !== undefined) lines.push(`  ${unseenOnlyEscaped(cleanup.leftOut)}`);
  if ('reportKey' in report) lines.push(label('Report', `${report.reportKey} in the ${report.vault} vault, SHA-256 ${report.reportSha256}`));
  return lines;
}

/** The drill was refused by catalog records it cannot read: its error names their deletes (UnreadableNewerBackupError). */
export function namesDeletes(report: DrillReport | DrillRecord): boolean {
  return report.errors.some((e) => e.error === 'UnreadableNewerBackupError');
}

/** `lifeboat drills list`: a header and one line per drill. */
export function drillListLines(records: readonly DrillReport[]): string[] {
  const rows = records.map((r) => [
    r.drillId,
    shownCatalogName(r.plan),
    `${r.vault} (${shownCatalogName(r.region)})`,
    r.backup !== undefined ? shownCatalogName(r.backup.backupId) : '-',
    r.verdict,
    rtoCell(r),
    rpoCell(r),
  ]);
  return table(['DRILL', 'PLAN', 'VAULT', 'BACKUP', 'VERDICT', 'RTO / OBJECTIVE', 'RPO / OBJECTIVE'], rows);
}
