import { protectionPlanSchema } from '../../../../config/lifeboat-config';
import { ARCHIVE_BACKUP_LEASE_SECONDS, BACKUP_LEASE_SECONDS, backupLeaseSeconds } from '../../../../lambdas/backup/backup-lease';

/** A plan's lease outlives the backup workflow's timeout: 24 hours, or 72 when replication may wait for thaws (some plan archives). */
const plan = (name: string, archive: boolean) =>
  protectionPlanSchema.parse({
    name,
    schedule: 'rate(1 day)',
    strategy: 'full',
    retention: { keepLast: 3 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 240 },
    ...(archive ? { storage: { archive: { storageClass: 'DEEP_ARCHIVE', afterDays: 365 } } } : { storage: { transition: { storageClass: 'STANDARD_IA', afterDays: 30 } } }),
    sources: [{ type: 's3', name: `${name}-bucket`, bucket: `${name}-bucket` }],
  });

it('lasts past the workflow timeout: 24 h + 15 min, or 72 h + 15 min when any plan of the environment archives', () => {
  expect(BACKUP_LEASE_SECONDS).toBe(24 * 3600 + 900);
  expect(ARCHIVE_BACKUP_LEASE_SECONDS).toBe(72 * 3600 + 900);
  expect(backupLeaseSeconds([plan('daily', false)])).toBe(BACKUP_LEASE_SECONDS);
  // Any plan's: the lock of a plan without archive is held while its replication thaws packs another plan archived.
  expect(backupLeaseSeconds([plan('daily', false), plan('yearly', true)])).toBe(ARCHIVE_BACKUP_LEASE_SECONDS);
});
