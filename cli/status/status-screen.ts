import Table from 'cli-table3';
import { humanBytes } from '../human-bytes';
import { escapeName } from '../escape-name';
import { alarmLines } from './alarm-status';
import { DRILL_VAULTS, type DrillObjectiveStatus, type DrillVault, failingDrills, type LastDrills, type LastDrillStatus } from './drill-status';
import { type EnvironmentStatus, isUnreadable } from './environment-status';
import { mirrorSummary } from './mirror-status';
import { type NextRun } from './next-run';
import { type OutstandingScrubDamage, type PlanStatus } from './plan-status';
import { type PruneStatus } from './prune-status';
import { type ScheduleAge } from './schedule-age';
import { PRUNE_WORKFLOW_TIMEOUT_SECONDS } from '../../config/prune-workflow-timeout';
import { pruneCommandLine } from '../../lambdas/retention/prune-command-line';
import { ARCHIVED_COPY, refusedCopyUntilFixed, unverifiedCopy } from '../../lambdas/replication/scrub-objects-left';
import { namedBackupIds } from '../../lambdas/replication/named-backup-ids';
import { NO_PRINTED_OPTIONS, type PrintedCommandOptions, type PrintedCommandTarget, printedCommandOptions } from './printed-command-options';
import { storedErrorShown } from './stored-error-shown';
import { DOCTOR_NOT_WITH_STACK } from '../target-options-line';
import { shownShellWord } from '../../lambdas/runtime/shown-shell-word';
import { DRILL_ID_EXAMPLE, isDrillId } from '../../lambdas/catalog/drill-id';
import { quotedCatalogName, shownCatalogName } from '../../lambdas/catalog/shown-catalog-name';
import { unseenOnlyEscaped } from '../../lambdas/runtime/quoted-service-words';

/**
 * The text screen of `lifeboat status`: a title, one row per plan, then why each ✗ is one and what
 * could not be read. Columns are fixed so the table fits 100 columns whatever the names; a cell wraps
 * rather than widening the table.
 */

/** The columns the screen fits in: the table's widths add up to it, notes wrap at it. */
export const SCREEN_WIDTH = 100;

export const MARK = { ok: '✓', missed: '✗' } as const;
const mark = (ok: boolean) => (ok ? MARK.ok : MARK.missed);

const COLUMNS: readonly { head: string; width: number }[] = [
  { head: 'PLAN', width: 11 },
  { head: 'BACKUP AGE/RPO', width: 15 },
  { head: 'NEXT RUN', width: 13 },
  { head: 'LAST DRILL', width: 20 },
  { head: 'DR COPY', width: 15 },
  { head: 'VAULT', width: 12 },
  { head: 'SCRUB, PRUNE', width: 14 },
];

/** No vertical rules (they cost a column each); a rule under the header and between plans. */
const CHARS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '─', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
};

/**
 * A duration in a cell: its two largest units run together, hours up to two days so an age compares
 * at a glance with an RPO of `24h`: `42s`, `12m04s`, `23h53m`, `30h`, `3d4h`.
 */
export function cellDuration(seconds: number): string {
  const s = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${two(s % 60)}s` : ''}`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? `${two(Math.floor((s % 3600) / 60))}m` : ''}`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600) ? `${Math.floor((s % 86_400) / 3600)}h` : ''}`;
}

/** `12-01 06:00Z`: a time within the year, to the minute, in UTC. */
const shortTime = (iso: string) => `${iso.slice(5, 10)} ${iso.slice(11, 16)}Z`;

function backupCell(row: PlanStatus): string {
  const b = row.lastBackup;
  const rpo = cellDuration(b.rpoSeconds);
  const age = b.lastCommitted ? `${mark(b.withinRpo)} ${cellDuration(b.lastCommitted.ageSeconds)}/${rpo}` : `${MARK.missed} none/${rpo}`;
  const newest = !b.newest ? 'no backup yet' : b.newest.backupId === b.lastCommitted?.backupId ? 'COMMITTED' : `${b.lastCommitted ? 'newer ' : ''}${b.newest.status}`;
  return `${age}\n${newest}`;
}

function nextRunCell(next: NextRun, now: Date): string {
  switch (next.state) {
    case 'scheduled': {
      const inSeconds = (Date.parse(next.at) - now.getTime()) / 1000;
      return `${inSeconds <= 0 ? 'due now' : `in ${cellDuration(inSeconds)}`}\n${shortTime(next.at)}`;
    }
    case 'disabled':
      return 'DISABLED';
    case 'not-firing':
      return 'not firing\n(no local scheduler)';
    case 'never-again':
      return next.expression.startsWith('at(') ? 'none: at() passed' : 'never fires\nagain (below)';
    case 'unknown':
      return 'unknown (below)';
  }
}

const objectiveLine = (name: string, o: DrillObjectiveStatus | undefined) => (o ? `${name} ${mark(o.met)} ${cellDuration(o.seconds)}/${cellDuration(o.objectiveSeconds)}` : `${name} -`);

/** A drill's age as its lines say it: unknown when its start is no time, where the cell read `NaNd ago` (review r65E F7). */
const drillAge = (d: LastDrillStatus): string => (d.ageSeconds === undefined ? 'at an unknown time (its startedAt is not a time)' : `${cellDuration(d.ageSeconds)} ago`);

/** One drill's block of the LAST DRILL cell: verdict, RTO, RPO, then its age and the vault it drilled. */
const drillBlock = (d: LastDrillStatus) => [`${mark(d.verdict === 'PASSED')} ${d.verdict}`, objectiveLine('RTO', d.rto), objectiveLine('RPO', d.rpo), `${d.ageSeconds === undefined ? 'age unknown' : `${cellDuration(d.ageSeconds)} ago`}, ${d.vault}`];

