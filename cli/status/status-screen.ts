import Table from 'cli-table3';
import { formatSeconds } from '../drills/drill-report-text';
import { humanBytes } from '../human-bytes';
import { type EnvironmentStatus, isUnreadable, type UnreadablePlan } from './environment-status';
import { type NextRun } from './next-run';
import { type DrillObjectiveStatus, type PlanStatus } from './plan-status';

/**
 * The text screen of `lifeboat status`: a title, one row per plan, then why each ✗ is one and what
 * could not be read. Columns are fixed so the table fits 100 columns whatever the names; a cell wraps
 * rather than widening the table.
 */

export const MARK = { ok: '✓', missed: '✗' } as const;
const mark = (ok: boolean) => (ok ? MARK.ok : MARK.missed);

const COLUMNS: readonly { head: string; width: number }[] = [
  { head: 'PLAN', width: 10 },
  { head: 'BACKUP AGE/RPO', width: 18 },
  { head: 'NEXT RUN', width: 15 },
  { head: 'LAST DRILL', width: 21 },
  { head: 'DR COPY', width: 12 },
  { head: 'VAULT', width: 11 },
  { head: 'SCRUB, PRUNE', width: 13 },
];

/** No vertical rules (they cost a column each); a rule under the header and between plans. */
const CHARS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '─', 'mid-mid': '─', right: '', 'right-mid': '', middle: '',
};

/** `12-01 06:00Z`: a time within the year, to the minute, in UTC. */
const shortTime = (iso: string) => `${iso.slice(5, 10)} ${iso.slice(11, 16)}Z`;

function backupCell(row: PlanStatus): string {
  const b = row.lastBackup;
  const rpo = formatSeconds(b.rpoSeconds);
  const age = b.lastCommitted ? `${mark(b.withinRpo)} ${formatSeconds(b.lastCommitted.ageSeconds)} / ${rpo}` : `${MARK.missed} none / ${rpo}`;
  const newest = b.newest && b.newest.backupId !== b.lastCommitted?.backupId ? `newer ${b.newest.status}` : b.lastCommitted ? 'COMMITTED' : 'no backup yet';
  return `${age}\n${newest}`;
}

function nextRunCell(next: NextRun, now: Date): string {
  switch (next.state) {
    case 'scheduled': {
      const inSeconds = (Date.parse(next.at) - now.getTime()) / 1000;
      return `${inSeconds <= 0 ? 'due now' : `in ${formatSeconds(inSeconds)}`}\n${shortTime(next.at)}`;
    }
    case 'disabled':
      return 'DISABLED';
    case 'not-firing':
      return 'not firing\n(no local scheduler)';
    case 'never-again':
      return 'none: at() passed';
    case 'unknown':
      return 'unknown (below)';
  }
}

const objectiveLine = (name: string, o: DrillObjectiveStatus | undefined) => (o ? `${name} ${mark(o.met)} ${formatSeconds(o.seconds)}/${formatSeconds(o.objectiveSeconds)}` : `${name} -`);

function drillCell(row: PlanStatus): string {
  const d = row.lastDrill;
  if (!d) return 'none yet';
  return [`${mark(d.verdict === 'PASSED')} ${d.verdict}`, objectiveLine('RTO', d.rto), objectiveLine('RPO', d.rpo), `${formatSeconds(d.ageSeconds)} ago, ${d.vault}`].join('\n');
}

function drCopyCell(row: PlanStatus): string {
  const c = row.drCopy;
  switch (c.state) {
    case 'up-to-date':
      return 'up to date';
    case 'behind':
      return `lag ${formatSeconds(c.lagSeconds)}\nnewest ${c.newestCopy}`;
    case 'none-copied':
      return `no DR copy\nnewest ${c.newestCopy}`;
    case 'no-backup':
      return '-';
  }
}

