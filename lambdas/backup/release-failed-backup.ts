import { z } from 'zod';
import { type BackupCatalog } from '../catalog/backup-catalog';

/**
 * What EventBridge delivers for a Step Functions "Execution Status Change" (the fields used here):
 * the execution's ARN, its state machine, how it ended and the input it was started with (a JSON string).
 */
export const executionStatusChangeSchema = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    executionArn: z.string().min(1),
    stateMachineArn: z.string().min(1),
    status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']),
    input: z.string().nullish(),
    /** A FAILED execution's error and cause (its Fail state's: the failed step's own). */
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});
export type ExecutionStatusChange = z.infer<typeof executionStatusChangeSchema>;

export type FailedBackupRelease = {
  /** The plan the stopped execution was backing up; absent when it was not a backup execution of this environment. */
  plan?: string;
  backupId?: string;
  /** The lease was this execution's and is free now. */
  released: boolean;
  /** What the backup's record became: FAILED, DR_COPY_FAILED (it had committed; its replication did not finish), or unchanged. */
  recorded: 'FAILED' | 'DR_COPY_FAILED' | false;
  /** Why nothing was done, when nothing was. */
  skipped?: string;
};

const backupInputSchema = z.object({ plan: z.string().min(1) });

/**
 * A backup execution that ended without its own Catch (stopped: ABORTED; the 24-hour limit: TIMED_OUT;
 * or a failure the Catch could not record: Record failure's own Catch goes straight to the Fail state and
 * keeps the lease for this): the plan's lease would stay taken until it expires, 24 h 15 min later, and
 * the next scheduled runs would be refused, and the record would stay RUNNING. This records the backup
 * FAILED (with a FAILED execution's own error and cause) and releases the lease, but only when the lease
 * is still this execution's (the lease keeps the execution's ARN), so a late or repeated event never frees
 * the lease of the run that came next. A FAILED execution whose Catch already did both finds the lease
 * free (or another run's) and changes nothing.
 */
export async function releaseFailedBackup(
  event: ExecutionStatusChange,
  deps: { catalog: Pick<BackupCatalog, 'lease' | 'markFailed' | 'markCopyFailed' | 'releaseLock'>; plans: readonly { name: string }[]; backupStateMachineName: string; now?: () => Date },
): Promise<FailedBackupRelease> {
  const { detail } = event;
  if (!detail.stateMachineArn.endsWith(`:stateMachine:${deps.backupStateMachineName}`)) return { released: false, recorded: false, skipped: 'not a backup execution of this environment' };
  const plan = planOf(detail.input);
  if (plan === undefined || !deps.plans.some((p) => p.name === plan)) return { released: false, recorded: false, skipped: 'its input names no plan of this environment' };
  const lease = await deps.catalog.lease(plan);
  if (!lease || lease.execution !== detail.executionArn) {
    return { plan, released: false, recorded: false, skipped: lease ? 'the lease is held by another execution' : 'the lease is free' };
  }
  const backupId = lease.holder;
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const error = (detail.status === 'FAILED' ? detail.error : undefined) || `States.${detail.status === 'FAILED' ? 'Runtime' : detail.status === 'TIMED_OUT' ? 'Timeout' : 'Aborted'}`;
  const cause = `The backup execution ended ${detail.status} (${detail.executionArn}); its lease was released by release-failed-backup.${detail.cause ? ` Its cause: ${detail.cause}` : ''}`;
  let recorded: FailedBackupRelease['recorded'] = false;
  if (await deps.catalog.markFailed(backupId, error, cause, now)) recorded = 'FAILED';
  else if (await deps.catalog.markCopyFailed(backupId)) recorded = 'DR_COPY_FAILED';
  const released = await deps.catalog.releaseLock(plan, backupId);
  return { plan, backupId, released, recorded };
}

function planOf(input: string | null | undefined): string | undefined {
  if (!input) return undefined;
  try {
    const parsed = backupInputSchema.safeParse(JSON.parse(input));
    return parsed.success ? parsed.data.plan : undefined;
  } catch {
    return undefined;
  }
}
