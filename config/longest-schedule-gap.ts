import { nextFireTime } from './next-fire-time';
import { type CronExpression, type ScheduleExpression } from './schedule-expression';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A fixed start, never the clock: the same plan gets the same answer on every synth. 2001 is a common year starting on a Monday. */
const WINDOW_START = Date.UTC(2001, 0, 1);
/** Every year the cron field allows: a year list only ends a schedule, it does not space its fires. */
const EVERY_YEAR: ReadonlySet<number> = new Set(Array.from({ length: 200 }, (_, i) => 2000 + i));

/**
 * The longest time a schedule of Lifeboat's (in UTC, as BackupSchedules deploys them) leaves between two consecutive fires, ms:
 * - `rate(...)`: its period;
 * - `cron(...)`: the longest gap between fires that begin within a year from the first fire at or after 2001-01-01 (the gap that
 *   runs past that year included, so a 29 February counts its four years). UTC has no DST, so every day the cron selects fires at
 *   the same times of day: the gap is the longer of the gap within such a day and the gap from one such day's last fire to the
 *   next one's first. The days come from nextFireTime at day granularity (the cron with one time a day): at most 366 calls,
 *   where walking the fires themselves would be 525,600 for a cron of every minute;
 * - `at(...)`: undefined, it fires once.
 */
export function longestScheduleGapMs(expression: ScheduleExpression): number | undefined {
  switch (expression.kind) {
    case 'rate':
      return expression.periodMs;
    case 'at':
      return undefined;
    case 'cron':
      return longestCronGapMs(expression);
  }
}

function longestCronGapMs(expression: CronExpression): number | undefined {
  const times = [...expression.hours].flatMap((hour) => [...expression.minutes].map((minute) => hour * 60 + minute)).sort((a, b) => a - b);
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined) return undefined;
  let longest = times.slice(1).reduce((gap, time, i) => Math.max(gap, (time - (times[i] ?? time)) * MINUTE_MS), 0);
  // The days it fires on: the same cron at 00:00 only, which nextFireTime finds a day at a time.
  const days: CronExpression = { ...expression, hours: new Set([0]), minutes: new Set([0]), years: EVERY_YEAR };
  const window = { timezone: 'UTC', createdAt: new Date(WINDOW_START) };
  const firstDay = nextFireTime(days, new Date(WINDOW_START), window)?.getTime();
  if (firstDay === undefined) return undefined;
  const end = firstDay + 366 * DAY_MS;
  let day = firstDay;
  while (day < end) {
    const next: number | undefined = nextFireTime(days, new Date(day + DAY_MS), window)?.getTime();
    if (next === undefined) break;
    longest = Math.max(longest, next - day + (first - last) * MINUTE_MS);
    day = next;
  }
  return longest;
}
