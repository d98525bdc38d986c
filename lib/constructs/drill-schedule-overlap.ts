import { type Duration } from 'aws-cdk-lib';
import { nextFireTime } from '../../config/next-fire-time';
import { type CronExpression, parseScheduleExpression, type ScheduleExpression } from '../../config/schedule-expression';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A fixed start, never the clock: the same plan gets the same answer on every synth. */
const WINDOW_START = Date.UTC(2001, 0, 1);
/**
 * Years scanned from WINDOW_START for a schedule whose days are picked by date or weekday alone: 2001–2004, three
 * common years and a leap one. A leap year can bring fires closer (cron(0 4 29 * ? *): 29 February to 29 March is
 * 696 h, where a common year's closest are 720 h apart; review rC F3), and only its 29 February differs, so one is enough.
 * Such a schedule's gaps between weekdays do not depend on the weekday a year starts on: every month holds four weeks.
 */
const LEAP_CYCLE_YEARS = 4;
/**
 * Years scanned for a schedule whose days are picked by their place in the month (`L`, `W`, `#`): those depend on the
 * weekday the month starts on, which with leap years repeats every 28 years (1901–2099). Such a schedule fires at most
 * once a month a rule, so the cycle costs a few hundred days where a daily schedule's four years cost ~1,460.
 */
const CALENDAR_CYCLE_YEARS = 28;
/** Every year the cron field allows: a year list only ends a schedule, it does not space its fires. */
const EVERY_YEAR: ReadonlySet<number> = new Set(Array.from({ length: 200 }, (_, i) => 2000 + i));

/**
 * The shortest time a schedule (in UTC, as DrillWorkflow deploys it) leaves between two consecutive fires, ms: a
 * `rate(...)`'s period; for a `cron(...)`, the shortest gap between fires within 4 years (28 for a day picked by its
 * place in the month) from the first fire at or after 2001-01-01, found as longestScheduleGapMs (config/longest-schedule-gap.ts) finds the longest: every day the cron
 * selects fires at the same times of day (UTC has no DST), so the gap is the shorter of the shortest within such a day
 * and the shortest from one such day's last fire to the next one's first; undefined for an `at(...)`, which fires once.
 */
export function shortestScheduleGapMs(expression: ScheduleExpression): number | undefined {
  switch (expression.kind) {
    case 'rate':
      return expression.periodMs;
    case 'at':
      return undefined;
    case 'cron':
      return shortestCronGapMs(expression);
  }
}

function shortestCronGapMs(expression: CronExpression): number | undefined {
  const times = [...expression.hours].flatMap((hour) => [...expression.minutes].map((minute) => hour * 60 + minute)).sort((a, b) => a - b);
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined) return undefined;
  let shortest = times.slice(1).reduce((gap, time, i) => Math.min(gap, (time - (times[i] ?? time)) * MINUTE_MS), Infinity);
  // The days it fires on: the same cron at 00:00 only, which nextFireTime finds a day at a time (at most ~1,460 calls).
  const days: CronExpression = { ...expression, hours: new Set([0]), minutes: new Set([0]), years: EVERY_YEAR };
  const window = { timezone: 'UTC', createdAt: new Date(WINDOW_START) };
  const firstDay = nextFireTime(days, new Date(WINDOW_START), window)?.getTime();
  if (firstDay === undefined) return undefined;
  const byDate = (expression.dayOfMonth.kind === 'any' || expression.dayOfMonth.kind === 'days') && (expression.dayOfWeek.kind === 'any' || expression.dayOfWeek.kind === 'days');
  const end = firstDay + (byDate ? LEAP_CYCLE_YEARS : CALENDAR_CYCLE_YEARS) * 366 * DAY_MS;
  let day = firstDay;
  while (day < end) {
    const next: number | undefined = nextFireTime(days, new Date(day + DAY_MS), window)?.getTime();
    if (next === undefined) break;
    shortest = Math.min(shortest, next - day + (first - last) * MINUTE_MS);
    day = next;
  }
  return Number.isFinite(shortest) ? shortest : undefined;
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
