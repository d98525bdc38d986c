import { nextFireTime } from './next-fire-time';
import { type CronExpression, type ScheduleExpression } from './schedule-expression';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A fixed start, never the clock: the same plan gets the same answer on every synth. 2001 is a common year starting on a Monday. */
export const CRON_WINDOW_START = Date.UTC(2001, 0, 1);
/** Every year the cron field allows: a year list only ends a schedule, it does not space its fires. */
const EVERY_YEAR: ReadonlySet<number> = new Set(Array.from({ length: 200 }, (_, i) => 2000 + i));

/**
 * Years a cron's gaps are read over from CRON_WINDOW_START. A schedule of every day, or of weekdays, in every month: one
 * year. One whose days are otherwise picked by date or weekday alone:
 * 2001–2004, three common years and a leap one, whose 29 February both lengthens gaps across February (1 January and
 * 1 March: 59 days, 60 in a leap year) and shortens them (29th of every month: 29 February to 29 March, 696 h against
 * 720 h; review rC F3); gaps between weekdays do not depend on the weekday a year starts on. A schedule whose days are
 * picked by their place in the month (`L`, `W`, `#`): those depend on the weekday a month starts on, which with leap
 * years repeats every 28 years (1901–2099); such a schedule fires at most once a month a rule, so a few hundred days.
 */
export function cronCycleYears(expression: CronExpression): number {
  // Every day, or chosen weekdays, of every month: the fires repeat every week, and a year holds every gap (synth reads
  // this for each plan, ~20 ms a year of days).
  const everyDate = expression.dayOfMonth.kind === 'any' || (expression.dayOfMonth.kind === 'days' && expression.dayOfMonth.days.size === 31);
  const weekly = everyDate && (expression.dayOfWeek.kind === 'any' || expression.dayOfWeek.kind === 'days') && expression.months.size === 12;
  if (weekly) return 1;
  const byDate = (expression.dayOfMonth.kind === 'any' || expression.dayOfMonth.kind === 'days') && (expression.dayOfWeek.kind === 'any' || expression.dayOfWeek.kind === 'days');
  return byDate ? 4 : 28;
}

/**
 * Every gap between consecutive fires of a cron (in UTC, as Lifeboat deploys its schedules), ms, over `years` (cronCycleYears) from
 * its first fire at or after 2001-01-01 (the gap that runs past the window included); undefined when it never fires. UTC
 * has no DST, so every day the cron selects fires at the same times of day: the gaps are those within such a day and, for
 * each such day, the one from its last fire to the next day's first. The days come from nextFireTime at day granularity
 * (the cron with one time a day): at most 366 calls a year, where walking the fires themselves would be 525,600 a year
 * for a cron of every minute. The longest gap (backup schedules) and the shortest (drill schedules) are read from them.
 */
export function cronFireGapsMs(expression: CronExpression, years: number = cronCycleYears(expression)): number[] | undefined {
  const times = [...expression.hours].flatMap((hour) => [...expression.minutes].map((minute) => hour * 60 + minute)).sort((a, b) => a - b);
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const gaps = times.slice(1).map((time, i) => (time - (times[i] ?? time)) * MINUTE_MS);
  // The days it fires on: the same cron at 00:00 only, which nextFireTime finds a day at a time.
  const days: CronExpression = { ...expression, hours: new Set([0]), minutes: new Set([0]), years: EVERY_YEAR };
  const window = { timezone: 'UTC', createdAt: new Date(CRON_WINDOW_START) };
  const firstDay = nextFireTime(days, new Date(CRON_WINDOW_START), window)?.getTime();
  if (firstDay === undefined) return undefined;
  const end = firstDay + years * 366 * DAY_MS;
  let day = firstDay;
  while (day < end) {
    const next: number | undefined = nextFireTime(days, new Date(day + DAY_MS), window)?.getTime();
    if (next === undefined) break;
    gaps.push(next - day + (first - last) * MINUTE_MS);
    day = next;
  }
  return gaps;
}

/**
 * The gaps between consecutive fires of a schedule, ms: a `rate(...)`'s period, a `cron(...)`'s (cronFireGapsMs); undefined
 * for an `at(...)`, which fires once, or a cron that never fires. The longest (backup schedules against their RPO,
 * longest-schedule-gap.ts) and the shortest (drill schedules against the drill's timeout) are read from them.
 */
export function scheduleGapsMs(expression: ScheduleExpression): readonly number[] | undefined {
  switch (expression.kind) {
    case 'rate':
      return [expression.periodMs];
    case 'at':
      return undefined;
    case 'cron':
      return cronFireGapsMs(expression);
  }
}
