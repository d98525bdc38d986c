import { holdBackup, type HoldCatalog, releaseBackup } from '../../../../lambdas/retention/legal-hold';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { memoryHoldCatalog, UNHELD_BACKUP } from './memory-hold-catalog';

/**
 * The DR half of a legal hold when the DR catalog is another account's (`drAccount`, audit R34 F1): a refusal there
 * is said as one (the same command again changes nothing), not as a region that did not answer; and the DR half
 * alone (`--only dr`) writes that catalog only.
 */

const at = new Date('2026-04-01T12:00:00Z');

const failing = (err: Error): HoldCatalog => ({ setHold: () => Promise.reject(err), clearHold: () => Promise.reject(err) });
const awsError = (name: string, message: string, status: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('the DR catalog of another account', () => {
  it.each([
    ['AccessDeniedException', awsError('AccessDeniedException', 'User: arn:aws:iam::111122223333:role/ops is not authorized to perform: dynamodb:UpdateItem', 400)],
    ['ResourceNotFoundException', awsError('ResourceNotFoundException', 'Requested resource not found', 400)],
  ])('reports %s as refused there, and only there; a region that does not answer stays unreachable', async (_name, err) => {
    const primary = memoryHoldCatalog(['b-1']);
    const outcome = await holdBackup('b-1', { reason: 'case 42', by: 'ann', at }, { primary, dr: failing(err), drInAnotherAccount: true });
    expect(outcome.dr).toEqual({ state: 'refused', problem: err.message });
    expect(primary.records.get('b-1')?.hold?.reason).toBe('case 42');
    // In the environment's own account the same answer is no question of credentials, as before.
    await expect(releaseBackup('b-1', { primary, dr: failing(err) })).resolves.toMatchObject({ dr: { state: 'unreachable', problem: err.message } });
    const down = failing(awsError('TimeoutError', 'connect ETIMEDOUT', 0));
    await expect(releaseBackup('b-1', { primary, dr: down, drInAnotherAccount: true })).resolves.toMatchObject({ dr: { state: 'unreachable', problem: 'connect ETIMEDOUT' } });
  });
});

describe('the DR half alone', () => {
  it('writes the DR catalog only and hands its record to the Object Lock seam', async () => {
    const dr = memoryHoldCatalog(['b-1']);
    const objectLegalHold = jest.fn(() => Promise.resolve([]));
    const outcome = await holdBackup('b-1', { reason: 'case 42', by: 'ann', at }, { dr, drInAnotherAccount: true, objectLegalHold });
    const hold = { reason: 'case 42', by: 'ann', at: '2026-04-01T12:00:00.000Z' };
    expect(outcome).toEqual({ record: { ...UNHELD_BACKUP, hold }, dr: { state: 'written' }, objects: [] });
    expect(objectLegalHold).toHaveBeenCalledWith({ ...UNHELD_BACKUP, hold }, true);
  });

  it('has no record to hold objects of when the DR catalog has none (not replicated yet)', async () => {
    const objectLegalHold = jest.fn(() => Promise.resolve([]));
    await expect(holdBackup('b-1', { reason: 'case 42', by: 'ann', at }, { dr: memoryHoldCatalog([]), drInAnotherAccount: true, objectLegalHold })).resolves.toEqual({ record: undefined, dr: { state: 'absent' } });
    expect(objectLegalHold).not.toHaveBeenCalled();
    // A release writes the catalogs only (its caller lifts the S3 holds first): the same outcome.
    await expect(releaseBackup('b-1', { dr: memoryHoldCatalog([]) })).resolves.toEqual({ record: undefined, dr: { state: 'absent' } });
  });

  it('refuses a run that names neither catalog', async () => {
    await expect(releaseBackup('b-1', {})).rejects.toThrow(InvalidInputError);
    await expect(releaseBackup('b-1', {})).rejects.toThrow('neither the primary nor the DR catalog was given');
  });
});
