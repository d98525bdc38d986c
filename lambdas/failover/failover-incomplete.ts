import { INCOMPLETE_CAUSE_STATE_BYTES } from '../../config/parent-state-size';
import { leftOutCount } from '../drill/drill-shortfall';
import { largestFitting } from '../runtime/largest-fitting';
import { type FailoverFinishInput, type FailoverFinishWithoutOverwriteInput, type FailoverReport, type FailoverSourceReport } from './failover-report';

/** The error a failover ends with when a source's restore failed (its `Failover incomplete` Fail state). */
export const FAILOVER_INCOMPLETE_ERROR = 'FailoverIncompleteError';

/** Step Functions' limit on an execution's failure cause (ExecutionFailedEventDetails.cause). */
export const MAX_FAILURE_CAUSE = 32_768;

// A failed source's message in the one-paragraph summary: its first words say what failed.
const SUMMARY_MESSAGE = 300;

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * Where the failover ran: the function's environment (LIFEBOAT_ENVIRONMENT) and whether it is the local cloud's.
 * The summary's finish commands name them, since a pasted `lifeboat failover` without them fails over env dev in the
 * local cloud; the function cannot know the operator's --config or --data-dir, which the CLI's own lines carry.
 */
export type FailoverRanIn = {
  environment: string;
  localCloud: boolean;
  /** The local cloud's DynamoDB endpoint of the function's region: the AWS CLI commands its refusals name go there (review r62H F1). */
  localDynamoDb?: string | undefined;
};

/** What the summary's finish command needs added to act where the failover ran. */
function targetOptionsNote(ranIn: FailoverRanIn): string {
  return ranIn.localCloud ? `add --env ${ranIn.environment}, and --data-dir <dir> for a local cloud not in .lifeboat` : `add --aws --env ${ranIn.environment}`;
}

/**
 * The `lifeboat failover` command line that runs `finish` or `finishWithoutOverwrite` (docs/RUNBOOKS.md, "A source fails"),
 * without the target options (--env, --config, --aws or --data-dir), which whoever prints it adds.
 */
export function finishCommand(finish: FailoverFinishInput | FailoverFinishWithoutOverwriteInput): string {
  return [
    `lifeboat failover --plan ${finish.plan} --backup ${finish.backupId}`,
    ...(finish.targetSuffix !== undefined ? [`--target-suffix ${finish.targetSuffix}`] : []),
    `--sources ${finish.sources.join(',')}`,
    ...('overwrite' in finish ? ['--overwrite'] : []),
  ].join(' ');
}

/** How the summary says to run `finishWithoutOverwrite`: naming its sources, which `finish` (if any) leaves out. */
function finishWithoutOverwriteText(finish: FailoverFinishWithoutOverwriteInput, ranIn: FailoverRanIn): string {
  return (
    `To finish ${finish.sources.join(', ')} (${finish.sources.length > 1 ? 'their restores' : 'its restore'} refused or stopped before writing), start the failover again with ` +
    `${JSON.stringify(finish)} (${finishCommand(finish)}; ${targetOptionsNote(ranIn)}), without overwrite: it refuses a target that holds data (another run's since, or, if this failover was started with overwrite, the data it was to replace: check it, then add "overwrite").`
  );
}

/**
 * A live source restored in part, in the summary: how many entries or attributes its target lacks, and how many entries
 * its backup left out, counts only (the report lists them, bounded; review r58D F3 and f58O: the summary said "restored
 * and verified" and no more), or that what the backup left out is not known.
 */
function inPart(source: FailoverSourceReport): string {
  const n = source.notRestored?.count ?? 0;
  const leftOut = source.backupLeftOut;
  const left = leftOut ? leftOutCount(leftOut) : 0;
  const parts = [
    ...(n > 0 ? [`${n} ${n === 1 ? 'entry or attribute' : 'entries or attributes'} not restored`] : []),
    ...(left > 0 ? [`${left} ${left === 1 ? 'entry' : 'entries'} left out by the backup`] : []),
  ];
  const unknown = leftOut !== undefined && 'unknown' in leftOut ? 'what the backup left out not known, the report says why' : undefined;
  if (parts.length === 0) return unknown !== undefined ? ` (${unknown})` : '';
  return ` (restored in part: ${parts.join(', ')}, listed in the report${unknown !== undefined ? `; ${unknown}` : ''})`;
}

/**
 * What a partial failover's cause says first: which sources failed and why, which are live and where,
 * and how to finish. Read alone (the console's cause, an alert) it is enough to act on.
 */