/** The newest drill of each vault drilled, primary first: both are judged, so both are shown. */
function drillCell(row: PlanStatus): string {
  const blocks = DRILL_VAULTS.flatMap((vault) => {
    const d = row.lastDrills[vault];
    return d ? drillBlock(d) : [];
  });
  return blocks.length === 0 ? 'none yet' : blocks.join('\n');
}

const vaultName = (vault: DrillVault) => (vault === 'primary' ? 'primary' : 'DR');

/**
 * The newest drill of each vault in a line, marked ✓ or ✗ as it counts for the plan: what `lifeboat
 * report` lists under the drill chart. The record's own text (its id, region, error) is shown escaped, as
 * reasonsNotWithin shows it.
 */
export function drillLines(last: LastDrills): string[] {
  return DRILL_VAULTS.flatMap((vault) => {
    const d = last[vault];
    if (!d) return [];
    const objectives = [objectiveLine('RTO', d.rto), objectiveLine('RPO', d.rpo)].join(', ');
    return [`${mark(d.verdict === 'PASSED')} ${vaultName(vault)} vault (${shownCatalogName(d.region)}): drill ${shownCatalogName(d.drillId)} ${d.verdict} ${drillAge(d)}, ${objectives}${drillErrorShown(d)}`];
  });
}

/**
 * A drill's recorded error after a colon, or nothing: whole (not cut), its controls and unseen characters escaped
 * (unseenOnlyEscaped): a newline in it forged a line of its own and an ESC coloured the terminal (f62AC, after review
 * r62K F4). Its backslashes print as recorded: doubled, an error quoting a key JSON's way read changed (review r62M F4).
 */
const drillErrorShown = (d: LastDrillStatus): string => (d.error ? `: ${unseenOnlyEscaped(storedErrorShown(d.error))}` : '');

/**
 * The command that shows a drill's whole record, in backquotes, for an id `lifeboat drills show` takes (isDrillId: one
 * shell word as it is). Another (a NUL in it, a forged line) the command refuses, and its `$'…'` word put the forged
 * text back on the terminal (review r62M F2): the plan's drills are listed instead, which name it.
 */
function drillShowCommand(d: LastDrillStatus, plan: string, target: string): string {
  if (isDrillId(d.drillId)) return `\`lifeboat drills show ${d.drillId}${target}\``;
  return `\`lifeboat drills list --plan ${shownShellWord(plan)}${target}\` (its id is not one \`lifeboat drills show\` takes, such as ${DRILL_ID_EXAMPLE})`;
}

function drCopyCell(row: PlanStatus): string {
  const c = row.drCopy;
  // Marked only when judged ✗ (the dr-copy-age alarm's rule), the reason below the table.
  const missed = row.drCopyObjective?.met === false ? `${MARK.missed} ` : '';
  switch (c.state) {
    case 'up-to-date':
      return 'up to date';
    case 'behind':
      return `${missed}lag ${cellDuration(c.lagSeconds)}\nnewest ${c.newestCopy}`;
    case 'none-copied':
      return `${missed}no DR copy\nnewest ${c.newestCopy}`;
    case 'no-backup':
      return '-';
    case 'primary-unreadable':
      return 'n/a: primary\nunreadable';
  }
}

function vaultCell(row: PlanStatus): string {
  const v = row.vault;
  if (v.committedBackups === 0) return 'empty';
  return `${humanBytes(v.storedBytes)}\n${v.dedupRatio === undefined ? 'dedup -' : `dedup ${v.dedupRatio.toFixed(1)}×`}`;
}

function scrubCell(row: PlanStatus): string {
  const s = row.scrub;
  const scrub = s.state === 'never' ? 'no scrub yet' : s.state === 'unreadable' ? 'scrub unknown' : `${s.outcome} ${s.ageSeconds === undefined ? 'age unknown' : `${cellDuration(s.ageSeconds)} ago`}${s.cut ? '\ncut by its deadline' : ''}${stillDamaged(s.outstanding)}${s.affectedBackupsOfPlan.length ? `\n${s.affectedBackupsOfPlan.length} backup(s) hit` : ''}`;
  const p = row.prune;
  const prune = p.state === 'never' ? 'no prune yet' : p.state === 'unreadable' ? 'prune unknown (below)' : `pruned ${cellDuration(p.ageSeconds)} ago${p.stoppedBy ? ' (stopped)' : p.outcome === 'DEADLINE' ? ' (cut)' : ''}`;
  return `${scrub}\n${prune}`;
}

/** Earlier runs' damage the latest did not read again: a run reads a slice, so its own outcome says nothing of it. */
function stillDamaged(o: OutstandingScrubDamage | undefined): string {
  return o ? `\n${o.objects} still ${o.outcome} since ${shortTime(o.since)}` : '';
}

/**
 * Each mirrored source's last check in a line, marked ✓, ✗ or - (shown, not judged); `lifeboat report` shows the same lines.
 * The mirror is the check record's own text, escaped as its reasons name it (shownCatalogName): raw, a newline in a
 * damaged record forged a line and an ESC coloured the terminal (f63D).
 */
export function mirrorLines(status: EnvironmentStatus): string[] {
  return status.plans
    .flatMap((p) => (isUnreadable(p) ? [] : p.mirrors))
    .map((m) => {
      const mark = m.verdict === 'not-checked' || m.verdict === 'not-compared' ? '-' : m.withinObjectives ? MARK.ok : MARK.missed;
      return `${mark} ${m.plan}/${m.source}${m.mirror ? ` → ${shownCatalogName(m.mirror)}` : ''}: ${mirrorSummary(m)}`;
    });
}

