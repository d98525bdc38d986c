import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type BackupRecord, type BackupStatus } from '../../lambdas/catalog/backup-record';
import { type DrillRecord } from '../../lambdas/catalog/drill-record';
import { startsInFuture } from '../../lambdas/catalog/future-start';
import { newestFirst } from '../../lambdas/catalog/newest-first';
import { recordInstant } from '../../lambdas/catalog/record-instant';
import { shownCatalogName } from '../../lambdas/catalog/shown-catalog-name';
import { lastDrillsByVault } from '../status/drill-status';
import { drillLines } from '../status/status-screen';

/**
 * What `lifeboat report --html` draws, computed from the catalogs (no I/O, unit-tested): per plan,
 * five series over time, each a list of points in time order. The renderer embeds this object as
 * JSON and the page draws one chart per series set, so a chart has exactly the points listed here.
 *
 * - bytes: per committed backup, its logical bytes and the plan's stored bytes so far (Σ bytesStored
 *   of the committed backups up to it);
 * - dedup: the plan's logical ÷ stored bytes so far (as `lifeboat status` computes it for the vault);
 * - durations: every backup that ended (committed or failed), start to end, in seconds;
 * - rpo: per committed backup, how long the plan had been without a newer committed backup when it
 *   started (the gap since the previous one; none for the first) against the RPO objective, and at
 *   the report's time the age of the newest: the points where the gap exceeds the objective are the
 *   times the RPO was missed;
 * - drills: per drill that measured an RTO, the RTO against the objective.
 *
 * Besides the series, `lastDrills`: the newest drill of each vault, one line each as `lifeboat status`
 * judges them (the DR vault's drill and the primary's each prove their own region, so both are listed).
 *
 * A backup record that starts further ahead of `now` than clock skew explains (lambdas/catalog/future-start.ts)
 * is in no series, as `lifeboat status` and the backup-age watchdog pass it over (review R6-2): drawn, it would be
 * the newest backup, so the RPO point at `now` would read met for a plan whose backups stopped, with a gap plotted
 * at its made-up date. It is listed in `inFuture`, and environment-report.ts lists it among the report's problems.
 * So is one whose startedAt is no time (recordInstant: NaN), in `untimed`: until review r64Z F1 the records were sorted
 * by their start's text, so 'hand-edited' came last, was taken for the newest, and its NaN age read the RPO as met. The
 * others are in time order by the instant their start stands for (a zoneless start read as UTC), not by its text.
 */

/** Unix seconds (what uPlot's time axis takes). */
export type Time = number;

export type PlanReport = {
  plan: string;
  rpoSeconds: number;
  rtoSeconds: number;
  bytes: { t: Time[]; logical: number[]; stored: number[] };
  dedup: { t: Time[]; ratio: number[] };
  durations: { t: Time[]; seconds: number[]; status: ('COMMITTED' | 'FAILED')[] };
  rpo: { t: Time[]; gapSeconds: number[]; objectiveSeconds: number[]; met: boolean[] };
  drills: { t: Time[]; rtoSeconds: number[]; objectiveSeconds: number[]; verdict: string[] };
  /** The newest drill of each vault drilled, primary first, in the words of cli/status/status-screen.ts; empty when none. */
  lastDrills: string[];
  /** Records of any status left out of every series because they start in the future, in time order. Absent when none. */
  inFuture?: { backupId: string; status: BackupStatus; startedAt: string }[];
  /** Records of any status left out of every series because their startedAt is no time, in catalog order. Absent when none. */
  untimed?: { backupId: string; status: BackupStatus; startedAt: string }[];
  /** Ended backups left out of `durations` because their endedAt is no time. Absent when none. */
  untimedEnds?: { backupId: string; endedAt: string }[];
  /** Drills with an RTO left out of `drills` because their startedAt is no time. Absent when none. */
  untimedDrills?: { drillId: string; startedAt: string }[];
};

export type ReportData = {
  environment: string;
  generatedAt: string;
  plans: PlanReport[];
  /**
   * What has no history to chart, as `lifeboat status` shows it at the report's time: each mirror's
   * last check and each vault's last prune, one line each (cli/status/status-screen.ts). Absent when
   * the report was made without them.
   */
  latest?: LatestState;
  /** What could not be read (a catalog of one region), and the backup records left out as dated in the future or undated, in words. */
  problems: string[];
};

export type LatestState = { mirrors: string[]; prunes: string[] };

const unix = (iso: string): Time => Math.floor(recordInstant(iso) / 1000);

export type PlanReportInput = {
  plan: Pick<ProtectionPlanConfig, 'name' | 'objectives'>;
  /** The plan's backups, any order. */
  backups: readonly BackupRecord[];
  /** The plan's drills from both regions, any order. */
  drills: readonly DrillRecord[];
  now: Date;
};