export function failoverIncompleteSummary(report: FailoverReport, ranIn: FailoverRanIn): string {
  const failed = report.failed ?? [];
  // A target another restore holds is that restore's: this failover wrote nothing there, and does not finish it.
  const held = failed.filter((f) => f.heldBy !== undefined);
  // A source whose restore stopped before writing its target: the target holds nothing of this failover's.
  const unwritten = failed.filter((f) => f.wroteNothing === true);
  const partial = failed.filter((f) => f.heldBy === undefined && f.wroteNothing === undefined);
  const total = failed.length + report.sources.length;
  const live = report.sources.map((s) => `${s.source} at ${s.target}${s.from === 'mirror' ? ' (its mirror)' : ''}${inPart(s)}`);
  return [
    `Failover ${report.failoverId} of plan "${report.plan}" is incomplete: ${failed.length} of ${total} source(s) not restored, ${report.sources.length} live.`,
    ...(partial.length > 0 ? [`Not restored (their targets may hold part of the restore: not for the applications): ${partial.map((f) => `${f.source} (${f.error}: ${clip(f.message, SUMMARY_MESSAGE)})`).join('; ')}.`] : []),
    ...(unwritten.length > 0
      ? [`Not restored, their restores refused or stopped before writing (in Validate and resolve, or refused by the target itself: its action says which): ${unwritten.map((f) => `${f.source} (${f.error}: ${clip(f.message, SUMMARY_MESSAGE)})`).join('; ')}.`]
      : []),
    ...(held.length > 0
      ? [
          `Refused, their targets held by other restores (this failover wrote nothing there and does not finish them; wait for those restores to end, or fail these sources over with another targetSuffix): ${held.map((f) => `${f.source} at ${f.target} (held by ${f.heldBy ?? ''})`).join('; ')}.`,
        ]
      : []),
    live.length > 0
      ? `Live, restored and verified (point their applications at these): ${live.join('; ')}.`
      : held.length > 0
        ? 'No source of this failover is live (a target held by another restore is that restore\'s: its own report says whether it is live).'
        : 'No source is live.',
    ...(report.finish ? [`To finish, start the failover again with ${JSON.stringify(report.finish)} (${finishCommand(report.finish)}; ${targetOptionsNote(ranIn)}).`] : []),
    ...(report.finishWithoutOverwrite ? [finishWithoutOverwriteText(report.finishWithoutOverwrite, ranIn)] : []),
  ].join(' ');
}

/**
 * The Fail state's cause: JSON as a Lambda error's (`errorMessage`: the summary, which the console and
 * `causeMessage` show), with the whole report under `report` for `lifeboat failover` to print. Within
 * Step Functions' cause limit, and within INCOMPLETE_CAUSE_STATE_BYTES as the report step's state writes it beside the
 * report (config/parent-state-size.ts: quotes take two bytes there, a character outside ASCII up to three; review r58I
 * F2): a report too long for it is left out, and the summary cut.
 */
export function failoverIncompleteCause(report: FailoverReport, ranIn: FailoverRanIn): string {
  const summary = failoverIncompleteSummary(report, ranIn);
  const fits = (text: string): boolean => text.length <= MAX_FAILURE_CAUSE && Buffer.byteLength(JSON.stringify(text), 'utf8') <= INCOMPLETE_CAUSE_STATE_BYTES;
  const whole = JSON.stringify({ errorType: FAILOVER_INCOMPLETE_ERROR, errorMessage: summary, report });
  if (fits(whole)) return whole;
  // JSON escapes can lengthen the summary: the longest cut of it whose whole text fits (one character always does).
  const cut = (room: number): string => JSON.stringify({ errorType: FAILOVER_INCOMPLETE_ERROR, errorMessage: clip(summary, room) });
  return cut(largestFitting(1, MAX_FAILURE_CAUSE, (room) => fits(cut(room))));
}

/**
 * The report step's output: the report, plus `incompleteCause` when a source failed, which the `Failover
 * incomplete` Fail state (lib/constructs/failover-workflow.ts) ends the execution with. A complete failover's
 * output is the report alone, as before.
 */
export function reportStepOutput(report: FailoverReport, ranIn: FailoverRanIn): FailoverReport & { incompleteCause?: string } {
  return report.failed ? { ...report, incompleteCause: failoverIncompleteCause(report, ranIn) } : report;
}

/** The report a FailoverIncompleteError's cause carries, when it does (a cause cut to fit carries none). */
export function reportOfIncompleteCause(cause: string | undefined): FailoverReport | undefined {
  if (cause === undefined) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorType?: unknown; report?: unknown };
    if (parsed.errorType !== FAILOVER_INCOMPLETE_ERROR || parsed.report === null || typeof parsed.report !== 'object') return undefined;
    const report = parsed.report as Partial<FailoverReport>;
    return Array.isArray(report.sources) && Array.isArray(report.failed) ? (report as FailoverReport) : undefined;
  } catch {
    return undefined;
  }
}