/**
 * Each vault's last prune in a line; `lifeboat report` shows the same lines. `options`: those of the command printing
 * them (printedCommandOptions); until review r58A F3 its prune and scrub lines had only --env and --aws, and pasted from
 * a run at another data dir or config they pruned or repaired another target.
 */
export function pruneLines(status: EnvironmentStatus, options: PrintedCommandOptions = printedCommandOptions(status)): string[] {
  return (['primary', 'dr'] as const).map((side) => pruneLine(side, side === 'primary' ? status.primaryRegion : status.drRegion, status.prunes[side], options));
}

/**
 * A vault's last prune in a line: when, how it ended, what it freed; marked `!` when it met damaged packs, a warning as the
 * scrub's corruption is (shown, not judged: the run succeeded, and the prune-damage alarm fired).
 */
function pruneLine(vault: 'primary' | 'dr', region: string, p: PruneStatus, options: PrintedCommandOptions): string {
  const which = `Prune of the ${vault === 'primary' ? 'primary' : 'DR'} vault (${region})`;
  switch (p.state) {
    case 'never':
      return `${which}: no run recorded yet`;
    case 'unreadable':
      return `${which}: unknown (below)`;
    case 'ran': {
      const abandoned = p.outcome === 'DEADLINE' && !p.stoppedBy && p.ageSeconds > PRUNE_WORKFLOW_TIMEOUT_SECONDS;
      const ended =
        p.outcome === 'COMPLETED'
          ? `completed ${cellDuration(p.ageSeconds)} ago in ${cellDuration(p.durationMs / 1000)}`
          : p.stoppedBy
            ? `stopped ${cellDuration(p.ageSeconds)} ago by ${p.stoppedBy.error} (the workflow cannot continue it)`
            : abandoned
              ? `cut by its deadline ${cellDuration(p.ageSeconds)} ago and not continued since`
              : `cut by its deadline ${cellDuration(p.ageSeconds)} ago (the workflow continues it)`;
      const locked = p.lockedSkipped > 0 ? `, ${p.lockedSkipped} locked object(s) skipped` : '';
      const line = `${which}: ${ended}, ${humanBytes(p.bytesFreed)} freed (${p.deletedPacks} pack(s) deleted, ${p.packsRepacked} repacked, ${p.condemnedPacks} condemned${locked})`;
      // Review rZ3 F2: a run another error ended (a denial, a Lambda or workflow timeout) records no stoppedBy, and read as continuing for ever.
      if (abandoned) {
        const command = `\`${pruneCommandLine({ vault, options: options.vault })}\``;
        return `! ${line}: its workflow's ${cellDuration(PRUNE_WORKFLOW_TIMEOUT_SECONDS)} limit has passed, so the run failed or was stopped (its execution says why); the next scheduled prune starts again, or run ${command} from a machine (docs/RUNBOOKS.md, "Prune")`;
      }
      // Until review aU2-3 such a run read "cut by its deadline … (the workflow continues it)" for ever. Not the error's
      // message: its `lifeboat prune` line is the workflow's, --env and --aws only, and pasted from a status run at another
      // config, data dir or vault key it pruned another target (review r58E F2); --json keeps the message.
      if (p.stoppedBy) {
        const command = `\`${pruneCommandLine({ vault, options: options.vault })}\``;
        return `! ${line}: every call of its workflow runs out of time before it gets further (status --json has the error's message, where the time went); run ${command} from a machine (it has no deadline), or forget old backups so that fewer snapshots are left to mark (docs/RUNBOOKS.md, "Prune")`;
      }
      if (p.damagedPacks === 0) return line;
      const scrub = `\`lifeboat scrub --vault ${vault} --fraction 1 --repair${options.vault}\``;
      return `! ${line}; ${p.damagedPacks} damaged pack(s): run the scrub, which repairs them from the other vault (${scrub}, twice for a full pass; docs/RUNBOOKS.md, "Alarms": prune-damage)`;
    }
  }
}

/**
 * Why a plan is ✗, in words an on-call engineer acts on. `options`: those of the command printing them, which each command line ends with.
 * A record's own text (its backup id, its start) is shown escaped (shownCatalogName): raw, a newline in a damaged or forged
 * record printed a line of its own (`✓ demo: within objectives`) and an ESC coloured the terminal (review r62K F4).
 */
