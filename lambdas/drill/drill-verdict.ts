import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type DrillError, type DrillReport, type DrillSourceResult, judgedRpoSeconds, type MissedObjective } from '../catalog/drill-record';
import { describeTarget } from '../restore/resolved-restore';
import { type RestoreReport } from '../restore/verify-restore';
import { escapedName, ShortfallBudget, shortfallHeadline, shortfallSourceNames, sourceShortfall } from './drill-shortfall';
import { type DrillStart } from './drill-start';
import { type FailedSourceRestore, isFailedRestore } from './drill-state';
import { type DrillComparison } from './live-sample';

/** The error a Catch of the drill workflow puts into the state (`Error`, `Cause`: for a Lambda error, JSON with `errorMessage`). */
export type CaughtError = { Error: string; Cause?: string | undefined; step?: string | undefined };

/** Everything the drill's last step knows, already validated. */
export type DrillOutcome = {
  drillId: string;
  execution: string;
  startedAt: string;
  plan: ProtectionPlanConfig;
  selection: DrillReport['selection'];
  windowDays: number;
  environment: string;
  region: string;
  vault: DrillReport['vault'];
  start?: DrillStart | undefined;
  /** Per source, in the order of the drill's restores: its report, or the failure its iteration caught. */
  restored?: readonly (RestoreReport | FailedSourceRestore)[] | undefined;
  comparison?: DrillComparison | undefined;
  cleanup?: DrillReport['cleanup'] | undefined;
  error?: CaughtError | undefined;
  /** The error the cleanup step's Catch stored (`$.cleanupError`): the step failed, so `cleanup` is absent. */
  cleanupError?: CaughtError | undefined;
  /** The start of this drill's scratch target names (drillScratchPrefix): what may remain when the cleanup failed before the start returned its targets. */
  scratchPrefix?: string | undefined;
  endedAt: Date;
};

/** The message of a caught error: a Lambda error's `errorMessage`, else the cause as given. */
export function caughtErrorOf(caught: CaughtError): DrillError {
  let message = caught.Cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not JSON: a States.* error's plain cause.
  }
  return { error: caught.Error, message, ...(caught.step !== undefined ? { step: caught.step } : {}) };
}

const NOT_COMPARED = 'not compared: the drill stopped before the live comparison';
const RESTORE_STEP = 'Restore sources';

/** A source whose restore failed: its error, and zero figures (nothing of it was restored and verified). */
function failedSourceResult(failure: FailedSourceRestore): DrillSourceResult & { error: DrillError } {
  const error: DrillError = { ...caughtErrorOf(failure.error), step: RESTORE_STEP, source: failure.source };
  return {
    source: failure.source,
    type: failure.target.type,
    target: describeTarget(failure.target),
    entries: 0,
    bytes: 0,
    verifiedEntries: 0,
    restoreMs: 0,
    sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: `not compared: the source's restore failed (${error.error})` },
    error,
  };
}

/** A duration as an operator reads it; under a minute in whole seconds, up: an objective missed by 29 s must not read "by 0 min". */
function hours(s: number): string {
  if (s >= 3600) return `${(s / 3600).toFixed(1)} h`;
  return s >= 60 ? `${Math.round(s / 60)} min` : `${Math.ceil(s)} s`;
}

/**
 * A measured duration over its objective, as precise as the miss: hours() of both would read "took 30 min, over the RTO
 * of 30 min by 29 s" (or "2.0 h old, over the RPO of 2.0 h by 5 min"). A miss under a minute shows the seconds (30 min
 * 29 s, 2 h 0 min 29 s), one under 0.1 h of a value in hours the minutes (2 h 5 min); seconds up, as hours() rounds the miss.
 */
function overObjective(measured: number, objective: number): string {
  const by = measured - objective;
  if (by < 60) {
    const s = Math.ceil(measured);
    if (s < 60) return `${s} s`;
    const h = Math.floor(s / 3600);
    return `${h > 0 ? `${h} h ` : ''}${Math.floor((s % 3600) / 60)} min ${s % 60} s`;
  }
  if (measured >= 3600 && by < 360) {
    const m = Math.round(measured / 60);
    return `${Math.floor(m / 60)} h ${m % 60} min`;
  }
  return hours(measured);
}

