import { cleanUpFailedBackupSnapshots, type FailedSnapshotsCleanup } from '../backup/failed-snapshots-cleanup';
import { executionStatusChangeSchema, type FailedBackupRelease, releaseFailedBackup } from '../backup/release-failed-backup';
import { handlerLogger } from '../operations/handler-logger';
import { publishBackupFailedMetric } from '../operations/operation-metrics';
import { MissingEnvironmentError } from '../runtime/errors';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/**
 * Target of the environment's EventBridge rule on its state machines' FAILED, TIMED_OUT and ABORTED
 * executions (lib/constructs/lifeboat-operations.ts): frees the plan's lease a stopped or timed-out
 * backup kept, records the backup FAILED, and counts every backup execution that ended so (BackupFailed).
 *
 * Once it recorded the backup FAILED, it deletes the snapshots the backup's commit wrote (named in its
 * commit markers), as the workflow's own Record failure step does: no commit can record them any more,
 * and left in the vault they would be in no catalog record while prune kept their data forever. Only
 * those whose own record names the backup (forgetSnapshotsOfFailedBackup): others stay, in `snapshotsKept`.
 * Best effort: a failure is logged, and a function deployed without the vault's grants deletes nothing.
 */
export const handler = lifeboatHandler({ schema: executionStatusChangeSchema, describes: 'execution status change' }, async (event, runtime): Promise<FailedBackupRelease & FailedSnapshotsCleanup> => {
  const backupStateMachineName = runtime.config.backupStateMachineName;
  if (backupStateMachineName === undefined) throw new MissingEnvironmentError('LIFEBOAT_BACKUP_STATE_MACHINE');
  const result = await releaseFailedBackup(event, { catalog: runtime.catalog, plans: runtime.plans, backupStateMachineName });
  // Every backup execution that ended badly counts once, here: whether its Catch had already recorded it or not.
  if (result.plan !== undefined) publishBackupFailedMetric(runtime.environment, result.plan);
  if (result.recorded !== 'FAILED' || result.backupId === undefined) return result;
  const backupId = result.backupId;
  const cleanup = await cleanUpFailedBackupSnapshots(backupId, { store: runtime.vaultStore('primary'), catalog: runtime.catalog, openVault: () => runtime.openVault('primary') }, (message) => handlerLogger.warn(message));
  return { ...result, ...cleanup };
});
