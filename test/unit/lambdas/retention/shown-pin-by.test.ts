import { restoreIdOfExecution, safeRestoreId } from '../../../../lambdas/restore/restore-id';
import { shownPinBy } from '../../../../lambdas/retention/shown-pin-by';

/** A restore's pin is shown whole for every id a restore can have (restore-id.ts), and only for those. */
it('shows a restore pin whole for any restore id, the longest and a made-safe one too', () => {
  const ids = [
    restoreIdOfExecution('lifeboat-restore-20261207T102030Z-0a1b2c3d4e5f'),
    restoreIdOfExecution('r'.repeat(80)),
    restoreIdOfExecution('night.restore+orders@2026'),
    safeRestoreId('x'.repeat(80), '-orders-table'),
  ];
  for (const id of ids) expect(shownPinBy(`restore ${id}`)).toBe(`restore ${id}`);
});

it('cuts a pin whose restore id is not one a restore has', () => {
  for (const by of [`restore ${'r'.repeat(81)}`, 'restore r-1 && aws dynamodb delete-item --table-name lifeboat-a', 'restore night.restore+orders@2026-12-07T10:20:30Z']) {
    expect(shownPinBy(by)).not.toBe(by);
    expect(shownPinBy(by)).toContain('cut from');
  }
});