export function planReport({ plan, backups, drills, now }: PlanReportInput): PlanReport {
  const rpoSeconds = plan.objectives.rpoMinutes * 60;
  const rtoSeconds = plan.objectives.rtoMinutes * 60;
  const untimed = backups.filter((b) => Number.isNaN(recordInstant(b.startedAt)));
  const inFuture = newestFirst(backups.filter((b) => startsInFuture(b.startedAt, now))).reverse();
  const unjudged = new Set([...untimed, ...inFuture]);
  const byStart = newestFirst(backups.filter((b) => !unjudged.has(b))).reverse();
  const committed = byStart.filter((b) => b.status === 'COMMITTED');
  const report: PlanReport = {
    plan: plan.name,
    rpoSeconds,
    rtoSeconds,
    bytes: { t: [], logical: [], stored: [] },
    dedup: { t: [], ratio: [] },
    durations: { t: [], seconds: [], status: [] },
    rpo: { t: [], gapSeconds: [], objectiveSeconds: [], met: [] },
    drills: { t: [], rtoSeconds: [], objectiveSeconds: [], verdict: [] },
    lastDrills: drillLines(lastDrillsByVault(drills, now)),
    ...(inFuture.length > 0 ? { inFuture: inFuture.map((b) => ({ backupId: b.backupId, status: b.status, startedAt: b.startedAt })) } : {}),
    ...(untimed.length > 0 ? { untimed: untimed.map((b) => ({ backupId: b.backupId, status: b.status, startedAt: b.startedAt })) } : {}),
  };
  let logicalSoFar = 0;
  let storedSoFar = 0;
  let previous: BackupRecord | undefined;
  for (const b of committed) {
    const t = unix(b.startedAt);
    logicalSoFar += b.totals?.bytes ?? 0;
    storedSoFar += b.totals?.bytesStored ?? 0;
    report.bytes.t.push(t);
    report.bytes.logical.push(b.totals?.bytes ?? 0);
    report.bytes.stored.push(storedSoFar);
    if (storedSoFar > 0) {
      report.dedup.t.push(t);
      report.dedup.ratio.push(logicalSoFar / storedSoFar);
    }
    if (previous) pushGap(report, t, t - unix(previous.startedAt), rpoSeconds);
    previous = b;
  }
  if (previous) pushGap(report, Math.floor(now.getTime() / 1000), Math.max(0, Math.floor(now.getTime() / 1000) - unix(previous.startedAt)), rpoSeconds);
  // An end that is no time has no duration: drawn, it was a NaN point (f65E), so it is left out and said.
  const untimedEnds: NonNullable<PlanReport['untimedEnds']> = [];
  for (const b of byStart) {
    if (b.status === 'RUNNING' || !b.endedAt) continue;
    const ended = recordInstant(b.endedAt);
    if (Number.isNaN(ended)) {
      untimedEnds.push({ backupId: b.backupId, endedAt: b.endedAt });
      continue;
    }
    report.durations.t.push(unix(b.startedAt));
    report.durations.seconds.push(Math.max(0, (ended - recordInstant(b.startedAt)) / 1000));
    report.durations.status.push(b.status);
  }
  if (untimedEnds.length > 0) report.untimedEnds = untimedEnds;
  // Drills in order of the instant their start stands for, not its text (a zoneless or differently written start
  // sorted out of place, f65E); one whose start is no time cannot be placed on the time axis and is said instead.
  const untimedDrills = drills.filter((d) => d.rto && Number.isNaN(recordInstant(d.startedAt)));
  if (untimedDrills.length > 0) report.untimedDrills = untimedDrills.map((d) => ({ drillId: d.drillId, startedAt: d.startedAt }));
  for (const d of newestFirst(drills.filter((x) => !untimedDrills.includes(x)), (x) => x.drillId).reverse()) {
    if (!d.rto) continue;
    report.drills.t.push(unix(d.startedAt));
    report.drills.rtoSeconds.push(d.rto.seconds);
    report.drills.objectiveSeconds.push(d.rto.objectiveSeconds);
    report.drills.verdict.push(d.verdict);
  }
  return report;
}

/**
 * The report's problem line for each record `planReport` left out as dated in the future, in the words of `lifeboat status`.
 * `commandOptions`: the report's target options, with a leading space, which its `lifeboat backups list` line carries.
 * The record's id and start are shown escaped (shownCatalogName), as status shows them: raw, a newline in a forged record
 * printed a line of its own on stderr and the page, and an ESC coloured the terminal (f62AC).
 */
export function inFutureProblems(report: PlanReport, commandOptions = ''): string[] {
  return (report.inFuture ?? []).map(
    (b) =>
      `${report.plan}: backup ${shownCatalogName(b.backupId)} (${b.status}) starts in the future (${shownCatalogName(b.startedAt)}): the clock that wrote it or the catalog is wrong; ` +
      `not drawn, the plan's charts and RPO are of the backups before now; see \`lifeboat backups list --plan ${report.plan}${commandOptions}\``,
  );
}

/**
 * The report's problem line for each record `planReport` left out because its startedAt is no time, in the words of
 * `lifeboat status`; shown escaped as inFutureProblems shows its records.
 */
export function untimedProblems(report: PlanReport, commandOptions = ''): string[] {
  return (report.untimed ?? []).map(
    (b) =>
      `${report.plan}: backup ${shownCatalogName(b.backupId)} (${b.status}) has a startedAt that is not a time (${shownCatalogName(b.startedAt)}): the record was written by hand or damaged; ` +
      `not drawn, the plan's charts and RPO are of the other backups; fix the record's startedAt (see \`lifeboat backups list --plan ${report.plan}${commandOptions}\`)`,
  ).concat(
    (report.untimedEnds ?? []).map(
      (b) => `${report.plan}: backup ${shownCatalogName(b.backupId)} has an endedAt that is not a time (${shownCatalogName(b.endedAt)}): its duration is unknown and not drawn; fix the record's endedAt`,
    ),
    (report.untimedDrills ?? []).map(
      (d) => `${report.plan}: drill ${shownCatalogName(d.drillId)} has a startedAt that is not a time (${shownCatalogName(d.startedAt)}): its RTO is not drawn; fix the drill report's startedAt`,
    ),
  );
}

function pushGap(report: PlanReport, t: Time, gapSeconds: number, rpoSeconds: number): void {
  report.rpo.t.push(t);
  report.rpo.gapSeconds.push(gapSeconds);
  report.rpo.objectiveSeconds.push(rpoSeconds);
  report.rpo.met.push(gapSeconds <= rpoSeconds);
}
