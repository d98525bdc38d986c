import { type RetentionConfig } from '../../../../config/lifeboat-config';
import { parseRetentionDuration, subtractDuration } from '../../../../config/retention-duration';
import { decideRetention, type RetentionCandidate, type RetentionDecision } from '../../../../lambdas/retention/decide-retention';
import { CLOCK_SKEW_MS } from '../../../../lambdas/catalog/future-start';
import { bucketKey, type BucketUnit } from '../../../../lambdas/retention/time-buckets';

/** A committed backup started at `startedAt` (its id is its time, so tables read easily). */
function backup(startedAt: string, extra: Partial<RetentionCandidate> = {}): RetentionCandidate {
  return { backupId: `b-${startedAt}`, status: 'COMMITTED', startedAt, ...extra };
}

const kept = (decisions: readonly RetentionDecision[]): string[] => decisions.filter((d) => d.keep).map((d) => d.backupId);
const reasonsOf = (decisions: readonly RetentionDecision[], id: string): readonly string[] | undefined => decisions.find((d) => d.backupId === id)?.reasons;

describe('calendar buckets on the wall clock of a time zone, across DST (Europe/Berlin, 2026)', () => {
  it.each<[string, BucketUnit, string, string]>([
    // Spring forward: 29 March, 02:00 CET becomes 03:00 CEST (01:00 UTC).
    ['2026-03-28T22:59:59Z', 'daily', 'Europe/Berlin', '2026-03-28'],
    ['2026-03-28T23:00:00Z', 'daily', 'Europe/Berlin', '2026-03-29'],
    ['2026-03-28T23:30:00Z', 'daily', 'UTC', '2026-03-28'],
    ['2026-03-29T00:59:59Z', 'hourly', 'Europe/Berlin', '2026-03-29T01'],
    ['2026-03-29T01:00:00Z', 'hourly', 'Europe/Berlin', '2026-03-29T03'],
    // The 23-hour day ends at 22:00 UTC.
    ['2026-03-29T21:59:59Z', 'daily', 'Europe/Berlin', '2026-03-29'],
    ['2026-03-29T22:00:00Z', 'daily', 'Europe/Berlin', '2026-03-30'],
    ['2026-03-29T21:59:59Z', 'weekly', 'Europe/Berlin', '2026-W13'],
    ['2026-03-29T22:00:00Z', 'weekly', 'Europe/Berlin', '2026-W14'],
    ['2026-03-29T22:00:00Z', 'weekly', 'UTC', '2026-W13'],
    // Fall back: 25 October, 03:00 CEST becomes 02:00 CET (01:00 UTC); 02:xx happens twice, one bucket.
    ['2026-10-25T00:30:00Z', 'hourly', 'Europe/Berlin', '2026-10-25T02'],
    ['2026-10-25T01:30:00Z', 'hourly', 'Europe/Berlin', '2026-10-25T02'],
    ['2026-10-25T02:00:00Z', 'hourly', 'Europe/Berlin', '2026-10-25T03'],
    // The 25-hour day ends at 23:00 UTC.
    ['2026-10-25T22:59:59Z', 'daily', 'Europe/Berlin', '2026-10-25'],
    ['2026-10-25T23:00:00Z', 'daily', 'Europe/Berlin', '2026-10-26'],
    ['2026-10-31T23:30:00Z', 'monthly', 'Europe/Berlin', '2026-11'],
    ['2026-10-31T23:30:00Z', 'monthly', 'UTC', '2026-10'],
    ['2026-12-31T23:30:00Z', 'yearly', 'Europe/Berlin', '2027'],
    // ISO weeks at the turn of the year: 2026 has 53 of them; 29 Dec 2025 is in week 1 of 2026.
    ['2025-12-29T12:00:00Z', 'weekly', 'UTC', '2026-W01'],
    ['2026-12-31T12:00:00Z', 'weekly', 'UTC', '2026-W53'],
    ['2027-01-03T12:00:00Z', 'weekly', 'UTC', '2026-W53'],
    ['2027-01-04T12:00:00Z', 'weekly', 'UTC', '2027-W01'],
    // West of UTC: New York's spring forward is 8 March 2026 at 07:00 UTC.
    ['2026-03-08T06:59:00Z', 'hourly', 'America/New_York', '2026-03-08T01'],
    ['2026-03-08T07:00:00Z', 'hourly', 'America/New_York', '2026-03-08T03'],
    ['2026-03-09T03:59:00Z', 'daily', 'America/New_York', '2026-03-08'],
    ['2026-03-09T04:00:00Z', 'daily', 'America/New_York', '2026-03-09'],
  ])('%s %s in %s is %s', (at, unit, zone, key) => {
    expect(bucketKey(new Date(at), unit, zone)).toBe(key);
  });

  it('keeps the newest backup of each Berlin day through the 25-hour day, where UTC days split differently', () => {
    const backups = [backup('2026-10-24T22:30:00Z'), backup('2026-10-25T22:30:00Z'), backup('2026-10-25T23:30:00Z')];
    const now = new Date('2026-10-27T00:00:00Z');
    // Berlin: 25 Oct 00:30 CEST, 25 Oct 23:30 CET, 26 Oct 00:30 CET.
    expect(kept(decideRetention(backups, { keepDaily: 2, timeZone: 'Europe/Berlin' }, now))).toEqual(['b-2026-10-25T23:30:00Z', 'b-2026-10-25T22:30:00Z']);
    // UTC: 24 Oct, 25 Oct, 25 Oct.
    expect(kept(decideRetention(backups, { keepDaily: 2 }, now))).toEqual(['b-2026-10-25T23:30:00Z', 'b-2026-10-24T22:30:00Z']);
  });

  it('counts the repeated autumn hour as one hourly bucket', () => {
    const backups = [backup('2026-10-25T00:10:00Z'), backup('2026-10-25T00:50:00Z'), backup('2026-10-25T01:10:00Z'), backup('2026-10-25T01:50:00Z')];
    const decisions = decideRetention(backups, { keepHourly: 24, timeZone: 'Europe/Berlin' }, new Date('2026-10-26T00:00:00Z'));
    // All four are at 02:xx Berlin time (twice over): one bucket.
    expect(kept(decisions)).toEqual(['b-2026-10-25T01:50:00Z']);
    expect(kept(decideRetention(backups, { keepHourly: 24 }, new Date('2026-10-26T00:00:00Z')))).toEqual(['b-2026-10-25T01:50:00Z', 'b-2026-10-25T00:50:00Z']);
  });
});

