import { type DrillBackupLeftOut, type DrillNotRestored, type DrillReport, type DrillSourceResult } from '../catalog/drill-record';
import { JsonTextBudget } from '../restore/json-text-budget';
import { NOT_RESTORED_KINDS, notRestoredKinds } from '../restore/not-restored-kinds';
import { backupLeftOutWithin, notRestoredWithin } from '../restore/report-lists-within-budget';
import { type RestoreReport } from '../restore/verify-restore';

/**
 * What a drill's source lacks although it passed (audit a57F-1): the entries or attributes its restore could not recreate
 * (`notRestored`) and what its backup left out (`backupLeftOut`), bounded for the report. A drill of an EFS source in
 * AWS has some whenever the source holds FIFOs, sockets or devices (its functions have no platform calls to recreate
 * them; extended attributes and ACLs only when the backup was taken with platform calls, as the CLI's is: a backup in
 * AWS reads none), so they do not fail it; they are named instead of "every source restored and verified", as
 * `lifeboat vault restore` names them (and exits 3).
 */

/** Paths (and skipped reasons) listed per source; the rest are counted. */
export const SHORTFALL_LISTED = 10;
/** Longest path, reason or example kept, in UTF-8 bytes (a path may be 4,096). */
export const SHORTFALL_TEXT_MAX_BYTES = 256;
/**
 * All texts of one report together, in UTF-8 bytes as JSON writes them (a control character in a path is six): a passed
 * drill's record goes into the execution's state beside `$.restored` (Step Functions: 256 KiB) and into one catalog item
 * (DynamoDB: 400 KB), a failover's report into its state, whatever their number of sources. Counts are kept past it;
 * only the lists stop.
 */
export const SHORTFALL_REPORT_MAX_BYTES = 32 * 1024;

/** The UTF-8 bytes a report's shortfall lists may still take, as JSON writes them; shared by its sources, in their order. */
export class ShortfallBudget extends JsonTextBudget {
  constructor(remaining: number = SHORTFALL_REPORT_MAX_BYTES) {
    super(remaining, SHORTFALL_TEXT_MAX_BYTES);
  }
}

/**
 * A restore report's `notRestored` as a report that keeps it keeps it (a drill's source, a failover's): the count whole,
 * the distinct reasons and the first paths within `budget`. The reasons are the verify step's, taken before it bounded
 * its list (not-restored-kinds.ts); a report without them (of a verify step before review r58I F3) has them from its list.
 */
export function boundedNotRestored(reported: NonNullable<RestoreReport['notRestored']>, budget: ShortfallBudget): DrillNotRestored {
  const kinds = budget.take((reported.kinds ?? notRestoredKinds(reported.first)).slice(0, NOT_RESTORED_KINDS)) ?? [];
  const first = notRestoredWithin(reported.first, SHORTFALL_LISTED, budget);
  return { count: reported.count, kinds, first };
}

/** A restored source's shortfall as a drill's or a failover's report keeps it: absent fields when the restore reported none. */
export function sourceShortfall(report: Pick<RestoreReport, 'notRestored' | 'backupLeftOut'>, budget: ShortfallBudget): Pick<DrillSourceResult, 'notRestored' | 'backupLeftOut'> {
  return {
    ...(report.notRestored && report.notRestored.count > 0 ? { notRestored: boundedNotRestored(report.notRestored, budget) } : {}),
    ...(report.backupLeftOut ? { backupLeftOut: backupLeftOutWithin(report.backupLeftOut, SHORTFALL_LISTED, budget) } : {}),
  };
}

/** Entries the backup did not hold whole: skipped, vanished and changed while read (0 for `unknown`). */
export function leftOutCount(leftOut: DrillBackupLeftOut): number {
  return 'unknown' in leftOut ? 0 : leftOut.skipped + leftOut.vanished + leftOut.changedDuringRead;
}

/**
 * What takes the place of "every source restored and verified" when a source has a shortfall: "with 400 not restored /
 * 5000 left out by the backup" (and the sources for which the backup's record could not tell); undefined when none has.
 */
export function shortfallHeadline(report: Pick<DrillReport, 'sources'>): string | undefined {
  const notRestored = report.sources.reduce((n, s) => n + (s.notRestored?.count ?? 0), 0);
  const leftOut = report.sources.reduce((n, s) => n + (s.backupLeftOut ? leftOutCount(s.backupLeftOut) : 0), 0);
  const unknown = report.sources.filter((s) => s.backupLeftOut !== undefined && 'unknown' in s.backupLeftOut).length;
  const parts = [
    ...(notRestored > 0 ? [`${notRestored} not restored`] : []),
    ...(leftOut > 0 ? [`${leftOut} left out by the backup`] : []),
    ...(unknown > 0 ? [`what the backup left out not known for ${unknown} source${unknown === 1 ? '' : 's'}`] : []),
  ];
  return parts.length > 0 ? `with ${parts.join(' / ')}` : undefined;
}

/**
 * The sources with a shortfall, escaped, for the summary: names only, as the summary lands in the drill's state beside
 * the record that already holds their reasons and paths (the record's lists are what SHORTFALL_REPORT_MAX_BYTES bounds;
 * repeated in the summary they were outside it). A name is escaped as JSON escapes it: the summary is one line.
 */
export function shortfallSourceNames(report: Pick<DrillReport, 'sources'>): string[] {
  return report.sources.filter((s) => s.notRestored !== undefined || s.backupLeftOut !== undefined).map((s) => escapedName(s.source));
}

/** `name` without raw control characters (a newline would forge a line of the summary, an ESC drive a terminal). */
export function escapedName(name: string): string {
  return JSON.stringify(name).slice(1, -1);
}

/** Why the backup did not hold them, counts only (the caller lists the skipped examples): "5000 skipped as archived or unreadable; 2 vanished between listing and reading". */
export function leftOutWhy(leftOut: Omit<Exclude<DrillBackupLeftOut, { unknown: string }>, 'skippedExamples'>): string {
  return [
    ...(leftOut.skipped > 0 ? [`${leftOut.skipped} skipped as archived or unreadable`] : []),
    ...(leftOut.vanished > 0 ? [`${leftOut.vanished} vanished between listing and reading`] : []),
    ...(leftOut.changedDuringRead > 0 ? [`${leftOut.changedDuringRead} changed while read, kept as read`] : []),
  ].join('; ');
}