/**
 * What exceeded the RPO, and what to check: the plan's newest backup too old (no backup since: its backups, or from the
 * DR vault their replication, stopped) or, with the newest within it, a gap between backups inside the window (runs
 * missed or failed then, since recovered). The gap up to the drill's start is the newest backup's age: named once.
 * A start of an earlier version (no `newestBackupAgeSeconds`) was judged on the drilled backup's age, and says so.
 */
function rpoMissedDetail(outcome: DrillOutcome, measure: DrillStart['rpo'], measured: number): string {
  const objective = outcome.plan.objectives.rpoMinutes * 60;
  const plan = outcome.plan.name;
  const newest = measure.newestBackupAgeSeconds;
  const age = newest ?? measure.backupAgeSeconds;
  const what: string[] = [];
  if (age > objective) {
    what.push(newest !== undefined ? `the plan's newest backup drillable from the ${outcome.vault} vault is ${overObjective(age, objective)} old` : `the drilled backup is ${overObjective(age, objective)} old`);
  }
  if (measure.largestGapSeconds > objective && measure.largestGapSeconds > age) what.push(`the largest gap between its backups that ended in the last ${outcome.windowDays} days is ${overObjective(measure.largestGapSeconds, objective)}`);
  const check =
    newest === undefined
      ? "check the plan's backups"
      : newest > objective
        ? `no backup of the plan has been ${outcome.vault === 'dr' ? 'replicated' : 'committed'} since: check its backup runs${outcome.vault === 'dr' ? ' and their replication to the DR vault' : ''}`
        : "the newest backup is within it, so backups were missed or failed earlier in the window: check the plan's schedule and its failed backup runs";
  return `${what.join(' and ')}, over the RPO of ${hours(objective)} by ${hours(measured - objective)}: ${check} (lifeboat backups list --plan ${plan})`;
}

/**
 * The drill's report (drill-record.ts) from what its steps returned: per source the restore and the
 * live comparison, or the error that stopped its restore; RTO = the live comparison's start (every
 * source restored and verified) minus the drill's start, absent when a source did not restore; RPO =
 * the age of the plan's newest drillable backup and the largest gap between backups, both against the plan's
 * `rpoMinutes`, whatever the selection: the drilled backup's age is reported, not judged (a drill of an older
 * backup proves older backups restore; the RPO is the recovery point the plan has at the drill's start).
 * Verdict: FAILED when any step or any source's restore failed or a sample differs (`errors`: a step's
 * error first, then each failed source's in the sources' order, then the mismatches), else
 * OBJECTIVE_MISSED when RTO or RPO exceeds its objective (`missed` says which and by how much), else
 * PASSED; never PASSED when no source was restored. A source restored only in part (`notRestored`, `backupLeftOut`:
 * drill-shortfall.ts) does not change the verdict: it is named in the source's result and the summary. A failed cleanup step is listed in `cleanup.errors`
 * with the scratch targets it may have left.
 */
