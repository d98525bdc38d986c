import fc from 'fast-check';
import { type RetentionConfig } from '../../../../config/lifeboat-config';
import { decideRetention, type RetentionCandidate } from '../../../../lambdas/retention/decide-retention';
import { CLOCK_SKEW_MS } from '../../../../lambdas/catalog/future-start';

/**
 * Properties of the retention decision over random histories and policies: rules only ever add to
 * what is kept, the newest committed backup and every held one are kept, and only committed
 * backups are ever forgotten. `now` ranges past and before the histories, so some backups start in
 * its future.
 */

const START = Date.parse('2024-01-01T00:00:00Z');
const SPAN = 3 * 365 * 86_400_000;
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];

const candidate = fc.record({
  offset: fc.integer({ min: 0, max: SPAN }),
  status: fc.constantFrom<RetentionCandidate['status']>('COMMITTED', 'COMMITTED', 'COMMITTED', 'COMMITTED', 'RUNNING', 'FAILED'),
  held: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
});
const history = fc.array(candidate, { maxLength: 60 }).map((items) =>
  items.map(
    (c, i): RetentionCandidate => ({
      backupId: `b-${String(i).padStart(3, '0')}`,
      startedAt: new Date(START + c.offset).toISOString(),
      status: c.status,
      ...(c.held ? { hold: { reason: `case ${i}`, by: 'legal', at: '2027-01-01T00:00:00Z' } } : {}),
    }),
  ),
);

const count = fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined });
const duration = fc.option(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.constantFrom('h', 'd', 'w', 'm', 'y')).map(([n, u]) => `${n}${u}`), { nil: undefined });
const policy: fc.Arbitrary<RetentionConfig> = fc
  .record({
    keepLast: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
    keepHourly: count,
    keepDaily: count,
    keepWeekly: count,
    keepMonthly: count,
    keepYearly: count,
    keepWithin: duration,
    minAge: duration,
    timeZone: fc.constantFrom(...ZONES),
  })
  .map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as RetentionConfig);

const RULES = ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly', 'keepWithin', 'minAge'] as const;
const now = fc.integer({ min: START, max: START + SPAN + 400 * 86_400_000 }).map((t) => new Date(t));

/** Whether a backup starts beyond the clock skew after `at`: kept, and counted by no rule. */
const startsAfter = (b: { readonly startedAt: string }, at: Date): boolean => Date.parse(b.startedAt) > at.getTime() + CLOCK_SKEW_MS;

const keptIds = (backups: readonly RetentionCandidate[], p: RetentionConfig, at: Date): Set<string> =>
  new Set(decideRetention(backups, p, at).filter((d) => d.keep).map((d) => d.backupId));

describe('retention decision properties', () => {
  it('adding a rule, or raising a count, never forgets a backup the smaller policy kept', () => {
    fc.assert(
      fc.property(history, policy, policy, now, (backups, base, extra, at) => {
        // Every rule of `extra` that `base` lacks is added, and counts are raised to the larger of the two.
        const larger: Record<string, unknown> = { ...base };
        for (const rule of RULES) {
          const a = base[rule];
          const b = extra[rule];
          if (b === undefined) continue;
          if (typeof a === 'number' && typeof b === 'number') larger[rule] = Math.max(a, b);
          else if (a === undefined) larger[rule] = b;
        }
        const before = keptIds(backups, base, at);
        const after = keptIds(backups, larger as RetentionConfig, at);
        for (const id of before) expect(after.has(id)).toBe(true);
      }),
      { numRuns: 120 },
    );
  });

  it('keeps the newest committed backup, every held backup, and every backup that is not committed', () => {
    fc.assert(
      fc.property(history, policy, now, (backups, p, at) => {
        const decisions = decideRetention(backups, p, at);
        expect(decisions).toHaveLength(backups.length);
        const kept = new Set(decisions.filter((d) => d.keep).map((d) => d.backupId));
        const committed = backups.filter((b) => b.status === 'COMMITTED').sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.backupId < b.backupId ? 1 : -1));
        if (committed[0]) expect(kept.has(committed[0].backupId)).toBe(true);
        // The newest that does not start in the future is kept too: a wrong clock's backup pushes none out.
        const counted = committed.filter((b) => !startsAfter(b, at));
        if (counted[0]) expect(kept.has(counted[0].backupId)).toBe(true);
        for (const b of backups) {
          if (b.hold) expect(decisions.find((d) => d.backupId === b.backupId)?.reasons).toContain(`legal hold: ${b.hold.reason}`);
          if (b.hold || b.status !== 'COMMITTED') expect(kept.has(b.backupId)).toBe(true);
        }
        for (const d of decisions) expect(d.keep).toBe(d.reasons.length > 0);
      }),
      { numRuns: 120 },
    );
  });

  it('keeps exactly the keepLast newest committed backups when that is the only rule (no held ones), and every one that starts in the future', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 1, max: 20 }), now, (backups, n, at) => {
        const unheld = backups.map(({ hold: _hold, ...b }) => b);
        const committed = decideRetention(unheld, { keepLast: n }, at).filter((d) => d.status === 'COMMITTED');
        const future = committed.filter((d) => startsAfter(d, at));
        const counted = committed.filter((d) => !startsAfter(d, at));
        expect(committed.filter((d) => d.keep).map((d) => d.backupId)).toEqual([...future, ...counted.slice(0, n)].map((d) => d.backupId));
      }),
      { numRuns: 80 },
    );
  });
});