export function reasonsNotWithin(row: PlanStatus, options: PrintedCommandOptions = NO_PRINTED_OPTIONS): string[] {
  const reasons: string[] = [];
  const b = row.lastBackup;
  // Read from the DR catalog, the primary is down and a backup cannot run: an empty DR catalog may be a lost one (audit a59A F1).
  // One that holds runs of the plan was not lost (the failover's rule, failover-start.ts): the rebuild hint there sent
  // an operator to rebuild a sound catalog (f60F). Committed backups that start in the future did reach the DR vault,
  // and a failover chooses them (it does not judge the clock): not "none to restore" (review r61G F2).
  const aheadCommitted = (b.inFuture ?? []).filter((ahead) => ahead.status === 'COMMITTED');
  const untimedCommitted = (b.untimed ?? []).filter((untimed) => untimed.status === 'COMMITTED');
  if (!b.lastCommitted && row.catalog === 'dr' && aheadCommitted.length > 0) {
    reasons.push(
      `no committed backup in the DR catalog started before now: the ${aheadCommitted.length === 1 ? 'one it holds starts' : `${aheadCommitted.length} it holds start`} in the future ` +
        `(the clock that wrote ${aheadCommitted.length === 1 ? 'it' : 'them'} or the catalog is wrong, below), and a failover restores the newest the DR vault keeps all the same: check its time before you fail over`,
    );
  } else if (!b.lastCommitted && row.catalog === 'dr' && untimedCommitted.length > 0) {
    // Not a lost catalog: it holds committed backups, only their start is no time (review r64Z F2: the rebuild hint).
    const one = untimedCommitted.length === 1;
    reasons.push(
      `no committed backup in the DR catalog has a start that is a time: the startedAt of ${one ? `the one it holds, ${shownCatalogName(untimedCommitted[0]?.backupId ?? '')},` : `the ${untimedCommitted.length} it holds`} is not a time ` +
        `(the record${one ? ' was' : 's were'} written by hand or damaged, below): fix it, or fail over by \`lifeboat failover --plan ${shownShellWord(row.plan)} --backup <id>${options.target}\``,
    );
  } else if (!b.lastCommitted && row.catalog === 'dr' && (b.newest || (b.inFuture?.length ?? 0) > 0 || (b.untimed?.length ?? 0) > 0)) {
    reasons.push(
      `no committed backup in the DR catalog${b.newest ? ` (the newest run ${shownCatalogName(b.newest.backupId)} is ${b.newest.status})` : ''}: ` +
        'the catalog holds runs of the plan but no backup of it that reached the DR vault, so a failover has none to restore; ' +
        'a backup gets there when its Replicate step copies it, once the primary region runs backups again (docs/RUNBOOKS.md, "The primary region is down")',
    );
  } else if (!b.lastCommitted && row.catalog === 'dr') {
    reasons.push(
      'no committed backup in the DR catalog: ' +
        `if the DR vault holds backups, the DR catalog may have been lost: rebuild it from the DR vault with \`lifeboat catalog rebuild --vault dr --region dr${options.target}\``,
    );
  } else if (!b.lastCommitted) reasons.push(`no committed backup${b.newest ? ` (the newest run ${shownCatalogName(b.newest.backupId)} is ${b.newest.status})` : ''}: run \`lifeboat backup --plan ${shownShellWord(row.plan)}${options.target}\``);
  else if (!b.withinRpo && row.catalog === 'dr') {
    reasons.push(
      `the newest backup in the DR catalog, ${shownCatalogName(b.lastCommitted.backupId)}, started ${cellDuration(b.lastCommitted.ageSeconds)} ago, older than the RPO of ${cellDuration(b.rpoSeconds)}: ` +
        'a restore from the DR region loses more than the RPO (docs/RUNBOOKS.md, "The primary region is down")',
    );
  } else if (!b.withinRpo) {
    reasons.push(
      `last committed backup ${shownCatalogName(b.lastCommitted.backupId)} started ${cellDuration(b.lastCommitted.ageSeconds)} ago, older than the RPO of ${cellDuration(b.rpoSeconds)}` +
        `${b.newest && b.newest.status === 'FAILED' ? ` (the newest run ${shownCatalogName(b.newest.backupId)} FAILED)` : ''}: run \`lifeboat backup --plan ${shownShellWord(row.plan)}${options.target}\` and see why the schedule did not`,
    );
  }
  reasons.push(...drCopyReasons(row, options));
  for (const d of failingDrills(row.lastDrills)) {
    const other = row.lastDrills[d.vault === 'primary' ? 'dr' : 'primary'];
    // A later PASSED drill of the other vault is easily taken for proof that all is well: say what it does not prove.
    const later = other && other.verdict === 'PASSED' && other.drillId > d.drillId ? ` (a later ${vaultName(other.vault)} drill PASSED, which does not prove the ${vaultName(d.vault)} region can restore)` : '';
    reasons.push(`last ${vaultName(d.vault)} drill ${shownCatalogName(d.drillId)} ${d.verdict}${drillErrorShown(d)}${later}: see ${drillShowCommand(d, row.plan, options.target)}`);
  }
  const schedule = row.drillSchedule;
  if (schedule?.stale) {
    // Audit a58C F1: a drill schedule that stopped firing left the last drill PASSED, and nothing said so. A start that is
    // no time has no age: the drill-age alarm, fed none, breaches on missing data, so it is ✗ here too (review r65N F3).
    const since =
      schedule.ageSeconds === undefined
        ? `whose start is no time, so its age is unknown and its schedule ${schedule.schedule} (${schedule.expression}) cannot be judged (the drill-age alarm breaches on the missing age)`
        : `which started ${cellDuration(schedule.ageSeconds)} ago, more than twice the longest gap of its schedule ${schedule.schedule} (${schedule.expression})`;
    reasons.push(
      `no ${vaultName(schedule.vault)} drill since ${shownCatalogName(schedule.drillId)}, ${since}: ` +
        `see whether the schedule fires (${scheduleCheck(options, schedule.vault)}) and the drill's executions; \`lifeboat drill run --plan ${shownShellWord(row.plan)}${options.target}\` runs one now`,
    );
  }
  for (const m of row.mirrors) reasons.push(...m.reasons);
  reasons.push(...scrubReasons(row, options), ...lostWithoutBackupsReasons(row, options.vault), ...lostNotListedReasons(row, options.vault), ...copiedInLostNotListedReasons(row, options.vault));
  return reasons;
}

/**
 * Why lost objects the scrub record only counts make every plan ✗ (plan-status.ts, `lostNotListed`; review r65A F1,
 * F5): a group keeps neither their keys nor their backups, and this record's run did not work them out (carried from an
 * earlier run, its mapping cut, or more backups hit than its record lists: review r65S F1). Both vaults, no `--vault`: a group carried while the DR vault did not open is dropped
 * only by a run that reads its copies. A run of both vaults whose mapping is whole names their backups, so the advice
 * says so, not "once both vaults open" alone: after one, a plan is ✗ only for its own backups (review r65J F1).
 */
