import { type SourceConfig } from '../../../../config/lifeboat-config';
import { drillRunInput } from '../../../../cli/drills/drill-run-outcome';
import { BACKUP_ID, BACKUP_ID_EXAMPLE, newBackupId } from '../../../../lambdas/backup/backup-id';
import { parseDrillRequest } from '../../../../lambdas/drill/drill-request';
import { parseFailoverRequest } from '../../../../lambdas/failover/failover-request';
import { parseRestoreRequest } from '../../../../lambdas/restore/restore-request';
import { testPlan } from '../../../support/test-plans';

/** Every input that names a backup takes the ids newBackupId makes, and refuses the same near misses. */
const plans = [testPlan({ name: 'demo', sources: [{ type: 's3', name: 'assets', bucket: 'prod-assets' }] })];
const sources: SourceConfig[] = [{ type: 's3', name: 'assets', bucket: 'prod-assets', prefix: '' }];

const namingInputs: Record<string, (backupId: string) => string | undefined> = {
  restore: (backupId) => parseRestoreRequest({ source: 'assets', backupId, target: { type: 's3', bucket: 'restored-assets' } }, sources).backupId,
  failover: (backupId) => parseFailoverRequest({ plan: 'demo', backupId }, plans).backupId,
  drill: (backupId) => parseDrillRequest({ plan: 'demo', backupId }, plans).backupId,
  'drill run': (backupId) => drillRunInput({ plan: 'demo', backup: backupId }, plans).backupId,
};

it('a made backup id and the example match the pattern', () => {
  expect(newBackupId(new Date('2026-11-24T10:00:00.123Z'))).toMatch(BACKUP_ID);
  expect(BACKUP_ID_EXAMPLE).toMatch(BACKUP_ID);
});

it.each(Object.entries(namingInputs))('%s takes a made backup id as it is', (_, named) => {
  const made = newBackupId(new Date('2026-11-24T10:00:00.123Z'));
  expect(named(made)).toBe(made);
});

it.each(Object.entries(namingInputs))('%s refuses an id that is not a backup id, showing one that is', (_, named) => {
  for (const wrong of ['20261124T100000Z-1A2B3C4D', '20261124T100000Z-1a2b3c4', '2026-11-24T10:00:00Z-1a2b3c4d', ' 20261124T100000Z-1a2b3c4d']) {
    expect(() => named(wrong)).toThrow(expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining(`must be a backup id such as ${BACKUP_ID_EXAMPLE}`) }));
  }
});