describe('the decision and its reasons', () => {
  // Two backups a day (06:00 and 18:00 UTC) from 1 to 20 March 2026.
  const history: RetentionCandidate[] = [];
  for (let day = 1; day <= 20; day++) for (const hour of ['06', '18']) history.push(backup(`2026-03-${String(day).padStart(2, '0')}T${hour}:00:00Z`));
  const now = new Date('2026-03-21T00:00:00Z');

  it('gives restic-like reasons for every kept backup and none for a forgotten one, newest first', () => {
    const decisions = decideRetention(history, { keepLast: 3, keepDaily: 4, keepWeekly: 2, keepMonthly: 1, keepYearly: 1 }, now);
    expect(decisions.map((d) => d.backupId)).toEqual([...history].reverse().map((b) => b.backupId));
    expect(reasonsOf(decisions, 'b-2026-03-20T18:00:00Z')).toEqual(['last 3', 'daily snapshot', 'weekly snapshot', 'monthly snapshot', 'yearly snapshot']);
    expect(reasonsOf(decisions, 'b-2026-03-20T06:00:00Z')).toEqual(['last 3']);
    expect(reasonsOf(decisions, 'b-2026-03-19T18:00:00Z')).toEqual(['last 3', 'daily snapshot']);
    expect(reasonsOf(decisions, 'b-2026-03-17T18:00:00Z')).toEqual(['daily snapshot']);
    // 15 March 2026 is a Sunday: the newest backup of ISO week 11.
    expect(reasonsOf(decisions, 'b-2026-03-15T18:00:00Z')).toEqual(['weekly snapshot']);
    expect(decisions.find((d) => d.backupId === 'b-2026-03-16T18:00:00Z')).toEqual({ backupId: 'b-2026-03-16T18:00:00Z', startedAt: '2026-03-16T18:00:00Z', status: 'COMMITTED', keep: false, reasons: [] });
    expect(kept(decisions)).toEqual(['b-2026-03-20T18:00:00Z', 'b-2026-03-20T06:00:00Z', 'b-2026-03-19T18:00:00Z', 'b-2026-03-18T18:00:00Z', 'b-2026-03-17T18:00:00Z', 'b-2026-03-15T18:00:00Z']);
  });

  it('keeps within a duration of the newest backup, not of now, and nothing younger than minAge', () => {
    const decisions = decideRetention(history, { keepLast: 1, keepWithin: '36h', minAge: '3d' }, new Date('2026-03-22T00:00:00Z'));
    // Newest: 20 Mar 18:00; 36 h before it is 19 Mar 06:00 (kept, inclusive).
    expect(reasonsOf(decisions, 'b-2026-03-19T06:00:00Z')).toEqual(['younger than minAge 3d', 'within 36h']);
    // minAge 3d before 22 Mar 00:00 is 19 Mar 00:00: 18 Mar 18:00 is older.
    expect(reasonsOf(decisions, 'b-2026-03-18T18:00:00Z')).toEqual([]);
    expect(kept(decisions)).toEqual(['b-2026-03-20T18:00:00Z', 'b-2026-03-20T06:00:00Z', 'b-2026-03-19T18:00:00Z', 'b-2026-03-19T06:00:00Z']);
  });

  it('keeps held, running and failed backups whatever the policy, and always the newest committed one', () => {
    const backups = [
      backup('2026-01-01T00:00:00Z', { hold: { reason: 'case 42', by: 'ann', at: '2026-02-01T00:00:00Z' } }),
      backup('2026-01-02T00:00:00Z'),
      backup('2026-01-03T00:00:00Z', { status: 'FAILED' }),
      backup('2026-01-04T00:00:00Z'),
      backup('2026-01-05T00:00:00Z', { status: 'RUNNING' }),
    ];
    const decisions = decideRetention(backups, { keepWithin: '1h' }, new Date('2026-06-01T00:00:00Z'));
    expect(decisions.map((d) => [d.backupId, d.keep, d.reasons])).toEqual([
      ['b-2026-01-05T00:00:00Z', true, ['running: only committed backups are forgotten']],
      ['b-2026-01-04T00:00:00Z', true, ['within 1h']],
      ['b-2026-01-03T00:00:00Z', true, ['failed: only committed backups are forgotten']],
      ['b-2026-01-02T00:00:00Z', false, []],
      ['b-2026-01-01T00:00:00Z', true, ['legal hold: case 42']],
    ]);
    // A rule that reaches no backup still keeps the newest committed one.
    expect(reasonsOf(decideRetention(backups, { keepHourly: 0, keepLast: undefined, minAge: '1h', keepMonthly: 0, keepDaily: 0 }, new Date('2026-06-01T00:00:00Z')), 'b-2026-01-04T00:00:00Z')).toEqual(['newest backup']);
  });

  it('keeps a backup a running restore pinned, saying by whom and until when; an expired pin counts for nothing', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const pin = (by: string, until: string) => ({ until, by, at: '2026-05-31T00:00:00Z' });
    const backups = [
      backup('2026-01-01T00:00:00Z', { pins: { 'r-old': pin('restore r-old', '2026-05-31T23:59:59Z') } }),
      backup('2026-01-02T00:00:00Z', { pins: { 'r-2': pin('restore r-2', '2026-06-02T00:00:00Z'), 'r-1': pin('restore r-1', '2026-06-01T12:00:00Z') } }),
      backup('2026-01-03T00:00:00Z'),
      backup('2026-01-04T00:00:00Z', { pins: { 'r-4': pin('restore r-4', '2026-06-02T00:00:00Z') } }),
    ];
    expect(decideRetention(backups, { keepLast: 1 }, now).map((d) => [d.backupId, d.keep, d.reasons])).toEqual([
      // As a held backup, a pinned one is counted by the rules all the same: it is the last 1 too.
      ['b-2026-01-04T00:00:00Z', true, ['pinned by restore r-4 until 2026-06-02T00:00:00.000Z', 'last 1']],
      ['b-2026-01-03T00:00:00Z', false, []],
      ['b-2026-01-02T00:00:00Z', true, ['pinned by restore r-1 until 2026-06-01T12:00:00.000Z', 'pinned by restore r-2 until 2026-06-02T00:00:00.000Z']],
      // Its pin's time has passed (a restore that died): forgotten as if it had none.
      ['b-2026-01-01T00:00:00Z', false, []],
    ]);
  });

  // Review r65T F1: NaN is never ahead of now, so a pin whose until is no time kept nothing and the pinned backup was
  // forgotten. Retention keeps what it cannot read: the pin keeps the backup, its text shown escaped and cut, to be fixed.
  it('keeps a backup pinned until a text that is no time, showing the text and saying to fix it', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const pin = (until: string) => ({ 'r-1': { until, by: 'restore r-1', at: '2026-05-31T00:00:00Z' } });
    const long = `forever and ever${'!'.repeat(60)}`;
    const backups = [
      backup('2026-01-01T00:00:00Z', { pins: pin('forever') }),
      backup('2026-01-02T00:00:00Z', { pins: pin('31/12/2026') }),
      backup('2026-01-03T00:00:00Z', { pins: pin('forever\u001b[2K') }),
      backup('2026-01-04T00:00:00Z', { pins: pin(long) }),
      backup('2026-01-05T00:00:00Z'),
    ];
    expect(decideRetention(backups, { keepLast: 1 }, now).map((d) => [d.backupId, d.keep, d.reasons])).toEqual([
      ['b-2026-01-05T00:00:00Z', true, ['last 1']],
      ['b-2026-01-04T00:00:00Z', true, [expect.stringMatching(/^pinned by restore r-1 until forever and ever!+…!+ \(cut from 76 characters, sha256 [0-9a-f]+\) \(not a time\): fix the pin's until, or remove the pin, in the backup's catalog record \(its pins map; docs\/RUNBOOKS.md, Running restores\)$/)]],
      ['b-2026-01-03T00:00:00Z', true, ["pinned by restore r-1 until forever\\u001b[2K (not a time): fix the pin's until, or remove the pin, in the backup's catalog record (its pins map; docs/RUNBOOKS.md, Running restores)"]],
      ['b-2026-01-02T00:00:00Z', true, ["pinned by restore r-1 until 31/12/2026 (not a time): fix the pin's until, or remove the pin, in the backup's catalog record (its pins map; docs/RUNBOOKS.md, Running restores)"]],
      ['b-2026-01-01T00:00:00Z', true, ["pinned by restore r-1 until forever (not a time): fix the pin's until, or remove the pin, in the backup's catalog record (its pins map; docs/RUNBOOKS.md, Running restores)"]],
    ]);
  });

  it("shows a hold's reason, a pin's by and until and a source's name escaped in the reasons, as they are any strings of a record (f62T)", () => {
    const forged = 'case 42\n\u001b[31m\u009b\u202e';
    const shown = 'case 42\\u000a\\u001b[31m\\u009b\\u202e';
    const now = new Date('2026-06-01T00:00:00Z');
    const backups = [
      backup('2026-01-03T00:00:00Z', { sources: [{ name: 'orders' }] }),
      backup('2026-01-02T00:00:00Z', { hold: { reason: forged, by: 'ann', at: '2026-02-01T00:00:00Z' }, pins: { 'r-1': { by: forged, until: '2026-06-02T00:00:00Z', at: '2026-05-31T00:00:00Z' } } }),
      backup('2026-01-01T00:00:00Z', { sources: [{ name: forged }] }),
    ];
    const decisions = decideRetention(backups, { keepLast: 1 }, now);
    expect(reasonsOf(decisions, 'b-2026-01-02T00:00:00Z')).toEqual([`legal hold: ${shown}`, `pinned by ${shown} until 2026-06-02T00:00:00.000Z`]);
    expect(reasonsOf(decisions, 'b-2026-01-01T00:00:00Z')).toEqual([`last 1 of source ${shown}`]);
    for (const reason of decisions.flatMap((d) => d.reasons)) expect(reason).not.toMatch(/\p{Cc}|\u202e/u);
  });

  // Review r63AA F1: the reasons showed a pin's by and until, a hold's reason and a source's name to 200 characters, and
  // a valid record's pin (`until` a "(comment)" Date.parse skips) spelled another record's delete in the forget report,
  // beside its real `delete:` lines. They are cut at 40, `until` shown as the instant it parses to; a restore's own
  // `restore <restoreId>` stays whole (F2: the CLI's restore ids are 49 characters).
  it("cuts a record's pin, hold reason and source name at 40 and shows a pin's until as an instant: no delete is spelled", () => {
    const victim = "aws dynamodb delete-item --table-name lifeboat-prod-catalog --key 'pk={S=BACKUP#victim},sk={S=BACKUP}'";
    const now = new Date('2026-06-01T00:00:00Z');
    const backups = [
      backup('2026-01-03T00:00:00Z', { sources: [{ name: 'orders' }] }),
      backup('2026-01-02T00:00:00Z', {
        hold: { reason: `x; ${victim}`, by: 'ann', at: '2026-02-01T00:00:00Z' },
        pins: { a: { by: `x; ${victim}`, until: `(${victim}) Dec 31 2099 12:00 GMT`, at: '2026-05-31T00:00:00Z' }, b: { by: 'restore lifeboat-restore-20261207T102030Z-0a1b2c3d4e5f', until: '2026-06-02T00:00:00Z', at: '2026-05-31T00:00:00Z' } },
      }),
      backup('2026-01-01T00:00:00Z', { sources: [{ name: `s ${victim}` }] }),
    ];
    const reasons = decideRetention(backups, { keepLast: 1 }, now).flatMap((d) => d.reasons);
    expect(reasons.join('\n')).not.toContain('BACKUP#victim');
    expect(reasons).toContain('pinned by restore lifeboat-restore-20261207T102030Z-0a1b2c3d4e5f until 2026-06-02T00:00:00.000Z');
    expect(reasons.find((r) => r.startsWith('pinned by x;'))).toMatch(/ until 2099-12-31T12:00:00\.000Z$/);
  });

  it('keeps the last backups of a source removed from the plan, saying which source keeps them, as restic keeps each group', () => {
    const of = (...names: string[]) => ({ sources: names.map((name) => ({ name })) });
    // "uploads" was removed from the plan after 2 January: the newer backups hold "orders" only.
    const backups = [
      backup('2026-01-01T00:00:00Z', of('orders', 'uploads')),
      backup('2026-01-02T00:00:00Z', of('orders', 'uploads')),
      backup('2026-01-03T00:00:00Z', of('orders')),
      backup('2026-01-04T00:00:00Z', of('orders')),
      backup('2026-01-05T00:00:00Z', of('orders')),
    ];
    expect(decideRetention(backups, { keepLast: 1 }, now).map((d) => [d.backupId, d.reasons])).toEqual([
      ['b-2026-01-05T00:00:00Z', ['last 1']],
      ['b-2026-01-04T00:00:00Z', []],
      ['b-2026-01-03T00:00:00Z', []],
      ['b-2026-01-02T00:00:00Z', ['last 1 of source uploads']],
      ['b-2026-01-01T00:00:00Z', []],
    ]);
    // Per source as per plan: the daily rule keeps two days of "uploads" too; a rule that reaches none still keeps its newest.
    expect(kept(decideRetention(backups, { keepDaily: 2 }, now))).toEqual(['b-2026-01-05T00:00:00Z', 'b-2026-01-04T00:00:00Z', 'b-2026-01-02T00:00:00Z', 'b-2026-01-01T00:00:00Z']);
    expect(reasonsOf(decideRetention(backups, { keepWithin: '1h', keepHourly: 0 }, now), 'b-2026-01-02T00:00:00Z')).toEqual(['within 1h of source uploads']);
    expect(reasonsOf(decideRetention(backups, { keepYearly: 0 }, now), 'b-2026-01-02T00:00:00Z')).toEqual(['newest backup of source uploads']);
    // A source every backup holds keeps nothing more than the plan-wide rules.
    const always = backups.map((b) => ({ ...b, ...of('orders') }));
    expect(kept(decideRetention(always, { keepLast: 2 }, now))).toEqual(['b-2026-01-05T00:00:00Z', 'b-2026-01-04T00:00:00Z']);
  });

  // Audit c2-1: a backup from a host whose clock ran 10 years ahead was the newest, so keepWithin counted back from 2036.
  it('keeps a backup that starts in the future without counting it: keepWithin, keepLast and the newest backup are measured among the others', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const daily = [1, 2, 3, 4, 5].map((d) => backup(new Date(now.getTime() - d * 86_400_000).toISOString()));
    const future = backup('2036-01-01T00:00:00.000Z');
    const decisions = decideRetention([future, ...daily], { keepWithin: '30d' }, now);
    expect(decisions.map((d) => [d.backupId, d.reasons])).toEqual([
      ['b-2036-01-01T00:00:00.000Z', ['starts in the future: the clock that wrote it is wrong']],
      ...daily.map((b) => [b.backupId, ['within 30d']]),
    ]);
    expect(reasonsOf(decideRetention([future, ...daily], { keepLast: 2 }, now), 'b-2026-12-04T12:00:00.000Z')).toEqual(['last 2']);
    expect(reasonsOf(decideRetention([future, ...daily], { keepYearly: 0 }, now), 'b-2026-12-05T12:00:00.000Z')).toEqual(['newest backup']);
    // Within the clock skew a start is a start: counted as the newest.
    const skewed = backup(new Date(now.getTime() + CLOCK_SKEW_MS).toISOString());
    expect(reasonsOf(decideRetention([skewed, ...daily], { keepLast: 1 }, now), skewed.backupId)).toEqual(['last 1']);
  });

  it('decides on nothing when there are no backups', () => {
    expect(decideRetention([], { keepLast: 1 } satisfies RetentionConfig, now)).toEqual([]);
  });
});

