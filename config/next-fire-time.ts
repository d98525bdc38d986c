import { type AtExpression, type CronExpression, daysInMonth, type RateExpression, type ScheduleExpression, type WallTime } from './schedule-expression';
import { instantsOfWallTime, wallTimeAt, wallTimeMs, zoneOffsetMs } from './zoned-wall-time';

/**
 * When a schedule fires next, as EventBridge Scheduler documents it:
 * - **rate**: first at StartDate, or without one when the schedule is created ("starts invoking the
 *   target immediately"), then every period after that; the time zone plays no part.
 * - **cron**: every wall-clock minute of the schedule's time zone that the fields select. A time the
 *   clocks skip in spring is skipped; a time the clocks repeat in autumn fires once, at its first
 *   occurrence. Years end at 2199, as the year field does.
 * - **at**: once, at that wall-clock time in the zone (a time inside a spring gap fires at the same
 *   distance after the gap's start, as the wall clock reads it with the old offset); StartDate and
 *   EndDate are ignored, as Scheduler ignores them for one-time schedules.
 * StartDate is inclusive and EndDate exclusive ("the date before which the schedule can invoke its target").
 */
export type FireTimeWindow = {
  /** IANA zone of ScheduleExpressionTimezone (default UTC). */
  timezone: string;
  startDate?: Date;
  endDate?: Date;
  /** When the schedule came to exist locally: a rate schedule without StartDate counts from here. */
  createdAt: Date;
};

const MINUTE_MS = 60_000;
/** Further than any DST shift: a wall time this far before the bound cannot reach it. */
const MAX_SHIFT_MS = 3 * 3_600_000;
const LAST_YEAR = 2199;

/** The first fire time at or after `notBefore`; undefined when the schedule never fires again. */
export function nextFireTime(expression: ScheduleExpression, notBefore: Date, window: FireTimeWindow): Date | undefined {
  switch (expression.kind) {
    case 'rate':
      return withinEnd(nextRate(expression, notBefore.getTime(), window), window);
    case 'at':
      return nextAt(expression, notBefore.getTime(), window.timezone);
    case 'cron':
      return withinEnd(nextCron(expression, Math.max(notBefore.getTime(), window.startDate?.getTime() ?? -Infinity), window.timezone), window);
  }
}

function withinEnd(instant: number | undefined, window: FireTimeWindow): Date | undefined {
  if (instant === undefined) return undefined;
  if (window.endDate && instant >= window.endDate.getTime()) return undefined;
  return new Date(instant);
}

function nextRate(expression: RateExpression, notBefore: number, window: FireTimeWindow): number {
  const anchor = (window.startDate ?? window.createdAt).getTime();
  if (notBefore <= anchor) return anchor;
  return anchor + Math.ceil((notBefore - anchor) / expression.periodMs) * expression.periodMs;
}

function nextAt(expression: AtExpression, notBefore: number, timezone: string): Date | undefined {
  const [first] = instantsOfWallTime(expression.wall, timezone);
  const wall = wallTimeMs(expression.wall);
  const instant = first ?? wall - zoneOffsetMs(wall - 86_400_000, timezone);
  return instant >= notBefore ? new Date(instant) : undefined;
}

function nextCron(expression: CronExpression, notBefore: number, timezone: string): number | undefined {
  // Cron times fall on whole minutes.
  const bound = Math.ceil(notBefore / MINUTE_MS) * MINUTE_MS;
  const start = wallTimeAt(bound, timezone);
  const boundWall = wallTimeMs(start);
  const hours = [...expression.hours].sort((a, b) => a - b);
  const minutes = [...expression.minutes].sort((a, b) => a - b);
  const lastYear = Math.min(LAST_YEAR, Math.max(...expression.years));
  // The day before the bound's local date too: with a DST shift, its late times may still lie ahead.
  const first = new Date(Date.UTC(start.year, start.month - 1, start.day - 1));
  for (let year = first.getUTCFullYear(); year <= lastYear; year++) {
    if (!expression.years.has(year)) continue;
    for (let month = year === first.getUTCFullYear() ? first.getUTCMonth() + 1 : 1; month <= 12; month++) {
      if (!expression.months.has(month)) continue;
      const firstDay = year === first.getUTCFullYear() && month === first.getUTCMonth() + 1 ? first.getUTCDate() : 1;
      for (const day of matchingDays(expression, year, month)) {
        if (day < firstDay) continue;
        for (const hour of hours) {
          for (const minute of minutes) {
            const wall: WallTime = { year, month, day, hour, minute, second: 0 };
            if (wallTimeMs(wall) < boundWall - MAX_SHIFT_MS) continue;
            // Skipped in a spring gap (no instant); fired once, at the first, in an autumn repeat.
            const [instant] = instantsOfWallTime(wall, timezone);
            if (instant !== undefined && instant >= bound) return instant;
          }
        }
      }
    }
  }
  return undefined;
}

/** Day of the week of a date, 1 = Sunday ... 7 = Saturday as in cron. */
function dayOfWeek(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

/** The days of one month both day fields allow (one of them is `?`), ascending. */
function matchingDays(expression: CronExpression, year: number, month: number): number[] {
  const last = daysInMonth(year, month);
  const all = Array.from({ length: last }, (_, i) => i + 1);
  const dom = expression.dayOfMonth;
  switch (dom.kind) {
    case 'days':
      return all.filter((d) => dom.days.has(d));
    case 'last':
      return [last];
    case 'lastWeekday': {
      const dow = dayOfWeek(year, month, last);
      return [dow === 7 ? last - 1 : dow === 1 ? last - 2 : last];
    }
    case 'nearestWeekday':
      return dom.day > last ? [] : [nearestWeekday(year, month, dom.day, last)];
    case 'any':
      break;
  }
  const dow = expression.dayOfWeek;
  switch (dow.kind) {
    case 'days':
      return all.filter((d) => dow.days.has(dayOfWeek(year, month, d)));
    case 'lastInMonth': {
      const matching = all.filter((d) => dayOfWeek(year, month, d) === dow.day);
      return matching.slice(-1);
    }
    case 'nthInMonth': {
      const nth = all.filter((d) => dayOfWeek(year, month, d) === dow.day)[dow.nth - 1];
      return nth === undefined ? [] : [nth];
    }
    case 'any':
      return all;
  }
}

/** `nW`: day n when a weekday, else the nearest weekday without leaving the month (Quartz's rule). */
function nearestWeekday(year: number, month: number, day: number, last: number): number {
  const dow = dayOfWeek(year, month, day);
  if (dow === 7) return day === 1 ? day + 2 : day - 1;
  if (dow === 1) return day === last ? day - 2 : day + 1;
  return day;
}