export function buildDrillReport(outcome: DrillOutcome): DrillReport {
  const { plan, start, restored, comparison } = outcome;
  const errors: DrillError[] = [];
  if (outcome.error) errors.push(caughtErrorOf(outcome.error));

  const shortfallBudget = new ShortfallBudget();
  const sources: DrillSourceResult[] = (restored ?? []).map((r) => {
    if (!isFailedRestore(r)) return restoredSourceResult(r, comparison, shortfallBudget);
    const failed = failedSourceResult(r);
    errors.push(failed.error);
    return failed;
  });
  errors.push(...(comparison?.errors ?? []));
  const everySourceRestored = sources.every((s) => s.error === undefined);
  if (errors.length === 0 && (!start || !restored || !comparison)) {
    errors.push({ error: 'DrillIncompleteError', message: `The drill's state lacks ${!start ? 'the start' : !restored ? 'the restored sources' : 'the live comparison'} without an error; check the drill workflow's definition` });
  }
  // `[].every(...)` is true: a drill that restored nothing would otherwise pass, and prove nothing.
  if (errors.length === 0 && sources.length === 0) {
    errors.push({ error: 'DrillIncompleteError', message: `The drill restored no source of plan "${plan.name}" (its start returned no restore); a drill passes only when every source of the plan was restored and verified` });
  }

  const rtoObjective = plan.objectives.rtoMinutes * 60;
  const rpoObjective = plan.objectives.rpoMinutes * 60;
  const missed: MissedObjective[] = [];
  let rto: DrillReport['rto'];
  // A source that never restored leaves the RTO unmeasured, as a drill that stopped before the comparison does.
  if (comparison && restored && everySourceRestored) {
    const seconds = Math.max(0, Math.round((Date.parse(comparison.verifiedAt) - Date.parse(outcome.startedAt)) / 1000));
    rto = { seconds, objectiveSeconds: rtoObjective, met: seconds <= rtoObjective };
    if (!rto.met) missed.push({ objective: 'rto', measuredSeconds: seconds, objectiveSeconds: rtoObjective, bySeconds: seconds - rtoObjective, detail: `restore and verification took ${overObjective(seconds, rtoObjective)}, over the RTO of ${hours(rtoObjective)} by ${hours(seconds - rtoObjective)}` });
  }
  let rpo: DrillReport['rpo'];
  if (start) {
    const measured = judgedRpoSeconds(start.rpo);
    rpo = { ...start.rpo, objectiveSeconds: rpoObjective, met: measured <= rpoObjective };
    if (!rpo.met) missed.push({ objective: 'rpo', measuredSeconds: measured, objectiveSeconds: rpoObjective, bySeconds: measured - rpoObjective, detail: rpoMissedDetail(outcome, start.rpo, measured) });
  }
  return {
    drillId: outcome.drillId,
    plan: plan.name,
    environment: outcome.environment,
    region: outcome.region,
    vault: outcome.vault,
    execution: outcome.execution,
    startedAt: new Date(outcome.startedAt).toISOString(),
    endedAt: outcome.endedAt.toISOString(),
    selection: outcome.selection,
    windowDays: outcome.windowDays,
    ...(start ? { backup: start.backup } : {}),
    sources,
    totals: { entries: sources.reduce((n, s) => n + s.entries, 0), ...itemsTotal(sources), bytes: sources.reduce((n, s) => n + s.bytes, 0) },
    objectives: { rpoMinutes: plan.objectives.rpoMinutes, rtoMinutes: plan.objectives.rtoMinutes },
    ...(rto ? { rto } : {}),
    ...(rpo ? { rpo } : {}),
    verdict: errors.length > 0 ? 'FAILED' : missed.length > 0 ? 'OBJECTIVE_MISSED' : 'PASSED',
    missed,
    errors,
    cleanup: cleanupOf(outcome),
  };
}

/**
 * How old a target must be for the sweep (scratch-targets.ts listOldScratch), as the record says it: the drill's timeout
 * grows with the waves of its stack's largest plan (lib/constructs/drill-timeouts.ts), so no fixed figure holds.
 */
const SWEEP_AGE = `the drill's timeout and an hour (25 h, or 73 h with an archive tier, when no plan of the stack has more than 40 sources; a wave of restores longer for each further 40: docs/RUNBOOKS.md, "More than 40 sources")`;

/**
 * What the cleanup did, or, when its step failed, that it failed and which scratch targets may remain. The verdict
 * stays what the restore and the objectives make it (docs/RUNBOOKS.md, "Verdicts"): the left-over targets are the
 * report's to show, and the next drill's sweep removes them once older than the drill's timeout and an hour (SWEEP_AGE):
 * a younger target may be a running drill's. A bucket the cleanup leaves because its time ran out is in the cleanup's
 * own errors (scratch-targets.ts), sealed and expiring.
 */
