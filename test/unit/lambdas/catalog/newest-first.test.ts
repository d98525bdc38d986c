import { newestFirst } from '../../../../lambdas/catalog/newest-first';

/**
 * Review r65B F3: two starts at one instant kept their input order, while a point in time (backup-catalog.ts) and a
 * catalog rebuild rank the greater backup id newer: a failover or a drill could take as the newest another backup than
 * a restore by time. Ties now go to the greater id, whatever the input order or the start's text.
 */

const backup = (backupId: string, startedAt: string): { backupId: string; startedAt: string } => ({ backupId, startedAt });

it('breaks a tie of instants by the greater backup id, whatever the input order and the texts', () => {
  // One instant, 10:00Z, in two texts, and a newer and an older start around them.
  const records = [backup('b-a', '2026-12-07T10:00:00.000Z'), backup('b-old', '2026-12-07T09:00:00.000Z'), backup('b-b', '2026-12-07T11:00:00+01:00'), backup('b-new', '2026-12-07T12:00:00.000Z')];
  expect(newestFirst(records).map((r) => r.backupId)).toEqual(['b-new', 'b-b', 'b-a', 'b-old']);
  expect(newestFirst([...records].reverse()).map((r) => r.backupId)).toEqual(['b-new', 'b-b', 'b-a', 'b-old']);
});

it('breaks a tie by the id the caller names (a drill\'s) and still puts a start that is no time last', () => {
  const drills = [
    { drillId: 'd-1', startedAt: 'not a time' },
    { drillId: 'd-2', startedAt: '2026-12-07T10:00:00.000Z' },
    { drillId: 'd-3', startedAt: '2026-12-07T10:00:00Z' },
  ];
  expect(newestFirst(drills, (d) => d.drillId).map((d) => d.drillId)).toEqual(['d-3', 'd-2', 'd-1']);
});