function lostNotListedReasons(row: PlanStatus, flags: string): string[] {
  const l = row.scrub.state === 'ran' ? row.scrub.lostNotListed : undefined;
  if (!l) return [];
  return [
    `${l.count} damaged or missing object(s) found by scrubs since ${shortTime(l.since)}, some with no good copy in either vault, are only counted and their backups were not worked out (carried from an earlier scrub, its deadline cut the mapping, or they hit more backups than its record lists): any backup may hold data in them; ` +
      (l.backupsNotListed !== undefined
        ? `its run hit ${l.backupsNotListed} backup(s) more than its record lists, and a scrub that hits them again names no more of them: forget (\`lifeboat backups forget --lost\`) or back up again and let retention forget the backups the record names, then run \`lifeboat scrub --fraction 1${flags}\` with both vaults open, which names the rest; or wait for prune to delete the packs (docs/RUNBOOKS.md, "Scrub")`
        : `run \`lifeboat scrub --fraction 1${flags}\` with both vaults open and time to finish, which reads them again and names their backups, so that only the plans of those backups stay ✗ (docs/RUNBOOKS.md, "Scrub")`),
  ];
}

/** Why lost copied-in snapshots the scrub record only counts make every plan ✗ (plan-status.ts, `copiedInLostNotListed`; review r57W F2). */
function copiedInLostNotListedReasons(row: PlanStatus, flags: string): string[] {
  const c = row.scrub.state === 'ran' ? row.scrub.copiedInLostNotListed : undefined;
  if (!c) return [];
  const runs = c.until !== undefined && c.until !== c.since ? `scrubs from ${shortTime(c.since)} to ${shortTime(c.until)}` : `the scrub of ${shortTime(c.since)}`;
  return [
    `${c.count} snapshot object(s) ${runs} copied in, some with no good copy in either vault, are only counted (the record keeps neither their ids nor their backups): any backup may hold data in them; ` +
      // The exact until: the clear is refused once a later run has counted more (review r57Z F1). The flags: pasted without
      // them, the line scrubs the local cloud of env dev (review r57AB F1).
      `verify the backups those scrubs copied in, then \`lifeboat scrub --clear-copied-in-count ${c.until ?? c.since}${flags}\` (docs/RUNBOOKS.md, "Scrub")`,
  ];
}

/**
 * The first three of a scrub's backup ids as its alarm and verdict name them (namedBackupIds): each JSON-quoted, so an
 * id with a newline or ESC from a damaged record forges no line and drives no terminal (f62AC), nor does one holding
 * `, ` read as two; cut at 40 with its length and digest, so two long ids differing past the cut read apart (review
 * r64J F2: unquoted, cut at 200 with no digest). The rest are counted, `and N more`.
 */
const namedBackups = (of: readonly string[]): string => namedBackupIds(of, 3);

/** Why the scrub makes a plan ✗: backups of it read objects with no good copy in either vault (plan-status.ts, ScrubStatus). */
function scrubReasons(row: PlanStatus, options: PrintedCommandOptions): string[] {
  const s = row.scrub;
  if (s.state !== 'ran' || s.affectedBackupsOfPlan.length === 0) return [];
  const named = namedBackups(s.affectedBackupsOfPlan);
  const found = s.outstanding?.outcome === 'DAMAGED' ? `found by scrubs since ${shortTime(s.outstanding.since)} and not read again since` : s.ageSeconds === undefined ? 'found by the last scrub (its start is no time)' : `found by the scrub ${cellDuration(s.ageSeconds)} ago`;
  return [
    `${s.affectedBackupsOfPlan.length} backup(s) (${named}) hold data in objects with no good copy in either vault, ${found}: restoring them fails for the paths affected; ` +
      `the failed scrub execution names the objects (\`lifeboat scrub --json${options.vault}\` lists the paths); docs/RUNBOOKS.md, "Scrub"`,
  ];
}

/**
 * Objects with no good copy whose backups the scrub's deadline left not worked out (plan-status.ts, ScrubStatus): they
 * may hit any backup of the vault, so every plan is ✗ (review rS F1). A scrub without a deadline names them. Lost
 * snapshot objects are not among them: the catalog names their backups, whose plans' rows say so (scrubReasons; until
 * review r58F F1 they were, every plan stayed ✗ and the line sent the user to the catalog, blaming a deadline even where
 * none had cut anything).
 */
function lostWithoutBackupsReasons(row: PlanStatus, flags: string): string[] {
  const s = row.scrub;
  const l = s.state === 'ran' ? s.lostWithoutBackups : undefined;
  if (!l) return [];
  // The keys are the scrub record's own text: escaped and cut (f63D), each JSON-quoted (quotedCatalogName): bare, a key
  // holding `, ` read as two keys, and one holding `, and 3 more` as a count of its own (review r64P F5).
  const named = `${l.keys.map(quotedCatalogName).join(', ')}${l.objects > l.keys.length ? `, and ${l.objects - l.keys.length} more` : ''}`;
  // Both vaults, no `--vault`: a lost object has an entry in each, and a scrub of one carries the other's (review rT F1).
  return [
    `${l.objects} object(s) with no good copy in either vault (${named}), whose backups the scrub's deadline left not worked out: any backup may hold data in them; ` +
      `run \`lifeboat scrub --fraction 1${flags}\` from a machine (no deadline), which names them (docs/RUNBOOKS.md, "Scrub")`,
  ];
}

