/**
 * A retention duration as the config writes it: one or more `<count><unit>` groups, units h (hours),
 * d (days), w (weeks), m (calendar months), y (calendar years): "36h", "7d", "2w", "6m", "1y",
 * "1y6m". Months and years are calendar steps, not 30 or 365 days, clamped to the shorter month's last
 * day: "1m" back from 31 March is 28 or 29 February. restic's keep-within steps by calendar too but does
 * not clamp (Go's AddDate rolls 31 February over to 2 or 3 March), so the two differ at a month's end.
 * The steps are taken in UTC, not on the wall clock of the policy's timeZone (which only places the
 * hourly … yearly buckets): across a DST change in that zone the bound is an hour off the wall-clock
 * step, and at a month's end there (a UTC date in the next month) up to a few days.
 */
export type RetentionDuration = { readonly years: number; readonly months: number; readonly days: number; readonly hours: number; readonly text: string };

export class InvalidRetentionDurationError extends Error {
  override readonly name = 'InvalidRetentionDurationError';
}

const WHOLE = /^(?:\d+[hdwmy])+$/;
const GROUP = /(\d+)([hdwmy])/g;

/** Parses a duration, or throws InvalidRetentionDurationError saying what the syntax is. */
export function parseRetentionDuration(text: string): RetentionDuration {
  if (!WHOLE.test(text)) {
    throw new InvalidRetentionDurationError(`"${text}" is not a duration: write counts with units h, d, w, m (months) or y, such as "36h", "7d", "2w", "6m", "1y" or "1y6m"`);
  }
  const d = { years: 0, months: 0, days: 0, hours: 0 };
  for (const [, count, unit] of text.matchAll(GROUP)) {
    const n = Number(count);
    if (unit === 'y') d.years += n;
    else if (unit === 'm') d.months += n;
    else if (unit === 'w') d.days += 7 * n;
    else if (unit === 'd') d.days += n;
    else d.hours += n;
  }
  return { ...d, text };
}

/** The instant `duration` before `from`: calendar years and months (clamped to the month's last day), then days and hours of 24 and 1 hours. */
export function subtractDuration(from: Date, duration: RetentionDuration): Date {
  const at = new Date(from.getTime());
  const totalMonths = duration.years * 12 + duration.months;
  if (totalMonths > 0) {
    const day = at.getUTCDate();
    at.setUTCDate(1);
    at.setUTCMonth(at.getUTCMonth() - totalMonths);
    const lastDay = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0)).getUTCDate();
    at.setUTCDate(Math.min(day, lastDay));
  }
  return new Date(at.getTime() - duration.days * 86_400_000 - duration.hours * 3_600_000);
}
