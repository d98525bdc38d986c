import { executionStatusChangeSchema, releaseFailedBackup } from '../backup/release-failed-backup';
import { publishBackupFailedMetric } from '../operations/operation-metrics';
import { MissingEnvironmentError } from '../runtime/errors';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/**
 * Target of the environment's EventBridge rule on its state machines' FAILED, TIMED_OUT and ABORTED
 * executions (lib/constructs/lifeboat-operations.ts): frees the plan's lease a stopped or timed-out
 * backup kept, records the backup FAILED, and counts every backup execution that ended so (BackupFailed).
 */
export const handler = lifeboatHandler({ schema: executionStatusChangeSchema, describes: 'execution status change' }, async (event, runtime) => {
  const backupStateMachineName = runtime.config.backupStateMachineName;
  if (backupStateMachineName === undefined) throw new MissingEnvironmentError('LIFEBOAT_BACKUP_STATE_MACHINE');
  const result = await releaseFailedBackup(event, { catalog: runtime.catalog, plans: runtime.plans, backupStateMachineName });
  // Every backup execution that ended badly counts once, here: whether its Catch had already recorded it or not.
  if (result.plan !== undefined) publishBackupFailedMetric(runtime.environment, result.plan);
  return result;
});