/**
 * Backups that objects damaged in one vault hit whose other copy is an archived copy, not verified (plan-status.ts,
 * ScrubStatus): a warning, not a ✗, as the archived copy is most likely good; but until it is thawed a restore of them from
 * the damaged vault fails for the paths affected, and no scheduled scrub thaws it, so the warning stays until someone does.
 * Likewise, with its own advice, backups whose objects' other copy a run's deadline left unread (`unverifiedCopyBackupsOfPlan`),
 * whose scrub line ends with `flags` (review r58E F1), and those whose other copy's read was refused, which no scrub
 * reads until the permission is fixed (`refusedCopyBackupsOfPlan`, review r63AB F2).
 */
function archivedCopyWarnings(row: PlanStatus, flags: string): string[] {
  const s = row.scrub;
  const ids = s.state === 'ran' ? (s.archivedCopyBackupsOfPlan ?? []) : [];
  const unverified = s.state === 'ran' ? (s.unverifiedCopyBackupsOfPlan ?? []) : [];
  const problems = s.state === 'ran' ? (s.unverifiedCopyProblems ?? []) : [];
  const refused = s.state === 'ran' ? (s.refusedCopyBackupsOfPlan ?? []) : [];
  const refusedProblems = s.state === 'ran' ? (s.refusedCopyProblems ?? []) : [];
  return [
    ...(ids.length > 0
      ? [
          `! ${row.plan}: ${ids.length} backup(s) (${namedBackups(ids)}) hold data in objects damaged in one vault whose other copy is ${ARCHIVED_COPY}: ` +
            'restoring them from the damaged vault fails for the paths affected until that copy is thawed; thaw it and scrub with --repair while the thawed copy lasts ' +
            '(the scrub\'s finding names the S3 address; docs/RUNBOOKS.md, "Scrub")',
        ]
      : []),
    // Not a thaw: the run's deadline came before the repair, and the copy may be damaged too (review rJJ F3).
    ...(unverified.length > 0
      ? [
          `! ${row.plan}: ${unverified.length} backup(s) (${namedBackups(unverified)}) hold data in objects damaged in one vault whose other copy is ${unverifiedCopy(problems.length > 0 ? problems : ['missing', 'corrupt'], flags)}; ` +
            'until then restoring them from the damaged vault fails for the paths affected (docs/RUNBOOKS.md, "Scrub")',
        ]
      : []),
    // The next scrub is refused the same way: no scrub verifies it until the permission is fixed (review r63AB F2).
    ...(refused.length > 0
      ? [
          `! ${row.plan}: ${refused.length} backup(s) (${namedBackups(refused)}) hold data in objects damaged in one vault whose other copy ${refusedCopyUntilFixed(refusedProblems.length > 0 ? refusedProblems : ['missing', 'corrupt'], flags)}; ` +
            'until then restoring them from the damaged vault fails for the paths affected (docs/RUNBOOKS.md, "Scrub")',
        ]
      : []),
  ];
}

/**
 * Objects damaged in one vault whose other copy was not verified that name no backup a row lists (environment-status.ts):
 * no row shows them, so they have lines of their own, warnings as archivedCopyWarnings are. A corrupt one is read again only by a
 * scrub whose slice holds it: the command then reads every object.
 */
function scrubObjectsWithoutBackupsLines(status: EnvironmentStatus, flags: string): string[] {
  const s = status.scrubObjectsWithoutBackups;
  if (!s) return [];
  return [
    ...(s.unverified
      ? [
          `! ${s.unverified.objects} object(s) the scrub left damaged or missing in one vault, whose other copy it did not verify, name no backup a plan above lists: its deadline came before it worked out which backups hold data in them, none does, or only backups of a removed plan, forgotten or not committed; ` +
            `a restore from that vault may fail for the paths affected: run \`lifeboat scrub ${s.unverified.corrupt > 0 ? '--fraction 1 ' : ''}--repair${flags}\`, which verifies and copies them (docs/RUNBOOKS.md, "Scrub")`,
        ]
      : []),
    ...(s.refused
      ? [
          `! ${s.refused.objects} object(s) the scrub left damaged or missing in one vault, whose other copy ${refusedCopyUntilFixed(s.refused.corrupt > 0 ? ['corrupt'] : ['missing'], flags)}, name no backup a plan above lists: its deadline came before it worked out which backups hold data in them, none does, or only backups of a removed plan, forgotten or not committed; ` +
            'until then a restore from that vault may fail for the paths affected (docs/RUNBOOKS.md, "Scrub")',
        ]
      : []),
    ...(s.archived
      ? [
          `! ${s.archived.objects} object(s) the scrub left damaged or missing in one vault, whose other copy is ${ARCHIVED_COPY}, name no backup a plan above lists (none it found holds data in them, or only backups of a removed plan, forgotten or not committed); ` +
            'thaw that copy and scrub with --repair while the thawed copy lasts (the scrub\'s finding names the S3 address; docs/RUNBOOKS.md, "Scrub")',
        ]
      : []),
  ];
}

/**
 * The objects a vault lacks that the latest scrub did not work out whether it needs (environment-status.ts): not
 * findings, so no row shows them, and a scheduled run cut the same way every day never does (audit aU2-1). A scrub from
 * a machine has no deadline nor memory bound, so it works them out and copies those needed.
 */
