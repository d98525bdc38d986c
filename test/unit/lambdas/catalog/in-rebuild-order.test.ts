import { compareRebuildOrder, inRebuildOrder, type RebuildPosition } from '../../../../lambdas/catalog/catalog-rebuild-order';

// inRebuildOrder reads each start once (review r64V F1: read in the comparator, a rebuild's sort of 200,000 candidates took
// 37 s); it must give the very order the comparator gives, so the rebuild writes, marks and resumes as before.
const STARTS = [
  '2026-12-07T06:00:00.000Z',
  '2026-12-07T06:00:00.000Z',
  '2026-12-07T05:59:59.999Z',
  '2026-12-07T07:00:00+01:00',
  'Dec 1 2026 06:00 GMT',
  '2026-12-07T06:00:00',
  'not a time',
  '2027-01-01T00:00:00.000Z',
];

it('orders candidates oldest first exactly as compareRebuildOrder does, ties by backup id, a start that is no time first', () => {
  const items: { record: RebuildPosition }[] = [];
  for (const [i, startedAt] of STARTS.entries()) for (const id of ['b', 'a', 'c']) items.push({ record: { startedAt, backupId: `${id}-${i % 3}` } });
  const expected = [...items].sort((x, y) => compareRebuildOrder(x.record, y.record));
  const got = inRebuildOrder(items, (item) => item.record);
  expect(got).toEqual(expected);
  expect(got[0]?.record.startedAt).toBe('not a time');
  expect(got.at(-1)?.record.startedAt).toBe('2027-01-01T00:00:00.000Z');
  // Dec 1 (a text sorting after every ISO start) is placed by its instant, before the December 7 starts.
  expect(got.findIndex((item) => item.record.startedAt === 'Dec 1 2026 06:00 GMT')).toBeLessThan(got.findIndex((item) => item.record.startedAt === '2026-12-07T05:59:59.999Z'));
  expect(items).toHaveLength(STARTS.length * 3);
});
