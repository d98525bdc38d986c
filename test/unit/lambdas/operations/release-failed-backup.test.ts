import { type ExecutionStatusChange, releaseFailedBackup } from '../../../../lambdas/backup/release-failed-backup';
import { type PlanLockItem } from '../../../../lambdas/catalog/backup-record';

/**
 * The lease of a backup execution that ended without its Catch (ABORTED, TIMED_OUT) is released, and
 * the backup recorded FAILED, only while the lease is still that execution's. The workflow test
 * (test/e2e/workflows/backup-alarms.test.ts) runs it from the synthesized rule.
 */
const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:lifeboat-prod-backup';
const EXECUTION = 'arn:aws:states:eu-west-1:111122223333:execution:lifeboat-prod-backup:run-1';

function memoryCatalog(lease: PlanLockItem | undefined, status: 'RUNNING' | 'COMMITTED') {
  const calls: string[] = [];
  let held = lease;
  return {
    calls,
    catalog: {
      lease: async () => held,
      markFailed: async (backupId: string, error: string) => {
        calls.push(`markFailed ${backupId} ${error}`);
        return status === 'RUNNING';
      },
      markCopyFailed: async (backupId: string) => {
        calls.push(`markCopyFailed ${backupId}`);
        return status === 'COMMITTED';
      },
      releaseLock: async (plan: string, holder: string) => {
        calls.push(`releaseLock ${plan} ${holder}`);
        const mine = held?.holder === holder;
        if (mine) held = undefined;
        return mine;
      },
    },
  };
}

function statusChange(status: ExecutionStatusChange['detail']['status'], fields: Partial<ExecutionStatusChange['detail']> = {}): ExecutionStatusChange {
  return { 'detail-type': 'Step Functions Execution Status Change', detail: { executionArn: EXECUTION, stateMachineArn: MACHINE, status, input: JSON.stringify({ plan: 'orders', trigger: 'schedule' }), ...fields } };
}

const plans = [{ name: 'orders' }];
const deps = { plans, backupStateMachineName: 'lifeboat-prod-backup', now: () => new Date('2026-12-01T03:00:00Z') };

it.each(['ABORTED', 'TIMED_OUT'] as const)('releases the lease of a %s backup execution and records the backup FAILED', async (status) => {
  const { catalog, calls } = memoryCatalog({ holder: 'b-1', expiresAt: 2_000_000_000, execution: EXECUTION }, 'RUNNING');
  await expect(releaseFailedBackup(statusChange(status), { ...deps, catalog })).resolves.toEqual({ plan: 'orders', backupId: 'b-1', released: true, recorded: 'FAILED' });
  expect(calls).toEqual([`markFailed b-1 States.${status === 'ABORTED' ? 'Aborted' : 'Timeout'}`, 'releaseLock orders b-1']);
});

// Audit e1-2: Record failure failed too, and its Catch keeps the lease for this: the execution's own error is recorded.
it('records FAILED, with the execution\'s error, a FAILED backup execution whose lease it still holds, and releases the lease', async () => {
  const { catalog, calls } = memoryCatalog({ holder: 'b-1', expiresAt: 2_000_000_000, execution: EXECUTION }, 'RUNNING');
  await expect(releaseFailedBackup(statusChange('FAILED', { error: 'ShardReadError', cause: 'disk on fire' }), { ...deps, catalog })).resolves.toEqual({ plan: 'orders', backupId: 'b-1', released: true, recorded: 'FAILED' });
  expect(calls).toEqual(['markFailed b-1 ShardReadError', 'releaseLock orders b-1']);
  const bare = memoryCatalog({ holder: 'b-1', expiresAt: 2_000_000_000, execution: EXECUTION }, 'RUNNING');
  await releaseFailedBackup(statusChange('FAILED'), { ...deps, catalog: bare.catalog });
  expect(bare.calls[0]).toBe('markFailed b-1 States.Runtime');
});

it('keeps a backup that had committed COMMITTED and records its DR copy FAILED (stopped during replication)', async () => {
  const { catalog } = memoryCatalog({ holder: 'b-1', expiresAt: 2_000_000_000, execution: EXECUTION }, 'COMMITTED');
  await expect(releaseFailedBackup(statusChange('TIMED_OUT'), { ...deps, catalog })).resolves.toMatchObject({ released: true, recorded: 'DR_COPY_FAILED' });
});

it('leaves the lease of the next run alone, and a free lease free', async () => {
  const next = memoryCatalog({ holder: 'b-2', expiresAt: 2_000_000_000, execution: `${EXECUTION}-next` }, 'RUNNING');
  await expect(releaseFailedBackup(statusChange('FAILED'), { ...deps, catalog: next.catalog })).resolves.toEqual({ plan: 'orders', released: false, recorded: false, skipped: 'the lease is held by another execution' });
  expect(next.calls).toEqual([]);
  const free = memoryCatalog(undefined, 'RUNNING');
  await expect(releaseFailedBackup(statusChange('FAILED'), { ...deps, catalog: free.catalog })).resolves.toMatchObject({ released: false, skipped: 'the lease is free' });
});

it('ignores executions of other state machines and inputs that name no plan of the environment', async () => {
  const { catalog, calls } = memoryCatalog({ holder: 'b-1', expiresAt: 2_000_000_000, execution: EXECUTION }, 'RUNNING');
  await expect(releaseFailedBackup(statusChange('ABORTED', { stateMachineArn: MACHINE.replace('backup', 'drill') }), { ...deps, catalog })).resolves.toMatchObject({ released: false, skipped: 'not a backup execution of this environment' });
  await expect(releaseFailedBackup(statusChange('ABORTED', { input: JSON.stringify({ plan: 'other' }) }), { ...deps, catalog })).resolves.toMatchObject({ released: false, skipped: 'its input names no plan of this environment' });
  await expect(releaseFailedBackup(statusChange('ABORTED', { input: 'not json' }), { ...deps, catalog })).resolves.toMatchObject({ released: false });
  expect(calls).toEqual([]);
});
