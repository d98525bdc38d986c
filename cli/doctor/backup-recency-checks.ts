import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type BackupCatalog } from '../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { INVALID_ITEM_LINES } from '../../lambdas/catalog/catalog-item-delete-command';
import { startsInFuture } from '../../lambdas/catalog/future-start';
import { newestFirst } from '../../lambdas/catalog/newest-first';
import { comparedInstant } from '../../lambdas/catalog/compared-instant';
import { recordInstant } from '../../lambdas/catalog/record-instant';
import { ITEM_KEY_SHOWN, shownItemKeyPart } from '../../lambdas/catalog/shown-item-key';
import { cut } from '../../lambdas/runtime/cut-text';
import { unseenOnlyEscaped } from '../../lambdas/runtime/quoted-service-words';
import { storedErrorShown } from '../status/stored-error-shown';
import { type CheckResult, fail, ok, skipped, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { regionUnansweredResult } from './unanswered-region';

/**
 * Group 5, after a deploy: from the catalog, each plan's newest committed backup, its age against
 * the plan's RPO, and whether its DR copy is committed. The age runs from the backup's start: what
 * it holds was read from then on, so a restore of it loses what changed since. A record that starts
 * more than FUTURE_START_TOLERANCE_MS after now (lambdas/catalog/future-start.ts) is passed over, as
 * the watchdog passes it over, and the line warns about it: measured, it would read "under 1 min" old
 * until that date while the plan's backups may have stopped. A record's own text (its id, error) is shown escaped
 * (shownItemKeyPart, unseenOnlyEscaped): raw, a newline in it forged a line of the report and an ESC coloured the
 * terminal (review r62K F4). The error's backslashes print as recorded, as status prints a drill's: doubled, an error
 * quoting a key JSON's way (`"reports/\"q3\".csv"`) read changed (f63D). One naming a `lifeboat …` command is shown by
 * its name only (storedErrorShown): the Lambda's command lacks the doctor's --config and --data-dir. The fix names
 * `lifeboat backups list --plan P`, which shows the whole cause (r63G F4). The doctor prints the deletes of damaged
 * catalog items (catalog-plan-checks.ts), so no piece of a record's text here holds more than 40 characters
 * (ITEM_KEY_SHOWN), under the shortest delete's 88: a record's id, its error, each at most 40, and its start only as the
 * instant it was judged as (comparedInstant), never its text. Date.parse skips a "(comment)", so a forged start of 200
 * characters still started in the future, was listed, and spelled a healthy record's delete beside the real ones (review
 * r64G F1).
 */

/**
 * Characters (code points) of a failed run's recorded error a doctor's line shows: its first words, the bound of any
 * record text beside the doctor's deletes (ITEM_KEY_SHOWN); at 200, a forged error spelled a delete (review r64G F1).
 */
const ERROR_SHOWN = ITEM_KEY_SHOWN;

/** A duration as people read an age or an RPO: `under 1 min`, `42 min`, `3 h 5 min`, `24 h`, `3 d 4 h`. */
export function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under 1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return hours % 24 ? `${Math.floor(hours / 24)} d ${hours % 24} h` : `${Math.floor(hours / 24)} d`;
}