describe('retention durations', () => {
  it.each([
    ['36h', '2026-03-31T12:00:00.000Z', '2026-03-30T00:00:00.000Z'],
    ['2w', '2026-03-31T12:00:00.000Z', '2026-03-17T12:00:00.000Z'],
    // Calendar months clamp to the shorter month's last day.
    ['1m', '2026-03-31T12:00:00.000Z', '2026-02-28T12:00:00.000Z'],
    ['1y6m', '2026-03-31T12:00:00.000Z', '2024-09-30T12:00:00.000Z'],
    ['1y', '2028-02-29T00:00:00.000Z', '2027-02-28T00:00:00.000Z'],
  ])('%s before %s is %s', (text, from, expected) => {
    expect(subtractDuration(new Date(from), parseRetentionDuration(text)).toISOString()).toBe(expected);
  });

  it.each(['', '7', 'd7', '7 d', '1.5d', '-1d', '7D', '3s'])('refuses %j, saying what the syntax is', (text) => {
    expect(() => parseRetentionDuration(text)).toThrow(`"${text}" is not a duration: write counts with units h, d, w, m (months) or y, such as "36h", "7d", "2w", "6m", "1y" or "1y6m"`);
  });
});

describe('a committed backup whose startedAt is not a time (review r64O F3)', () => {
  const candidates = [backup('2026-12-07T10:00:00Z'), { backupId: 'hand-edited', status: 'COMMITTED' as const, startedAt: 'not a time' }, backup('2026-12-06T10:00:00Z'), backup('2026-12-05T10:00:00Z')];
  const now = new Date('2026-12-08T00:00:00Z');

  it.each<[string, RetentionConfig, string[]]>([
    ['keepDaily 7', { keepDaily: 7 }, ['b-2026-12-07T10:00:00Z', 'b-2026-12-06T10:00:00Z', 'b-2026-12-05T10:00:00Z']],
    ['keepLast 2', { keepLast: 2 }, ['b-2026-12-07T10:00:00Z', 'b-2026-12-06T10:00:00Z']],
    ['keepWithin 1d', { keepWithin: '1d' }, ['b-2026-12-07T10:00:00Z', 'b-2026-12-06T10:00:00Z']],
  ])('%s: is kept, counted by no rule, and the others are decided by their starts', (_, policy, keptByRules) => {
    const decisions = decideRetention(candidates, policy, now);
    expect(reasonsOf(decisions, 'hand-edited')).toEqual(['its startedAt is not a time: counted by no rule']);
    expect(kept(decisions).filter((id) => id !== 'hand-edited')).toEqual(keptByRules);
  });

  it('reads a zoneless start as UTC, whatever the process zone', () => {
    const decisions = decideRetention([backup('2026-12-07T10:00:00'), backup('2026-12-07T09:30:00Z')], { keepLast: 1 }, now);
    expect(kept(decisions)).toEqual(['b-2026-12-07T10:00:00']);
  });
});
