import { type Duration } from 'aws-cdk-lib';
import { scheduleGapsMs } from '../../config/cron-fire-gaps';
import { parseScheduleExpression, type ScheduleExpression } from '../../config/schedule-expression';

/**
 * The shortest time a schedule (in UTC, as DrillWorkflow deploys it) leaves between two consecutive fires, ms: a
 * `rate(...)`'s period; a `cron(...)`'s shortest gap between fires within cronCycleYears from the first fire at or after
 * 2001-01-01 (config/cron-fire-gaps.ts); undefined for an `at(...)`, which fires once.
 */
export function shortestScheduleGapMs(expression: ScheduleExpression): number | undefined {
  const gaps = scheduleGapsMs(expression);
  if (gaps === undefined || gaps.length === 0) return undefined;
  return gaps.reduce((shortest, gap) => Math.min(shortest, gap), Infinity);
}

/** What the overlap check needs of a plan and of its drill. */
export type DrilledPlan = { readonly name: string; readonly sources: readonly unknown[]; readonly drill?: { readonly schedule: string } };

/**
 * The synth warning for a plan whose drill restores in more than one wave (more than INLINE_MAP_CONCURRENCY sources) and
 * whose drill schedule fires again before the drill's timeout (`timeout`, drillTimeouts for its sources): drills take no
 * lease, so such a drill may run beside the next one, each with its own scratch targets, pins and record (docs/RUNBOOKS.md,
 * "More than 40 sources"). A one-wave drill is left alone: its timeout (24 h, 72 h with an archive tier) is a bound on a
 * restore that went wrong, not a duration its waves make it take. Undefined when the schedule is long enough, fires once, or
 * the plan has no drill.
 */
export function drillOutlastsScheduleWarning(plan: DrilledPlan, waves: number, timeout: Duration): string | undefined {
  if (plan.drill === undefined || waves <= 1) return undefined;
  const gapMs = shortestScheduleGapMs(parseScheduleExpression(plan.drill.schedule));
  const timeoutMs = timeout.toMilliseconds();
  if (gapMs === undefined || gapMs >= timeoutMs) return undefined;
  const hours = (ms: number): string => `${Number((ms / 3_600_000).toFixed(1))} h`;
  return (
    `plan "${plan.name}": its ${plan.sources.length} sources restore in ${waves} waves in a drill, whose timeout is ${hours(timeoutMs)}, ` +
    `but its drill schedule ${plan.drill.schedule} fires every ${hours(gapMs)} at the shortest: a drill that runs that long runs beside the next one ` +
    `(drills take no lease; each has its own scratch targets, pins and record). Give the plan's drill a schedule at least ${hours(timeoutMs)} apart ` +
    `(weekly, as the sample's: cron(0 4 ? * SUN *)), or split its sources over plans of 40 or fewer (docs/RUNBOOKS.md, "More than 40 sources")`
  );
}