function cleanupOf(outcome: DrillOutcome): DrillReport['cleanup'] {
  const cleanup = outcome.cleanup ?? { removed: [], swept: [], errors: [] };
  if (!outcome.cleanupError) return cleanup;
  const caught = caughtErrorOf(outcome.cleanupError);
  const targets = outcome.start?.restores.map((r) => describeTarget(r.request.target)) ?? [];
  const remaining =
    targets.length > 0 ? targets.join(', ') : outcome.scratchPrefix !== undefined ? `those named ${outcome.scratchPrefix}*` : 'those named after this drill id';
  const failed = `cleanup step failed (${caught.error}: ${caught.message}); scratch targets of this drill may remain: ${remaining}; the next drill's cleanup sweeps them once older than ${SWEEP_AGE}, or delete them by hand`;
  return { ...cleanup, errors: [...cleanup.errors, failed], ...(cleanup.errorCount !== undefined ? { errorCount: cleanup.errorCount + 1 } : {}) };
}

function restoredSourceResult(r: RestoreReport, comparison: DrillComparison | undefined, budget: ShortfallBudget): DrillSourceResult {
  return {
    source: r.source,
    type: r.target.type,
    target: r.targetDescription,
    entries: r.entries,
    ...(r.items !== undefined ? { items: r.items } : {}),
    bytes: r.bytes,
    verifiedEntries: r.verified.entries,
    restoreMs: Math.max(0, Math.round(r.durationMs)),
    ...sourceShortfall(r, budget),
    sampled: comparison?.sources.find((s) => s.source === r.source)?.sampled ?? { compared: 0, matched: 0, skippedChanged: 0, unreachable: NOT_COMPARED },
  };
}

/** The cause of the drill's Fail state: the first error (with the source it stopped, when one), else the first missed objective. */
export function drillFailureCause(report: DrillReport): string | undefined {
  const first = report.errors[0];
  if (first) return `${first.error}${first.source !== undefined ? ` (source ${first.source})` : ''}: ${first.message}`;
  const missed = report.missed[0];
  return missed ? `${missed.objective.toUpperCase()} missed: ${missed.detail ?? `${missed.measuredSeconds} s against ${missed.objectiveSeconds} s`}` : undefined;
}

/**
 * The drill's one-line outcome (the record step's `summary`): drillFailureCause, else that every source was restored and
 * verified, with the sources no live entry was compared of and why (DynamoDB, a live source out of reach, every entry
 * tried changed since the backup): a pass that proved the backup against live data for none of them must not read as one.
 * Likewise a pass with entries not restored or left out by the backup (drill-shortfall.ts) says "PASSED with N not
 * restored / M left out by the backup", never "every source restored", with the names of those sources only: their
 * reasons and paths are in the record (`lifeboat drills show`), which the drill's state already carries beside it.
 */
export function drillSummary(report: DrillReport): string {
  const failed = drillFailureCause(report);
  if (failed !== undefined) return failed;
  const shortfall = shortfallHeadline(report);
  const passed =
    shortfall === undefined
      ? `${report.verdict}: every source restored and verified within the objectives`
      : `${report.verdict} ${shortfall}, within the objectives (in ${shortfallSourceNames(report).join(', ')}: lifeboat drills show ${report.drillId})`;
  const notCompared = report.sources.filter((s) => s.sampled.compared === 0);
  if (notCompared.length === 0) return passed;
  const why = notCompared.map((s) => `${escapedName(s.source)}: ${s.sampled.unreachable ?? 'no entry of it was sampled'}`).join('; ');
  return `${passed}; ${notCompared.length} source${notCompared.length === 1 ? '' : 's'} not compared against live (${why})`;
}

/** The items of the DynamoDB sources together, when the drill restored any. */
function itemsTotal(sources: readonly DrillSourceResult[]): { items?: number } {
  const counted = sources.filter((s) => s.items !== undefined);
  return counted.length > 0 ? { items: counted.reduce((n, s) => n + (s.items ?? 0), 0) } : {};
}