/** Two lines per plan: `last backup <plan>` and `dr copy <plan>`. */
export async function checkLastBackup(catalog: BackupCatalog, ctx: DoctorContext, plan: ProtectionPlanConfig, now: Date): Promise<CheckResult[]> {
  const name = `last backup ${plan.name}`;
  const drName = `dr copy ${plan.name}`;
  const backupNow = ctx.lifeboat(`backup --plan ${plan.name}`);
  let records: BackupRecord[];
  try {
    records = await catalog.listBackupsOfPlan(plan.name);
  } catch (err) {
    const unanswered = regionUnansweredResult(name, ctx.environment.primaryRegion, err, `cannot read the catalog ${ctx.names.catalogTable}`);
    return [unanswered ?? fail(name, `cannot read the catalog ${ctx.names.catalogTable}: ${(err as Error).message}`, 'allow dynamodb:Query on the catalog table and its byPlan index to the caller'), skipped(drName, `depends on ${name}, which failed`)];
  }
  const ahead = records.filter((r) => startsInFuture(r.startedAt, now));
  const untimed = records.filter((r) => Number.isNaN(recordInstant(r.startedAt)));
  const unjudged = new Set([...ahead, ...untimed]);
  // The catalog lists by the start's text, so a start that is no time ('hand-edited') sorted first: aged NaN, it read
  // "within the RPO" while the real newest backup was days old (review r64Z F1). Judged newest first by the instant.
  const judged = newestFirst(records.filter((r) => !unjudged.has(r)));
  const last = judged.find((r) => r.status === 'COMMITTED');
  const newest = judged[0];
  const newestFailed = newest?.status === 'FAILED' ? `; the newest run ${shownItemKeyPart(newest.backupId)} FAILED (${newest.error === undefined ? 'no error recorded' : cut(storedErrorShown(newest.error), ERROR_SHOWN, unseenOnlyEscaped)})` : '';
  // Where the failed run's whole error and cause are, with the doctor's own target options.
  const seeFailure = newestFailed ? `see why the newest run failed: ${ctx.lifeboat(`backups list --plan ${plan.name}`)} shows its error under its row; then ` : '';
  const backupResult = last ? recencyResult(name, ctx, plan, last, now, newestFailed, backupNow, seeFailure) : warn(name, `plan ${plan.name} has no committed backup yet${newestFailed}`, `${seeFailure}${backupNow}`);
  const timed = ahead.length === 0 ? backupResult : withFutureStarts(backupResult, ahead, ctx, plan.name);
  const checked = untimed.length === 0 ? timed : withUntimedStarts(timed, untimed, ctx, plan.name);
  if (!last) {
    // Committed backups whose start is no time, or in the future, are there, just unjudged: "no committed backup yet"
    // sent the operator to back up a plan with backups in its catalog (f65E; review r65E F6 for those ahead).
    const untimedCommitted = untimed.filter((r) => r.status === 'COMMITTED').length;
    const aheadCommitted = ahead.filter((r) => r.status === 'COMMITTED').length;
    const unjudgedCommitted = [
      ...(untimedCommitted > 0 ? [`${untimedCommitted} committed backup(s) have starts that are no time`] : []),
      ...(aheadCommitted > 0 ? [`${aheadCommitted} committed backup(s) start in the future`] : []),
    ];
    const why = unjudgedCommitted.length > 0 ? `the plan's ${unjudgedCommitted.join(' and ')}, so none can be judged the newest (see ${name})` : 'no committed backup yet';
    return [checked, skipped(drName, why)];
  }

  const dr = last.copies?.dr;
  const drResult =
    dr === 'COMMITTED'
      ? ok(drName, `${shownItemKeyPart(last.backupId)} is committed in the DR vault ${ctx.names.drVault} (${ctx.environment.drRegion})`)
      : dr === 'FAILED'
        ? fail(drName, `replication of ${shownItemKeyPart(last.backupId)} to the DR vault failed: it is restorable from the primary region only`, `${backupNow} (each run copies what the DR vault lacks); if it fails again, read the error of its "Replicate to DR vault" step`)
        : warn(drName, `${shownItemKeyPart(last.backupId)} is ${dr ?? 'not recorded'} in the DR vault: it is restorable from the primary region only`, `wait for the run's "Replicate to DR vault" step; if it stays so, ${backupNow}`);
  return [checked, drResult];
}

