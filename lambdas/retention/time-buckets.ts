/**
 * The calendar buckets of the GFS rules (hour, day, ISO week, month, year) of an instant, read on
 * the wall clock of a time zone: "the daily backup" of Berlin is per Berlin day. Across a DST
 * change the buckets follow the wall clock: the 23-hour spring day and the 25-hour autumn day are
 * one day each, and the autumn hour that repeats (02:00-03:00 twice in Berlin) is one hourly bucket.
 */
export type BucketUnit = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

export type CivilTime = { year: number; month: number; day: number; hour: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock year, month (1-12), day and hour (0-23) of `at` in `timeZone`. */
export function civilTime(at: Date, timeZone: string): CivilTime {
  const parts: Partial<Record<string, number>> = {};
  for (const part of formatterOf(timeZone).formatToParts(at)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts['year'] ?? 0, month: parts['month'] ?? 0, day: parts['day'] ?? 0, hour: parts['hour'] ?? 0 };
}

/** ISO 8601 week of a civil date: weeks start on Monday, week 1 holds the year's first Thursday (so 29 Dec may be week 1 of the next year). */
export function isoWeek(year: number, month: number, day: number): { weekYear: number; week: number } {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  // The Thursday of this week decides the week's year.
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const weekYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
  return { weekYear, week };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A key equal for two instants exactly when they fall into the same bucket of `unit` in `timeZone`. */
export function bucketKey(at: Date, unit: BucketUnit, timeZone: string): string {
  const t = civilTime(at, timeZone);
  switch (unit) {
    case 'hourly':
      return `${t.year}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}`;
    case 'daily':
      return `${t.year}-${pad(t.month)}-${pad(t.day)}`;
    case 'weekly': {
      const { weekYear, week } = isoWeek(t.year, t.month, t.day);
      return `${weekYear}-W${pad(week)}`;
    }
    case 'monthly':
      return `${t.year}-${pad(t.month)}`;
    case 'yearly':
      return String(t.year);
  }
}
