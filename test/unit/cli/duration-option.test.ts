import { InvalidDurationError, parseDuration, sinceDate } from '../../../cli/duration-option';
import { InvalidInputError } from '../../../lambdas/runtime/errors';

/** The `--since` periods of the CLI. */

it.each([
  ['90min', 90 * 60_000],
  ['12h', 12 * 3_600_000],
  ['30d', 30 * 86_400_000],
  ['2w', 14 * 86_400_000],
])('reads %s', (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});

it.each(['', '30', 'd', '0d', '-3d', '1.5d', '30 days', '30D', '3yr'])('refuses %j as bad input naming the option', (text) => {
  expect(() => parseDuration(text, '--since')).toThrow(InvalidDurationError);
  expect(() => parseDuration(text, '--since')).toThrow(InvalidInputError);
  expect(() => parseDuration(text, '--since')).toThrow(
    `--since must be a whole number followed by min, h, d, w, mo or y (minutes, hours, days, weeks, calendar months, years), as 30d, 12h or 6mo; got ${JSON.stringify(text)}`,
  );
});

// Audit R25 F4: in retention `6m` is six months; `--since 6m` meant six minutes, and an auditor got no drills.
it('refuses a bare m, saying it could be minutes or months', () => {
  expect(() => sinceDate('6m', new Date('2026-11-30T12:00:00.000Z'))).toThrow(/got "6m" \("m" could be minutes or months: write min or mo\)$/);
});

it('counts a period back from now, months and years on the calendar', () => {
  const now = new Date('2026-11-30T12:00:00.000Z');
  expect(sinceDate('90d', now).toISOString()).toBe('2026-09-01T12:00:00.000Z');
  expect(sinceDate('6mo', now).toISOString()).toBe('2026-05-30T12:00:00.000Z');
  expect(sinceDate('1y', now).toISOString()).toBe('2025-11-30T12:00:00.000Z');
  expect(sinceDate('90min', now).toISOString()).toBe('2026-11-30T10:30:00.000Z');
  // Clamped to the month's last day, as retention counts months (review 42e F4).
  expect(sinceDate('1mo', new Date('2027-03-31T12:00:00.000Z')).toISOString()).toBe('2027-02-28T12:00:00.000Z');
  expect(sinceDate('1y', new Date('2028-02-29T12:00:00.000Z')).toISOString()).toBe('2027-02-28T12:00:00.000Z');
});
