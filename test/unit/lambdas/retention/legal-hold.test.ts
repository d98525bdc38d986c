import { holdBackup, type HoldCatalog, releaseBackup } from '../../../../lambdas/retention/legal-hold';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { memoryHoldCatalog, UNHELD_BACKUP } from './memory-hold-catalog';

/**
 * Holds land in the primary catalog (or the command fails), in the DR one when it answers, and then go to the Object
 * Lock seam. A release writes the catalogs only: its caller lifts the S3 legal holds first (releaseBackup).
 */

const at = new Date('2026-04-01T12:00:00Z');

describe('legal holds', () => {
  it('holds in both catalogs, then asks the Object Lock seam to hold the objects; release lifts both catalogs and leaves the seam to its caller', async () => {
    const primary = memoryHoldCatalog(['b-1']);
    const dr = memoryHoldCatalog(['b-1']);
    const objectLegalHold = jest.fn(() => Promise.resolve([]));
    const outcome = await holdBackup('b-1', { reason: '  case 42 ', by: 'ann', at }, { primary, dr, objectLegalHold });
    const hold = { reason: 'case 42', by: 'ann', at: '2026-04-01T12:00:00.000Z' };
    expect(outcome).toEqual({ record: { ...UNHELD_BACKUP, hold }, dr: { state: 'written' }, objects: [] });
    expect(dr.records.get('b-1')?.hold).toEqual(hold);
    expect(objectLegalHold).toHaveBeenCalledWith({ ...UNHELD_BACKUP, hold }, true);

    // Stop 48: releaseBackup lifted the S3 holds after the catalogs, the order in which a refused S3 release leaves the
    // objects held in S3 only; it takes no Object Lock seam now (ReleaseDeps), its caller lifts them before.
    await expect(releaseBackup('b-1', { primary, dr })).resolves.toEqual({ record: UNHELD_BACKUP, dr: { state: 'written' } });
    expect(primary.records.get('b-1')?.hold).toBeUndefined();
    expect(dr.records.get('b-1')?.hold).toBeUndefined();
    // @ts-expect-error a release takes no Object Lock seam: given one anyway, it does not call it after the catalogs.
    await releaseBackup('b-1', { primary, dr, objectLegalHold });
    expect(objectLegalHold).toHaveBeenCalledTimes(1);
  });

  it('fails naming an id the primary catalog does not know, and writes nothing', async () => {
    const dr = memoryHoldCatalog(['b-2']);
    await expect(holdBackup('b-2', { reason: 'x', by: 'ann', at }, { primary: memoryHoldCatalog(['b-1']), dr })).rejects.toThrow(
      'No backup with id b-2 exists in the catalog. List them with `lifeboat backups list`.',
    );
    expect(dr.records.get('b-2')?.hold).toBeUndefined();
  });

  it('refuses an empty reason', async () => {
    await expect(holdBackup('b-1', { reason: ' ', by: 'ann', at }, { primary: memoryHoldCatalog(['b-1']) })).rejects.toThrow(InvalidInputError);
  });

  it('reports a DR catalog without the record (not replicated yet) and one that cannot be reached, without failing', async () => {
    const primary = memoryHoldCatalog(['b-1']);
    await expect(holdBackup('b-1', { reason: 'x', by: 'ann', at }, { primary, dr: memoryHoldCatalog([]) })).resolves.toMatchObject({ dr: { state: 'absent' } });
    const down: HoldCatalog = { setHold: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:4567')), clearHold: () => Promise.reject(new Error('down')) };
    await expect(holdBackup('b-1', { reason: 'x', by: 'ann', at }, { primary, dr: down })).resolves.toMatchObject({ dr: { state: 'unreachable', problem: 'connect ECONNREFUSED 127.0.0.1:4567' } });
    expect(primary.records.get('b-1')?.hold?.reason).toBe('x');
  });
});
