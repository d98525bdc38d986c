import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { type ForgetCatalog } from '../../lambdas/retention/forget-backups';

/**
 * A forget run's claim (BackupCatalog.claimForgetting / releaseForgetting) over the records of an in-memory
 * catalog, with the conditions of the DynamoDB writes: claimed only while COMMITTED, not forgotten, without a
 * legal hold and with the pinVersion the run saw (undefined: never pinned); the first claim's time stays; released
 * only while the claim is the one the caller saw and the backup is not marked forgotten.
 */
export function memoryForgetClaims(records: Map<string, BackupRecord>): Pick<ForgetCatalog, 'claimForgetting' | 'releaseForgetting'> {
  return {
    claimForgetting: (backupId, at, seen) => {
      const record = records.get(backupId);
      const pinsAsSeen = seen.pinVersion === undefined ? record?.pinVersion === undefined : record?.pinVersion === undefined || record.pinVersion === seen.pinVersion;
      if (record?.status !== 'COMMITTED' || record.forgottenAt !== undefined || record.hold !== undefined || !pinsAsSeen) return Promise.resolve(false);
      records.set(backupId, { ...record, forgettingAt: record.forgettingAt ?? at });
      return Promise.resolve(true);
    },
    releaseForgetting: (backupId, seen) => {
      const record = records.get(backupId);
      if (record?.forgettingAt === undefined || record.forgettingAt !== seen || record.forgottenAt !== undefined) return Promise.resolve(false);
      const { forgettingAt: _released, ...rest } = record;
      records.set(backupId, rest);
      return Promise.resolve(true);
    },
  };
}