function scrubNotWorkedOutLines(status: EnvironmentStatus, flags: string): string[] {
  // The record names what cut it (review rJ F2); one from before that names both.
  const why = (vault: string): string => {
    const cause = status.scrubNotWorkedOutCause?.[vault as keyof NonNullable<EnvironmentStatus['scrubNotWorkedOutCause']>];
    if (cause === 'memory') return "that needed more memory than its function has, and every scheduled run meets the same bound";
    if (cause === 'deadline') return 'its deadline came first (a later run works them out if its time allows)';
    return "its deadline or its function's memory came first";
  };
  return Object.entries(status.scrubNotWorkedOut ?? {}).map(
    ([vault, n]) =>
      `! the last scrub could not work out whether the ${vault} vault needs ${n} data, index or manifest object(s) it lacks (the other vault holds them): ${why(vault)}; ` +
      `run \`lifeboat scrub --vault ${vault} --repair${flags}\` from a machine (no deadline or memory bound), which copies those it needs (docs/RUNBOOKS.md, "Scrub")`,
  );
}

/**
 * The snapshots a vault lacks whose record the latest scrub had no time to read (environment-status.ts): it did not
 * count them missing, since their backup may have discarded them, so no row shows them, and one really missing was
 * shown nowhere while every run was cut (review rN F2). Later runs read others of them; a scrub from a machine reads all.
 */
function scrubSnapshotsNotWorkedOutLines(status: EnvironmentStatus, flags: string): string[] {
  return Object.entries(status.scrubSnapshotsNotWorkedOut ?? {}).map(
    ([vault, n]) =>
      `! the last scrub could not work out whether ${n} snapshot(s) the ${vault} vault lacks (the other vault holds them) are missing or were discarded by their backup: its deadline came before it read their records; ` +
      `a later run reads them if its time allows, or run \`lifeboat scrub --vault ${vault} --repair${flags}\` from a machine (no deadline), which copies those missing (docs/RUNBOOKS.md, "Scrub")`,
  );
}

/**
 * Why the DR copy is ✗: the dr-copy-age alarm's rule (plan-status.ts, DrCopyObjectiveStatus). Nothing
 * when the DR copy is the last committed backup: that one's age beyond the RPO has its own reason.
 */
function drCopyReasons(row: PlanStatus, options: PrintedCommandOptions): string[] {
  const o = row.drCopyObjective;
  const c = row.drCopy;
  if (!o || o.met || (c.state !== 'behind' && c.state !== 'none-copied')) return [];
  const rpo = cellDuration(row.lastBackup.rpoSeconds);
  const lag = cellDuration(o.objectiveSeconds - row.lastBackup.rpoSeconds);
  const newest = `the newest, ${shownCatalogName(c.newestCommitted)}: DR copy ${c.newestCopy}`;
  const see = `see \`lifeboat backups list --plan ${shownShellWord(row.plan)}${options.target}\` and docs/RUNBOOKS.md, "Alarms" (dr-copy-age)`;
  if (!o.newestCopied) return [`no backup of the plan is in the DR vault (${newest}): a restore from the DR region has nothing to restore; ${see}`];
  return [
    `the newest backup in the DR vault, ${shownCatalogName(o.newestCopied.backupId)}, started ${cellDuration(o.newestCopied.ageSeconds)} ago, older than the RPO of ${rpo} plus the replication-lag threshold of ${lag} ` +
      `(the dr-copy-age alarm's rule; ${newest}): a restore from the DR region loses more than that; ${see}`,
  ];
}

/**
 * A note cut at spaces into lines of at most SCREEN_WIDTH columns, continued indented; a command in
 * backquotes stays on one line, so it can be copied whole.
 */
function wrapped(note: string, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of note.match(/`[^`]*`\S*|\S+/g) ?? []) {
    const candidate = line === '' ? `${indent}${word}` : `${line} ${word}`;
    if ([...candidate].length > SCREEN_WIDTH && line.trim() !== '') {
      lines.push(line);
      line = `    ${word}`;
    } else line = candidate;
  }
  lines.push(line);
  return lines;
}

/**
 * What could not be read, for the last line: the problems (listed with `!` above) are the catalogs' and
 * logs' parts, and the CloudWatch alarm list when it could not be read, which is no part of a catalog.
 */
function notReadSummary(status: EnvironmentStatus): string {
  const alarmList = status.alarms.state === 'unreadable' ? 1 : 0;
  const catalogParts = status.problems.length - alarmList;
  const parts = [...(catalogParts > 0 ? [`${catalogParts} part(s) of the catalogs`] : []), ...(alarmList ? ['the CloudWatch alarm list'] : [])];
  return parts.length === 0 ? '' : `; ${parts.join(' and ')} could not be read`;
}

/**
 * The scrub's part of the last line: a scrub whose start is no time has not been seen to stop, only cannot be judged
 * (`untimed`), and "has stopped" sent the operator after a schedule that may fire (review r65T F2).
 */
function scrubSummary(schedule: ScheduleAge | undefined): string {
  if (schedule?.stale !== true) return '';
  return schedule.untimed ? '; the scrub cannot be judged (above)' : '; the scrub has stopped (above)';
}

/**
 * Where a stale schedule is looked at: the doctor's line, or with --stack (which the doctor refuses) the schedule itself,
 * an EventBridge Scheduler schedule of the stack of the vault it runs for: the scrub's and a primary drill's in the
 * primary region, a DR drill's in the DR stack, of the DR region and account (review r62R F2: it said primary for both).
 */
function scheduleCheck(options: PrintedCommandOptions, vault: DrillVault): string {
  if (options.doctor !== undefined) return `\`${options.doctor}\``;
  const where = vault === 'primary' ? 'the primary region' : "the DR stack, in the DR region (and the DR account, if the environment has one)";
  return `its EventBridge Scheduler schedule in ${where}: ${DOCTOR_NOT_WITH_STACK}`;
}

/**
 * The scrub that stopped running (environment-status.ts, `scrubSchedule`: the scrub-age alarm's rule): ✗, the vaults are no
 * longer checked for damage, whatever the plans' rows say (audit a58C F1: a schedule disabled by hand was seen by nothing).
 */
