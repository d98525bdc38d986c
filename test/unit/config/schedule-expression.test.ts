import { canonicalScheduleExpression, type CronExpression, InvalidScheduleExpressionError, parseScheduleExpression } from '../../../config/schedule-expression';

function cron(text: string): CronExpression {
  const parsed = parseScheduleExpression(text);
  if (parsed.kind !== 'cron') throw new Error(`${text} is not a cron expression`);
  return parsed;
}

/** The expression is rejected with an error whose field is `field` and whose message names it and says `reason`. */
function expectRejection(text: string, field: string, reason: string): void {
  let error: unknown;
  try {
    parseScheduleExpression(text);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(InvalidScheduleExpressionError);
  expect((error as InvalidScheduleExpressionError).field).toBe(field);
  expect((error as Error).message).toContain(`${text}": ${field}: `);
  expect((error as Error).message).toContain(reason);
}

const sorted = (set: ReadonlySet<number>): number[] => [...set].sort((a, b) => a - b);

describe('rate expressions', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(12 hours)', 43_200_000],
    ['rate(1 day)', 86_400_000],
    ['rate(7 days)', 604_800_000],
  ])('%s has a period of %i ms', (text, periodMs) => {
    expect(parseScheduleExpression(text)).toMatchObject({ kind: 'rate', periodMs });
  });

  it.each([
    ['rate(0 minutes)', 'rate value', 'not a positive integer'],
    ['rate(1.5 hours)', 'rate value', 'not a positive integer'],
    ['rate(5 weeks)', 'rate unit', 'not one of minute, minutes'],
    ['rate(1 minutes)', 'rate unit', 'singular unit: rate(1 minute)'],
    ['rate(5 minute)', 'rate unit', 'plural unit: rate(5 minutes)'],
    ['rate(5)', 'rate', 'must be "value unit"'],
  ])('rejects %s naming the %s', (text, field, reason) => {
    expectRejection(text, field, reason);
  });
});