function vaultCell(row: PlanStatus): string {
  const v = row.vault;
  if (v.committedBackups === 0) return 'empty';
  return `${humanBytes(v.storedBytes)}\n${v.dedupRatio === undefined ? 'dedup -' : `dedup ${v.dedupRatio.toFixed(1)}×`}`;
}

function scrubCell(row: PlanStatus): string {
  const s = row.scrub;
  const scrub = s.state === 'never' ? 'no scrub yet' : `${s.outcome} ${formatSeconds(s.ageSeconds)} ago${s.affectedBackupsOfPlan.length ? `\n${s.affectedBackupsOfPlan.length} backup(s) hit` : ''}`;
  return `${scrub}\nno prune yet`;
}

/** Why a plan is ✗, in words an on-call engineer acts on. */
export function reasonsNotWithin(row: PlanStatus): string[] {
  const reasons: string[] = [];
  const b = row.lastBackup;
  if (!b.lastCommitted) reasons.push(`no committed backup${b.newest ? ` (the newest run ${b.newest.backupId} is ${b.newest.status})` : ''}: run \`lifeboat backup --plan ${row.plan}\``);
  else if (!b.withinRpo) {
    reasons.push(
      `last committed backup ${b.lastCommitted.backupId} started ${formatSeconds(b.lastCommitted.ageSeconds)} ago, older than the RPO of ${formatSeconds(b.rpoSeconds)}` +
        `${b.newest && b.newest.status === 'FAILED' ? ` (the newest run ${b.newest.backupId} FAILED)` : ''}: run \`lifeboat backup --plan ${row.plan}\` and see why the schedule did not`,
    );
  }
  const d = row.lastDrill;
  if (d && d.verdict !== 'PASSED') reasons.push(`last drill ${d.drillId} ${d.verdict}${d.error ? `: ${d.error}` : ''}: see \`lifeboat drills show ${d.drillId}\``);
  return reasons;
}

export function statusScreen(status: EnvironmentStatus): string[] {
  const now = new Date(status.generatedAt);
  const where = status.target === 'aws' ? 'AWS' : 'local cloud';
  const lines = [`Environment ${status.environment} (${where}): primary ${status.primaryRegion}, DR ${status.drRegion}, at ${status.generatedAt.slice(0, 16).replace('T', ' ')} UTC`];
  const table = new Table({
    head: COLUMNS.map((c) => c.head),
    colWidths: COLUMNS.map((c) => c.width),
    wordWrap: true,
    chars: CHARS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 1 },
  });
  const notes: string[] = [];
  for (const row of status.plans) {
    if (isUnreadable(row)) {
      table.push([`${MARK.missed} ${row.plan}`, { colSpan: COLUMNS.length - 1, content: 'unreadable (below)' }]);
      notes.push(`${MARK.missed} ${row.plan}: ${(row satisfies UnreadablePlan).unreadable}`);
      continue;
    }
    table.push([`${mark(row.withinObjectives)} ${row.plan}`, backupCell(row), nextRunCell(row.nextRun, now), drillCell(row), drCopyCell(row), vaultCell(row), scrubCell(row)]);
    for (const reason of reasonsNotWithin(row)) notes.push(`${MARK.missed} ${row.plan}: ${reason}`);
    if (row.nextRun.state === 'unknown') notes.push(`  ${row.plan}: next run unknown: ${row.nextRun.reason}`);
  }
  lines.push(table.toString());
  lines.push(...notes);
  for (const problem of status.problems) lines.push(`! ${problem}`);
  lines.push(`Alarms in ALARM: ${status.alarms.note}`);
  const missed = status.plans.filter((p) => !p.withinObjectives).length;
  lines.push(
    missed === 0 && status.problems.length === 0
      ? `${MARK.ok} every plan is within its objectives (last committed backup within the RPO, last drill PASSED)`
      : `${MARK.missed} ${missed} of ${status.plans.length} plan(s) not within their objectives${status.problems.length ? `; ${status.problems.length} part(s) of the catalogs could not be read` : ''}`,
  );
  return lines;
}