function staleScrubLines(status: EnvironmentStatus, options: PrintedCommandOptions): string[] {
  const s = status.scrubSchedule;
  if (s?.stale !== true) return [];
  // A start that is no time has no age (schedule-age.ts, review r65N F3): stale, and said so rather than as an age.
  const started =
    s.ageSeconds === undefined
      ? `the last scrub's start is no time, so its age is unknown and its schedule ${s.schedule} (${s.expression}) cannot be judged: the vaults may not be being checked for damage; `
      : `the last scrub started ${cellDuration(s.ageSeconds)} ago (${shortTime(s.startedAt)}), more than twice the longest gap of its schedule ${s.schedule} (${s.expression}): the vaults are not being checked for damage; `;
  return [
    `${MARK.missed} ${started}` +
      `see whether the schedule fires (${scheduleCheck(options, 'primary')}) and the scrub's executions; \`lifeboat scrub${options.vault}\` runs one now (docs/RUNBOOKS.md, "Alarms": scrub-age)`,
  ];
}

/**
 * `target`: the options the status command was run with, which the command lines it prints carry (`--vault-key` included:
 * until review r58A F6 status took none, and in AWS with another primary vault key its scrub and prune lines failed at KMS).
 */
export function statusScreen(status: EnvironmentStatus, target?: PrintedCommandTarget): string[] {
  const options = printedCommandOptions(status, target);
  const flags = options.vault;
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
      notes.push(`${MARK.missed} ${row.plan}: ${row.unreadable}`);
      continue;
    }
    table.push([`${mark(row.withinObjectives)} ${row.plan}`, backupCell(row), nextRunCell(row.nextRun, now), drillCell(row), drCopyCell(row), vaultCell(row), scrubCell(row)]);
    for (const reason of reasonsNotWithin(row, options)) notes.push(`${MARK.missed} ${row.plan}: ${reason}`);
    if (row.nextRun.state === 'unknown') notes.push(`  ${row.plan}: next run unknown: ${row.nextRun.reason}`);
    // A cron or rate that will not fire again stops the plan's backups: said now, not when the RPO has passed (audit R25 F2).
    if (row.nextRun.state === 'never-again' && !row.nextRun.expression.startsWith('at(')) {
      notes.push(`! ${row.plan}: its schedule ${row.nextRun.schedule} (${row.nextRun.expression}) never fires again (its years or its end date have passed): no backup of this plan will start; change the schedule in the config and deploy`);
    }
    const leftOut = row.lastBackup.lastCommitted?.leftOut;
    if (leftOut) {
      const bySource = Object.entries(leftOut.bySource).map(([source, n]) => `${escapeName(source)} ${n}`);
      notes.push(`! ${row.plan}: the last committed backup ${shownCatalogName(row.lastBackup.lastCommitted?.backupId ?? '')} did not back up ${leftOut.entries} source entr${leftOut.entries === 1 ? 'y' : 'ies'} whole (left out as archived or unreadable, or without some metadata: ${bySource.join(', ')}); see \`lifeboat backups list --plan ${shownShellWord(row.plan)}${options.target}\``);
    }
    notes.push(...archivedCopyWarnings(row, flags));
    for (const ahead of row.lastBackup.inFuture ?? []) {
      notes.push(`! ${row.plan}: backup ${shownCatalogName(ahead.backupId)} (${ahead.status}) starts in the future (${shownCatalogName(ahead.startedAt)}): the clock that wrote it or the catalog is wrong; not counted, the plan is judged on the backups before now; see \`lifeboat backups list --plan ${shownShellWord(row.plan)}${options.target}\``);
    }
    for (const untimed of row.lastBackup.untimed ?? []) {
      notes.push(`! ${row.plan}: backup ${shownCatalogName(untimed.backupId)} (${untimed.status}) has a startedAt that is not a time (${shownCatalogName(untimed.startedAt)}): the record was written by hand or damaged; not counted, the plan is judged on the other backups; fix the record's startedAt (see \`lifeboat backups list --plan ${shownShellWord(row.plan)}${options.target}\`)`);
    }
  }
  lines.push(...table.toString().split('\n').map((l) => l.trimEnd()));
  for (const note of [...notes, ...staleScrubLines(status, options), ...scrubObjectsWithoutBackupsLines(status, flags), ...scrubNotWorkedOutLines(status, flags), ...scrubSnapshotsNotWorkedOutLines(status, flags), ...status.problems.map((p) => `! ${p}`)]) lines.push(...wrapped(note));
  const mirrors = mirrorLines(status);
  if (mirrors.length > 0) {
    lines.push(`Mirrors in ${status.drRegion} (${MARK.ok}: last check equal, at most 2× its schedule old, lag within the RPO):`);
    for (const line of mirrors) lines.push(...wrapped(line, '  '));
  }
  for (const line of pruneLines(status, options)) lines.push(...wrapped(line));
  lines.push(...alarmLines(status.alarms));
  const missed = status.plans.filter((p) => !p.withinObjectives).length;
  if (missed === 0 && status.problems.length === 0 && status.scrubSchedule?.stale !== true) {
    lines.push(`${MARK.ok} every plan is within its objectives (last committed backup within the RPO, ${status.plans.every((p) => 'lastDrill' in p && p.lastDrill !== undefined) ? 'last drill PASSED' : 'no last drill failed'})`);
  } else lines.push(...wrapped(`${MARK.missed} ${missed} of ${status.plans.length} plan(s) not within their objectives${notReadSummary(status)}${scrubSummary(status.scrubSchedule)}`));
  return lines;
}