describe('cron expressions', () => {
  it('reads lists, ranges, steps and names', () => {
    const parsed = cron('cron(0/15 8-10,22 ? JAN,MAR-MAY MON-FRI 2026-2030/2)');
    expect(sorted(parsed.minutes)).toEqual([0, 15, 30, 45]);
    expect(sorted(parsed.hours)).toEqual([8, 9, 10, 22]);
    expect(sorted(parsed.months)).toEqual([1, 3, 4, 5]);
    expect(parsed.dayOfMonth).toEqual({ kind: 'any' });
    expect(parsed.dayOfWeek).toEqual({ kind: 'days', days: new Set([2, 3, 4, 5, 6]) });
    expect(sorted(parsed.years)).toEqual([2026, 2028, 2030]);
  });

  it('reads * with a step, and a step from a start value to the end of the field', () => {
    expect(sorted(cron('cron(*/20 1/10 * * ? *)').minutes)).toEqual([0, 20, 40]);
    expect(sorted(cron('cron(*/20 1/10 * * ? *)').hours)).toEqual([1, 11, 21]);
  });

  it('reads L, LW and nW in day-of-month and L, nL and n#k in day-of-week', () => {
    expect(cron('cron(0 0 L * ? *)').dayOfMonth).toEqual({ kind: 'last' });
    expect(cron('cron(0 0 LW * ? *)').dayOfMonth).toEqual({ kind: 'lastWeekday' });
    expect(cron('cron(0 0 15W * ? *)').dayOfMonth).toEqual({ kind: 'nearestWeekday', day: 15 });
    expect(cron('cron(0 0 ? * L *)').dayOfWeek).toEqual({ kind: 'days', days: new Set([7]) });
    expect(cron('cron(0 0 ? * 6L *)').dayOfWeek).toEqual({ kind: 'lastInMonth', day: 6 });
    expect(cron('cron(0 0 ? * FRIL *)').dayOfWeek).toEqual({ kind: 'lastInMonth', day: 6 });
    expect(cron('cron(0 0 ? * 3#2 *)').dayOfWeek).toEqual({ kind: 'nthInMonth', day: 3, nth: 2 });
    expect(cron('cron(0 0 ? * TUE#2 *)').dayOfWeek).toEqual({ kind: 'nthInMonth', day: 3, nth: 2 });
  });

  it.each([
    ['cron(0 3 * * * *)', 'day-of-month/day-of-week', 'exactly one of the two must be ?'],
    ['cron(0 3 ? * ? *)', 'day-of-month/day-of-week', 'only one of the two may be ?'],
    ['cron(0 3 1 * MON *)', 'day-of-month/day-of-week', 'exactly one of the two must be ?'],
    ['cron(0 3 * * ?)', 'cron', 'has 5 field(s); it needs 6'],
    ['cron(60 3 * * ? *)', 'minutes', '60 is out of range 0-59'],
    ['cron(0 24 * * ? *)', 'hours', '24 is out of range 0-23'],
    ['cron(0 3 32 * ? *)', 'day-of-month', '32 is out of range 1-31'],
    ['cron(0 3 * 13 ? *)', 'month', '13 is out of range 1-12'],
    ['cron(0 3 * FOO ? *)', 'month', '"FOO" is not a number 1-12 or JAN-DEC'],
    ['cron(0 3 ? * 8 *)', 'day-of-week', '8 is out of range 1-7'],
    ['cron(0 3 ? * MON/2 *)', 'day-of-week', '/ is not allowed in day-of-week'],
    ['cron(0 3 ? * 3#2,5 *)', 'day-of-week', 'cannot be part of a list'],
    ['cron(0 3 ? * 3#6 *)', 'day-of-week', 'must be 1-5'],
    ['cron(0 3 ? * L-2 *)', 'day-of-week', 'L stands alone'],
    ['cron(0 3 1,L * ? *)', 'day-of-month', 'L and W stand alone'],
    ['cron(0 3 * * ? 1969)', 'year', '1969 is out of range 1970-2199'],
    ['cron(0 3 * * ? 2030-2026)', 'year', 'the range runs backwards'],
    ['cron(0/0 3 * * ? *)', 'minutes', 'the step after / must be a positive integer'],
    ['cron(0,,5 3 * * ? *)', 'minutes', 'has an empty list element'],
    ['cron(? 3 * * ? *)', 'minutes', '? is only allowed in day-of-month or day-of-week'],
  ])('rejects %s naming the %s field', (text, field, reason) => {
    expectRejection(text, field, reason);
  });
});

describe('at expressions', () => {
  it('reads a wall-clock time', () => {
    expect(parseScheduleExpression('at(2026-03-08T02:30:00)')).toEqual({
      kind: 'at',
      text: 'at(2026-03-08T02:30:00)',
      wall: { year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0 },
    });
  });

  it.each([
    ['at(2026-02-30T00:00:00)', 'at day', '2026-02 has no day 30'],
    ['at(2026-13-01T00:00:00)', 'at month', '13 is not 01-12'],
    ['at(2026-01-01T24:00:00)', 'at hour', '24 is not 00-23'],
    ['at(2026-01-01 10:00:00)', 'at', 'is not yyyy-mm-ddThh:mm:ss'],
  ])('rejects %s naming the %s', (text, field, reason) => {
    expectRejection(text, field, reason);
  });
});

it('rejects what is neither rate, cron nor at', () => {
  expect(() => parseScheduleExpression('every(5 minutes)')).toThrow('expression: must be rate(value unit), cron(');
});

it('gives each expression it parses in one spacing, the one deployed: none around it or inside its parentheses\' ends, one between fields', () => {
  for (const [written, deployed] of [
    [' cron(0 3 * * ? *) ', 'cron(0 3 * * ? *)'],
    ['cron( 0  3 *\t* ? * )', 'cron(0 3 * * ? *)'],
    ['rate( 5   minutes) ', 'rate(5 minutes)'],
    ['at( 2026-12-24T18:00:00 )', 'at(2026-12-24T18:00:00)'],
    ['rate(1 day)', 'rate(1 day)'],
  ] as const) {
    expect(() => parseScheduleExpression(written)).not.toThrow();
    expect([written, canonicalScheduleExpression(written)]).toEqual([written, deployed]);
  }
});
