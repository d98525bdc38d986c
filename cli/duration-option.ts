import { subtractDuration } from '../config/retention-duration';
import { InvalidInputError } from '../lambdas/runtime/errors';

const UNIT_MS = { min: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
/** Calendar units, counted back on the calendar (UTC) as the retention rules count months and years. */
const CALENDAR_MONTHS = { mo: 1, y: 12 } as const;
type Unit = keyof typeof UNIT_MS | keyof typeof CALENDAR_MONTHS;

/** A duration option the user wrote wrong (`--since 30 days`); the message names the option and the accepted form. */
export class InvalidDurationError extends InvalidInputError {
  constructor(option: string, text: string) {
    const ambiguous = /^\s*\d+m\s*$/.test(text) ? ' ("m" could be minutes or months: write min or mo)' : '';
    super(`${option} must be a whole number followed by min, h, d, w, mo or y (minutes, hours, days, weeks, calendar months, years), as 30d, 12h or 6mo; got ${JSON.stringify(text)}${ambiguous}`);
  }
}

function parse(text: string, option: string): { amount: number; unit: Unit } {
  const match = /^(\d+)(min|mo|[hdwy])$/.exec(text.trim());
  const amount = match ? Number.parseInt(match[1] ?? '', 10) : Number.NaN;
  const unit = match?.[2] as Unit | undefined;
  if (unit === undefined || !Number.isSafeInteger(amount) || amount <= 0) throw new InvalidDurationError(option, text);
  return { amount, unit };
}

/**
 * `30d`, `12h`, `90min`, `2w` in milliseconds. A bare `m` is refused: in retention `6m` is six months,
 * and an auditor's `--since 6m` silently meant six minutes (audit R25 F4). Calendar units have no fixed length.
 */
export function parseDuration(text: string, option = '--since'): number {
  const { amount, unit } = parse(text, option);
  if (unit === 'mo' || unit === 'y') throw new InvalidDurationError(option, text);
  return amount * UNIT_MS[unit];
}

/** The start of a look-back period ending `now`: the CLI's `--since` options (months and years on the calendar). */
export function sinceDate(text: string, now: Date, option = '--since'): Date {
  const { amount, unit } = parse(text, option);
  // Clamped to the month's last day, as retention counts months (31 March less a month is 28 February; review 42e F4).
  if (unit === 'mo' || unit === 'y') return subtractDuration(now, { years: 0, months: amount * CALENDAR_MONTHS[unit], days: 0, hours: 0, text });
  return new Date(now.getTime() - amount * UNIT_MS[unit]);
}
