import { InvalidDurationError, parseDuration, sinceDate } from '../../../cli/duration-option';
import { InvalidInputError } from '../../../lambdas/runtime/errors';

/** The `--since` periods of the CLI. */

it.each([
  ['90m', 90 * 60_000],
  ['12h', 12 * 3_600_000],
  ['30d', 30 * 86_400_000],
  ['2w', 14 * 86_400_000],
])('reads %s', (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});

it.each(['', '30', 'd', '0d', '-3d', '1.5d', '30 days', '30D', '3y'])('refuses %j as bad input naming the option', (text) => {
  expect(() => parseDuration(text, '--since')).toThrow(InvalidDurationError);
  expect(() => parseDuration(text, '--since')).toThrow(InvalidInputError);
  expect(() => parseDuration(text, '--since')).toThrow(`--since must be a whole number followed by m, h, d or w (minutes, hours, days, weeks), as 30d or 12h; got ${JSON.stringify(text)}`);
});

it('counts a period back from now', () => {
  expect(sinceDate('90d', new Date('2026-11-30T12:00:00.000Z')).toISOString()).toBe('2026-09-01T12:00:00.000Z');
});
