import { type S3Client } from '@aws-sdk/client-s3';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type DrillRecord } from '../../../../lambdas/catalog/drill-record';
import { drillIdOf } from '../../../../lambdas/drill/drill-id';
import { startDrill, type StartDrillDeps } from '../../../../lambdas/drill/drill-start';
import { recordDrill } from '../../../../lambdas/drill/record-drill';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { backupAt, drilledPlan, plainPlan } from './drill-test-plans';

const STARTED = '2026-11-30T12:00:00.000Z';
const orders = { ...backupAt('orders', '2026-11-30T11:00:00.000Z', { dr: 'COMMITTED' }), sources: [{ ...backupAt('orders', STARTED).sources[0], name: 'orders-table', type: 'dynamodb' as const }] } as BackupRecord;
const files = backupAt('files', '2026-11-30T10:00:00.000Z', { dr: 'COMMITTED' });

// Only DynamoDB sources in the drilled backup: the start makes no bucket, so no S3 is needed.
const noS3 = new Proxy({}, { get: () => () => Promise.reject(new Error('no S3 call expected')) }) as unknown as S3Client;

function deps(over: Partial<StartDrillDeps> = {}): StartDrillDeps {
  return {
    plans: [drilledPlan, plainPlan],
    catalog: {
      listBackupsOfPlan: async (plan: string) => [orders, files].filter((b) => b.plan === plan),
      getBackup: async (id: string) => [orders, files].find((b) => b.backupId === id),
    },
    vault: 'dr',
    region: 'us-west-2',
    drillTargetPrefix: 'lifeboat-dev-drill-',
    s3: noS3,
    ...over,
  };
}

describe('drill start', () => {
  it('returns the drill and one restore request per source of the backup onto its scratch target, from the home vault', async () => {
    const drill = await startDrill({ input: { plan: 'orders', selection: 'latest' }, execution: 'exec-1', startedAt: STARTED }, deps());
    expect(drill).toMatchObject({
      drillId: drillIdOf('exec-1', STARTED),
      plan: 'orders',
      vault: 'dr',
      selection: 'latest',
      windowDays: 3,
      samples: 4,
      backup: { backupId: orders.backupId, startedAt: orders.startedAt, strategy: 'full' },
      rpo: { backupAgeSeconds: 3600, largestGapSeconds: 3600, backupsInWindow: 1 },
    });
    expect(drill.restores).toEqual([
      {
        restoreId: `${drill.drillId}-orders-table`,
        request: { source: 'orders-table', backupId: orders.backupId, target: { type: 'dynamodb', table: expect.stringMatching(/^lifeboat-dev-drill-[0-9a-f]{8}-orders-table$/) }, vault: 'dr', overwrite: false, keepSetIdBits: false, allowUnprotectedTarget: false },
      },
    ]);
  });

  it('a backup of another plan is InvalidInputError naming backupId and the plan it belongs to', async () => {
    const start = startDrill({ input: { plan: 'orders', backupId: files.backupId }, execution: 'exec-1', startedAt: STARTED }, deps());
    await expect(start).rejects.toThrow(InvalidInputError);
    await expect(start).rejects.toThrow(`backupId: backup ${files.backupId} belongs to plan "files", not "orders"`);
  });
});

describe('drill record', () => {
  it('records a drill that found no backup as FAILED, with its report object and catalog item', async () => {
    const store = new MemoryVaultStore('vault');
    const recorded: DrillRecord[] = [];
    const record = await recordDrill(
      { input: { plan: 'orders' }, execution: 'exec-2', startedAt: STARTED, error: { Error: 'NoBackupToDrillError', Cause: JSON.stringify({ errorMessage: 'Plan "orders" has no backup to drill' }) } },
      { plans: [drilledPlan], environment: 'dev', region: 'us-west-2', vault: 'dr', store, drillLog: { record: async (r) => void recorded.push(r) }, now: () => new Date('2026-11-30T12:01:00Z') },
    );
    expect(record).toMatchObject({ drillId: drillIdOf('exec-2', STARTED), verdict: 'FAILED', selection: 'random-within-window', windowDays: 3, errors: [{ error: 'NoBackupToDrillError', message: 'Plan "orders" has no backup to drill' }] });
    expect(recorded).toEqual([record]);
    expect(JSON.parse((await store.get(record.reportKey)).toString('utf8'))).toMatchObject({ drillId: record.drillId, verdict: 'FAILED' });
  });

  it('an invalid input is not recorded', async () => {
    const store = new MemoryVaultStore('vault');
    await expect(
      recordDrill({ input: { plan: 'nope' }, execution: 'e', startedAt: STARTED }, { plans: [drilledPlan], environment: 'dev', region: 'r', vault: 'dr', store, drillLog: { record: async () => undefined } }),
    ).rejects.toThrow(InvalidInputError);
    const keys: string[] = [];
    for await (const key of store.list('drills/')) keys.push(key);
    expect(keys).toEqual([]);
  });
});
