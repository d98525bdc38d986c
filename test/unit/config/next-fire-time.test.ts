import { InvalidTimezoneError } from '../../../config/invalid-timezone-error';
import { type FireTimeWindow, nextFireTime } from '../../../config/next-fire-time';
import { parseScheduleExpression } from '../../../config/schedule-expression';
import { assertTimezone } from '../../../config/zoned-wall-time';

const created = new Date('2026-01-01T00:00:00Z');
const utc: FireTimeWindow = { timezone: 'UTC', createdAt: created };

/** The next `count` fire times from `from`, each found from one millisecond after the previous one. */
function fireTimes(expression: string, from: string, count: number, window: Partial<FireTimeWindow> = {}): string[] {
  const parsed = parseScheduleExpression(expression);
  const times: string[] = [];
  let notBefore = new Date(from);
  for (let i = 0; i < count; i++) {
    const next = nextFireTime(parsed, notBefore, { ...utc, ...window });
    if (!next) break;
    times.push(next.toISOString());
    notBefore = new Date(next.getTime() + 1);
  }
  return times;
}

describe('rate', () => {
  it('fires when created, then every period', () => {
    expect(fireTimes('rate(1 minute)', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']);
  });

  it('keeps its cadence from the creation time when asked later', () => {
    expect(fireTimes('rate(2 hours)', '2026-01-01T05:00:00Z', 1)).toEqual(['2026-01-01T06:00:00.000Z']);
  });

  it('starts at StartDate and stops before EndDate', () => {
    const window = { startDate: new Date('2026-02-01T10:30:00Z'), endDate: new Date('2026-02-03T10:30:00Z') };
    expect(fireTimes('rate(1 day)', '2026-01-15T00:00:00Z', 5, window)).toEqual(['2026-02-01T10:30:00.000Z', '2026-02-02T10:30:00.000Z']);
  });

  it('ignores the time zone: 24 hours stay 24 hours across a DST change', () => {
    const window = { timezone: 'America/New_York', startDate: new Date('2026-03-07T12:00:00Z') };
    expect(fireTimes('rate(1 day)', '2026-03-07T00:00:00Z', 2, window)).toEqual(['2026-03-07T12:00:00.000Z', '2026-03-08T12:00:00.000Z']);
  });
});

describe('cron', () => {
  it('fires on whole minutes of the selected hours, with steps', () => {
    expect(fireTimes('cron(0/20 9-10 * * ? *)', '2026-05-05T09:30:10Z', 4)).toEqual([
      '2026-05-05T09:40:00.000Z',
      '2026-05-05T10:00:00.000Z',
      '2026-05-05T10:20:00.000Z',
      '2026-05-05T10:40:00.000Z',
    ]);
  });

  it('counts an exact match as due', () => {
    expect(fireTimes('cron(0 3 * * ? *)', '2026-05-05T03:00:00Z', 1)).toEqual(['2026-05-05T03:00:00.000Z']);
  });

  it('L is the last day of each month, leap February included', () => {
    expect(fireTimes('cron(0 0 L * ? *)', '2028-01-15T00:00:00Z', 3)).toEqual(['2028-01-31T00:00:00.000Z', '2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z']);
  });

  it('LW is the last weekday, nW the weekday nearest day n without leaving the month', () => {
    // 2026-05-31 is a Sunday, so LW is Friday the 29th.
    expect(fireTimes('cron(0 0 LW 5 ? 2026)', '2026-05-01T00:00:00Z', 1)).toEqual(['2026-05-29T00:00:00.000Z']);
    // 2026-08-15 is a Saturday → Friday 14th; 2026-02-01 is a Sunday → Monday 2nd; 2026-08-01 a Saturday → Monday 3rd.
    expect(fireTimes('cron(0 0 15W 8 ? 2026)', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-08-14T00:00:00.000Z']);
    expect(fireTimes('cron(0 0 1W 2 ? 2026)', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-02-02T00:00:00.000Z']);
    expect(fireTimes('cron(0 0 1W 8 ? 2026)', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-08-03T00:00:00.000Z']);
  });

  it('n#k is the k-th weekday n of the month and skips months without one', () => {
    // Second Tuesdays of 2026.
    expect(fireTimes('cron(30 4 ? * 3#2 *)', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-13T04:30:00.000Z', '2026-02-10T04:30:00.000Z', '2026-03-10T04:30:00.000Z']);
    // Fifth Fridays: January, May, July 2026 have one; the months between do not.
    expect(fireTimes('cron(0 12 ? * FRI#5 *)', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-30T12:00:00.000Z', '2026-05-29T12:00:00.000Z', '2026-07-31T12:00:00.000Z']);
  });

  it('nL is the last weekday n of the month; L alone in day-of-week is Saturday', () => {
    expect(fireTimes('cron(0 18 ? * 6L *)', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-30T18:00:00.000Z', '2026-02-27T18:00:00.000Z']);
    expect(fireTimes('cron(0 18 ? * L *)', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-03T18:00:00.000Z']);
  });

  it('weekday names and ranges select the days of the week', () => {
    // 2026-01-02 is a Friday: next MON-FRI times are Fri 2nd, Mon 5th.
    expect(fireTimes('cron(0 8 ? * MON-FRI *)', '2026-01-02T00:00:00Z', 2)).toEqual(['2026-01-02T08:00:00.000Z', '2026-01-05T08:00:00.000Z']);
  });

  it('never fires for a date that does not exist, and stops after the last listed year', () => {
    expect(fireTimes('cron(0 0 31 2 ? *)', '2026-01-01T00:00:00Z', 1)).toEqual([]);
    expect(fireTimes('cron(0 0 1 1 ? 2027)', '2026-06-01T00:00:00Z', 2)).toEqual(['2027-01-01T00:00:00.000Z']);
  });

  it('is evaluated in the schedule time zone', () => {
    expect(fireTimes('cron(0 9 * * ? *)', '2026-07-01T00:00:00Z', 1, { timezone: 'Europe/Paris' })).toEqual(['2026-07-01T07:00:00.000Z']);
    expect(fireTimes('cron(0 9 * * ? *)', '2026-01-01T00:00:00Z', 1, { timezone: 'Asia/Kolkata' })).toEqual(['2026-01-01T03:30:00.000Z']);
  });

  it('skips a time the clocks jump over in spring (America/New_York, 2026-03-08 02:00 → 03:00)', () => {
    expect(fireTimes('cron(30 2 * * ? *)', '2026-03-07T00:00:00Z', 3, { timezone: 'America/New_York' })).toEqual([
      '2026-03-07T07:30:00.000Z',
      // 2026-03-08 02:30 does not exist in New York.
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('fires a time the clocks repeat in autumn once, at its first occurrence (2026-11-01 01:30 EDT)', () => {
    expect(fireTimes('cron(30 1 * * ? *)', '2026-10-31T00:00:00Z', 3, { timezone: 'America/New_York' })).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
    // Asked during the repeated hour (01:15 EST, after 01:30 EDT has fired): the next one is the following day.
    expect(fireTimes('cron(30 1 * * ? *)', '2026-11-01T06:15:00Z', 1, { timezone: 'America/New_York' })).toEqual(['2026-11-02T06:30:00.000Z']);
  });

  it('an hourly schedule keeps firing every real hour through both DST changes', () => {
    expect(fireTimes('cron(0 * * * ? *)', '2026-03-08T06:00:00Z', 3, { timezone: 'America/New_York' })).toEqual([
      '2026-03-08T06:00:00.000Z', // 01:00 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT (02:00 skipped)
      '2026-03-08T08:00:00.000Z',
    ]);
    expect(fireTimes('cron(0 * * * ? *)', '2026-11-01T04:00:00Z', 3, { timezone: 'America/New_York' })).toEqual([
      '2026-11-01T04:00:00.000Z', // 00:00 EDT
      '2026-11-01T05:00:00.000Z', // 01:00 EDT, fired once
      '2026-11-01T07:00:00.000Z', // 02:00 EST
    ]);
  });

  it('honours StartDate and EndDate', () => {
    const window = { startDate: new Date('2026-01-10T00:00:00Z'), endDate: new Date('2026-01-12T03:00:00Z') };
    expect(fireTimes('cron(0 3 * * ? *)', '2026-01-01T00:00:00Z', 5, window)).toEqual(['2026-01-10T03:00:00.000Z', '2026-01-11T03:00:00.000Z']);
  });
});

describe('at', () => {
  it('fires once at the wall-clock time of its zone, ignoring StartDate and EndDate', () => {
    const window = { timezone: 'Europe/Paris', startDate: new Date('2030-01-01T00:00:00Z'), endDate: new Date('2026-01-02T00:00:00Z') };
    expect(fireTimes('at(2026-06-15T12:00:00)', '2026-01-01T00:00:00Z', 2, window)).toEqual(['2026-06-15T10:00:00.000Z']);
  });

  it('never fires once its time has passed', () => {
    expect(fireTimes('at(2026-06-15T12:00:00)', '2026-06-15T12:00:01Z', 1)).toEqual([]);
  });

  it('moves a time inside a spring gap past the gap', () => {
    expect(fireTimes('at(2026-03-08T02:30:00)', '2026-01-01T00:00:00Z', 1, { timezone: 'America/New_York' })).toEqual(['2026-03-08T07:30:00.000Z']);
  });
});

it('rejects a time zone Intl does not know, naming it', () => {
  expect(() => assertTimezone('Mars/Olympus_Mons')).toThrow(InvalidTimezoneError);
  expect(() => assertTimezone('Mars/Olympus_Mons')).toThrow('Unknown time zone "Mars/Olympus_Mons"');
});