/** The newest committed backup's age against the RPO. */
function recencyResult(name: string, ctx: DoctorContext, plan: ProtectionPlanConfig, last: BackupRecord, now: Date, newestFailed: string, backupNow: string, seeFailure: string): CheckResult {
  const rpoMs = plan.objectives.rpoMinutes * 60_000;
  const ageMs = now.getTime() - recordInstant(last.startedAt);
  const age = `${shownItemKeyPart(last.backupId)} (${last.strategy}) started ${formatAge(ageMs)} ago`;
  const rpo = `RPO ${formatAge(rpoMs)}`;
  if (ageMs > rpoMs) {
    return warn(name, `${age}, older than the ${rpo}${newestFailed}`, `${seeFailure}${ctx.request.mode === 'aws' ? `${backupNow}; then see why schedule ${ctx.names.schedulePrefix}${plan.name} did not: the executions of state machine ${ctx.names.backupStateMachine}` : backupNow}`);
  }
  return newestFailed ? warn(name, `${age}, within the ${rpo}${newestFailed}`, `${seeFailure}${backupNow}`) : ok(name, `${age}, within the ${rpo}`);
}

/**
 * The line with the records that start in the future named: a warning at least, the clock to set right added to its fix.
 * The first INVALID_ITEM_LINES, then how many more: each named, 5,000 forged records made one line of 374 KB (review r64L
 * F5). `backups list --plan` in the fix shows them all.
 */
function withFutureStarts(result: CheckResult, ahead: readonly BackupRecord[], ctx: DoctorContext, plan: string): CheckResult {
  const one = ahead.length === 1;
  const more = ahead.length - INVALID_ITEM_LINES;
  const named = ahead.slice(0, INVALID_ITEM_LINES).map((r) => `${shownItemKeyPart(r.backupId)} (${r.status}, ${shownStart(r.startedAt)})`);
  const listed = `${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  const detail = `${result.detail}; ${listed} ${one ? 'starts' : 'start'} in the future: the clock that wrote ${one ? 'it' : 'them'} or the catalog is wrong (not counted)`;
  // With the doctor's own target options, as every command it prints: bare, it listed another config's catalog (review r63J F1).
  const fix = `see ${ctx.lifeboat(`backups list --plan ${plan}`)}, and set right the clock of the host that ran ${one ? 'it' : 'them'} (or the times the catalog was rebuilt with)`;
  return result.verdict === 'fail' ? { ...result, detail, fix: `${result.fix ?? ''}; ${fix}` } : warn(result.name, detail, result.fix ? `${result.fix}; ${fix}` : fix);
}

/**
 * The line with the records whose startedAt is no time (recordInstant: NaN) named, as withFutureStarts names those
 * ahead: a warning at least, their age unknown, so they are not counted. Named by id only, never the start's text (see
 * the header), the first INVALID_ITEM_LINES, then how many more.
 */
function withUntimedStarts(result: CheckResult, untimed: readonly BackupRecord[], ctx: DoctorContext, plan: string): CheckResult {
  const one = untimed.length === 1;
  const more = untimed.length - INVALID_ITEM_LINES;
  const named = untimed.slice(0, INVALID_ITEM_LINES).map((r) => `${shownItemKeyPart(r.backupId)} (${r.status})`);
  const listed = `${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  const detail = `${result.detail}; ${listed} ${one ? 'has a startedAt' : 'have startedAts'} that ${one ? 'is' : 'are'} not a time: the record${one ? ' was' : 's were'} written by hand or damaged (not counted)`;
  const fix = `see ${ctx.lifeboat(`backups list --plan ${plan}`)}, and fix the startedAt of ${one ? 'that record' : 'those records'}`;
  return result.verdict === 'fail' ? { ...result, detail, fix: `${result.fix ?? ''}; ${fix}` } : warn(result.name, detail, result.fix ? `${result.fix}; ${fix}` : fix);
}

/**
 * A record's start as the doctor says it: the instant it was judged ahead as (recordInstant, a zoneless text as UTC),
 * never the text (see the header). Shown in the process's zone (parsedInstant), a zoneless start judged 2 h ahead in
 * UTC read as 06:30Z under Asia/Kolkata, before the doctor's own clock (review r65E F1).
 */
function shownStart(startedAt: string): string {
  const started = comparedInstant(startedAt);
  return started !== undefined ? `started ${started}` : 'with a startedAt that is not a time';
}
