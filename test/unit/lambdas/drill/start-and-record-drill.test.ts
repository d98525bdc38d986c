import { type S3Client } from '@aws-sdk/client-s3';
import { protectionPlanSchema } from '../../../../config/lifeboat-config';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type DrillRecord } from '../../../../lambdas/catalog/drill-record';
import { drillIdOf } from '../../../../lambdas/drill/drill-id';
import { SCRATCH_BUCKETS_IN_FLIGHT, startDrill, type StartDrillDeps } from '../../../../lambdas/drill/drill-start';
import { recordDrill } from '../../../../lambdas/drill/record-drill';
import { drillScratchPrefix } from '../../../../lambdas/drill/scratch-targets';
import { drillStateReport } from '../../../../lambdas/drill/drill-state-report';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { backupAt, drilledPlan, plainPlan } from './drill-test-plans';

const STARTED = '2026-11-30T12:00:00.000Z';
const snapshot = backupAt('orders', STARTED).sources[0] as BackupRecord['sources'][number];
// Every source of the drilled plan (assets, orders-table).
const orders = { ...backupAt('orders', '2026-11-30T11:00:00.000Z', { dr: 'COMMITTED' }), sources: [snapshot, { ...snapshot, name: 'orders-table', type: 'dynamodb' as const }] } as BackupRecord;
// An older backup of the plan from before `assets` was added to it.
const ordersBeforeAssets = { ...backupAt('orders', '2026-11-30T09:00:00.000Z', { dr: 'COMMITTED' }), sources: [{ ...snapshot, name: 'orders-table', type: 'dynamodb' as const }] } as BackupRecord;
const files = backupAt('files', '2026-11-30T10:00:00.000Z', { dr: 'COMMITTED' });

/** An S3 client that answers every call and records which bucket each call was about. */
function recordingS3(): { s3: S3Client; buckets: string[] } {
  const buckets: string[] = [];
  const s3 = { send: async (command: { input: { Bucket?: string } }) => (buckets.push(command.input.Bucket ?? ''), {}) } as unknown as S3Client;
  return { s3, buckets };
}

function deps(over: Partial<StartDrillDeps> = {}, backups: readonly BackupRecord[] = [orders, ordersBeforeAssets, files]): StartDrillDeps {
  return {
    plans: [drilledPlan, plainPlan],
    catalog: {
      listBackupsOfPlan: async (plan: string) => backups.filter((b) => b.plan === plan),
      getBackup: async (id: string) => backups.find((b) => b.backupId === id),
      rebuildMarker: () => ({ read: async () => undefined }),
    },
    vault: 'dr',
    region: 'us-west-2',
    drillTargetPrefix: 'lifeboat-dev-drill-',
    s3: recordingS3().s3,
    ...over,
  };
}

describe('drill start', () => {
  it('returns the drill and one restore request per source of the plan onto its scratch target, from the home vault', async () => {
    const { s3, buckets } = recordingS3();
    const drill = await startDrill({ input: { plan: 'orders', selection: 'latest' }, execution: 'exec-1', startedAt: STARTED }, deps({ s3 }));
    expect(drill).toMatchObject({
      drillId: drillIdOf('exec-1', STARTED),
      plan: 'orders',
      vault: 'dr',
      selection: 'latest',
      windowDays: 3,
      samples: 4,
      backup: { backupId: orders.backupId, startedAt: orders.startedAt, strategy: 'full' },
      rpo: { backupAgeSeconds: 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 7200, backupsInWindow: 2 },
    });
    const bucket = `${drillScratchPrefix('lifeboat-dev-drill-', drill.drillId)}assets`;
    expect(drill.restores).toEqual([
      {
        restoreId: `${drill.drillId}-assets`,
        request: { source: 'assets', backupId: orders.backupId, target: { type: 's3', bucket, prefix: '' }, vault: 'dr', overwrite: false, keepSetIdBits: false, allowUnprotectedTarget: false },
      },
      {
        restoreId: `${drill.drillId}-orders-table`,
        request: { source: 'orders-table', backupId: orders.backupId, target: { type: 'dynamodb', table: `${drillScratchPrefix('lifeboat-dev-drill-', drill.drillId)}orders-table` }, vault: 'dr', overwrite: false, keepSetIdBits: false, allowUnprotectedTarget: false },
      },
    ]);
    // The S3 source's scratch bucket is made (create, public access block, encryption); the table is made by its restore.
    expect(new Set(buckets)).toEqual(new Set([bucket]));
  });

  it.each([
    ['latest: the newest backup', { plan: 'orders', selection: 'latest' }, [ordersBeforeAssets], 'run a backup of the plan (lifeboat backup --plan orders) and drill again once its DR copy is COMMITTED'],
    [
      'random-within-window: every backup of the window',
      { plan: 'orders', selection: 'random-within-window' },
      [ordersBeforeAssets],
      'it is the only backup of the last 3 days; run a backup of the plan (lifeboat backup --plan orders) and drill again once its DR copy is COMMITTED',
    ],
  ])('%s lacking a source of the plan fails the drill (recorded as FAILED) naming the source, before any scratch target is made', async (_what, input, backups, hint) => {
    const { s3, buckets } = recordingS3();
    const start = startDrill({ input, execution: 'exec-1', startedAt: STARTED }, deps({ s3 }, backups));
    await expect(start).rejects.toMatchObject({
      name: 'BackupLacksPlanSourcesError',
      message: `Backup ${ordersBeforeAssets.backupId} holds no snapshot of assets (sources of plan "orders" added or renamed after it?): the drill restores every source of the plan or none; ${hint}`,
    });
    await expect(start).rejects.not.toBeInstanceOf(InvalidInputError);
    expect(buckets).toEqual([]);
  });

  // Review 44d F1: after a source is added, the window's older backups never hold it; a random pick among them failed drill after drill.
  it('random-within-window drills only a backup that holds every source of the plan, and measures the RPO over all of the window', async () => {
    const older = { ...backupAt('orders', '2026-11-29T09:00:00.000Z', { dr: 'COMMITTED' }), sources: ordersBeforeAssets.sources };
    const drill = await startDrill({ input: { plan: 'orders', selection: 'random-within-window' }, execution: 'exec-1', startedAt: STARTED }, deps({ random: () => 0.99 }, [orders, ordersBeforeAssets, older]));
    expect(drill.backup.backupId).toBe(orders.backupId);
    expect(drill.restores.map((r) => r.request.backupId)).toEqual([orders.backupId, orders.backupId]);
    // Gaps: 1 h (start − 11:00), 2 h (11:00 − 09:00), 24 h (09:00 − the day before).
    expect(drill.rpo).toEqual({ backupAgeSeconds: 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 24 * 3600, backupsInWindow: 3 });
  });

  it('random-within-window with no backup of the window holding every source names how many there are and what to do', async () => {
    const older = { ...backupAt('orders', '2026-11-29T09:00:00.000Z', { dr: 'COMMITTED' }), sources: ordersBeforeAssets.sources };
    const start = startDrill({ input: { plan: 'orders', selection: 'random-within-window' }, execution: 'exec-1', startedAt: STARTED }, deps({ vault: 'primary', random: () => 0.99 }, [ordersBeforeAssets, older]));
    await expect(start).rejects.toMatchObject({
      name: 'BackupLacksPlanSourcesError',
      message:
        `Backup ${ordersBeforeAssets.backupId} holds no snapshot of assets (sources of plan "orders" added or renamed after it?): the drill restores every source of the plan or none; ` +
        'none of the 2 backups of the last 3 days holds every source (a random drill picks only among those that do); run a backup of the plan (lifeboat backup --plan orders) and drill again',
    });
  });

  it.each([['latest'], ['random-within-window']])('a %s DR drill whose newer backup holds every source but is not replicated yet says to wait for its DR copy', async (selection) => {
    const pending = { ...orders, copies: { primary: 'COMMITTED' as const, dr: 'PENDING' as const } };
    const start = startDrill({ input: { plan: 'orders', selection }, execution: 'exec-1', startedAt: STARTED }, deps({ random: () => 0.99 }, [pending, ordersBeforeAssets]));
    await expect(start).rejects.toMatchObject({
      name: 'BackupLacksPlanSourcesError',
      message: expect.stringContaining(`backup ${orders.backupId} holds every source but its DR copy is PENDING: drill again once it is replicated (lifeboat backups list --plan orders: DR COPY)`),
    });
  });

  // Review 44d F2: a named backup that can never be drilled whole is a mistaken input, refused like any other unusable named backup.
  it('a backup named in the input lacking a source of the plan is InvalidInputError naming backupId and the source, before any scratch target is made', async () => {
    const { s3, buckets } = recordingS3();
    const start = startDrill({ input: { plan: 'orders', backupId: ordersBeforeAssets.backupId }, execution: 'exec-1', startedAt: STARTED }, deps({ s3 }));
    await expect(start).rejects.toBeInstanceOf(InvalidInputError);
    await expect(start).rejects.toThrow(
      `Invalid drill request: backupId: backup ${ordersBeforeAssets.backupId} holds no snapshot of assets (sources of plan "orders" added or renamed after it?): ` +
        'the drill restores every source of the plan or none; name a later backup that holds every source (lifeboat backups list --plan orders)',
    );
    expect(buckets).toEqual([]);
  });

  it('a backup of another plan is InvalidInputError naming backupId and the plan it belongs to', async () => {
    const start = startDrill({ input: { plan: 'orders', backupId: files.backupId }, execution: 'exec-1', startedAt: STARTED }, deps());
    await expect(start).rejects.toThrow(InvalidInputError);
    await expect(start).rejects.toThrow(`backupId: backup ${files.backupId} belongs to plan "files", not "orders"`);
  });
});

describe('drill start of a plan of many S3 sources (audit aW1-2)', () => {
  const sources = Array.from({ length: 50 }, (_, i) => ({ type: 's3', name: `s${i}`, bucket: `prod-b${i}` }));
  const wide = protectionPlanSchema.parse({ ...drilledPlan, name: 'wide', sources });
  const backup = { ...backupAt('wide', '2026-11-30T11:00:00.000Z', { dr: 'COMMITTED' }), sourceNames: sources.map((x) => x.name), sources: sources.map((x) => ({ ...snapshot, name: x.name })) } as BackupRecord;

  /** S3 whose requests take a few turns of the event loop (no real time), counting those in flight; CreateBucket of `failing` is refused. */
  function concurrentS3(failing?: string) {
    const seen = { inFlight: 0, maxInFlight: 0, created: [] as string[], createdAfterFailure: 0, failed: false };
    const send = async (command: { constructor: { name: string }; input: { Bucket?: string } }) => {
      const creating = command.constructor.name === 'CreateBucketCommand';
      if (creating) {
        seen.created.push(command.input.Bucket ?? '');
        if (seen.failed) seen.createdAfterFailure++;
      }
      seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      seen.inFlight--;
      if (creating && failing !== undefined && command.input.Bucket?.endsWith(failing)) {
        seen.failed = true;
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      }
      return {};
    };
    return { s3: { send } as unknown as S3Client, seen };
  }

  it('makes the scratch buckets a few at a time, not one after another', async () => {
    const { s3, seen } = concurrentS3();
    const drill = await startDrill({ input: { plan: 'wide', selection: 'latest' }, execution: 'exec-1', startedAt: STARTED }, deps({ s3, plans: [wide] }, [backup]));
    expect(drill.restores.map((r) => r.request.source)).toEqual(sources.map((x) => x.name));
    expect(new Set(seen.created)).toEqual(new Set(drill.restores.map((r) => (r.request.target.type === 's3' ? r.request.target.bucket : ''))));
    expect(seen.maxInFlight).toBeGreaterThan(1);
    expect(seen.maxInFlight).toBeLessThanOrEqual(SCRATCH_BUCKETS_IN_FLIGHT);
  });

  it('begins no further bucket once one fails, and fails with that error', async () => {
    const { s3, seen } = concurrentS3('-s12');
    const start = startDrill({ input: { plan: 'wide', selection: 'latest' }, execution: 'exec-1', startedAt: STARTED }, deps({ s3, plans: [wide] }, [backup]));
    await expect(start).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(seen.createdAfterFailure).toBe(0);
    expect(seen.created.length).toBeLessThan(sources.length);
    expect(seen.inFlight).toBe(0);
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

  it('records the drill of a backup lacking a plan source as FAILED with its error, never PASSED', async () => {
    const store = new MemoryVaultStore('vault');
    const cause = JSON.stringify({ errorType: 'BackupLacksPlanSourcesError', errorMessage: 'Backup 20261130T090000Z-00000001 holds no snapshot of assets (…)' });
    const record = await recordDrill(
      { input: { plan: 'orders' }, execution: 'exec-3', startedAt: STARTED, error: { Error: 'BackupLacksPlanSourcesError', Cause: cause }, cleanup: { removed: [], swept: [], errors: [] } },
      { plans: [drilledPlan], environment: 'dev', region: 'us-west-2', vault: 'dr', store, drillLog: { record: async () => undefined } },
    );
    expect(record).toMatchObject({ verdict: 'FAILED', sources: [], errors: [{ error: 'BackupLacksPlanSourcesError', message: 'Backup 20261130T090000Z-00000001 holds no snapshot of assets (…)' }] });
  });

  it('records a drill whose cleanup step failed with that failure and the scratch targets it may leave in cleanup.errors', async () => {
    const store = new MemoryVaultStore('vault');
    const cleanupError = { Error: 'Error', Cause: JSON.stringify({ errorType: 'Error', errorMessage: "ENOTDIR: not a directory, scandir '/data/fs/'" }) };
    const common = { plans: [drilledPlan], environment: 'dev', region: 'us-west-2', vault: 'dr' as const, store, drillLog: { record: async () => undefined } };
    // The start failed before returning the targets: they are named by this drill's prefix.
    const record = await recordDrill({ input: { plan: 'orders' }, execution: 'exec-4', startedAt: STARTED, error: { Error: 'DrillScratchError', Cause: 'taken' }, cleanupError }, { ...common, drillTargetPrefix: 'lifeboat-dev-drill-' });
    const prefix = drillScratchPrefix('lifeboat-dev-drill-', record.drillId);
    expect(record.cleanup).toEqual({
      removed: [],
      swept: [],
      errors: [`cleanup step failed (Error: ENOTDIR: not a directory, scandir '/data/fs/'); scratch targets of this drill may remain: those named ${prefix}*; the next drill's cleanup sweeps them once older than the drill's timeout and an hour (25 h, or 73 h with an archive tier, when no plan of the stack has more than 40 sources; a wave of restores longer for each further 40: docs/RUNBOOKS.md, "More than 40 sources"), or delete them by hand`],
    });
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

  // Audit aV3-1: the whole record of a drill whose 40 sources failed with long errors, in $.report beside $.restored, took
  // the state past Step Functions' 256 KiB after it was recorded: States.DataLimitExceeded, no verdict for the CLI.
  it('leaves in the state an outline of a failed drill, of a size that does not grow with its failed sources', async () => {
    const store = new MemoryVaultStore('vault');
    const recorded: DrillRecord[] = [];
    const failed = await recordDrill(
      { input: { plan: 'orders' }, execution: 'exec-5', startedAt: STARTED, error: { Error: 'NoBackupToDrillError', Cause: JSON.stringify({ errorMessage: 'Plan "orders" has no backup to drill' }) } },
      { plans: [drilledPlan], environment: 'dev', region: 'us-west-2', vault: 'dr', store, drillLog: { record: async (r) => void recorded.push(r) } },
    );
    const message = `Restore verification failed: ${Array.from({ length: 10 }, (_, k) => `images/deep/prefix/object-${k}-${'x'.repeat(150)}.jpg: content differs`).join('; ')}`;
    const manyErrors = (n: number): DrillRecord => ({ ...failed, errors: Array.from({ length: n }, (_, i) => ({ error: 'RestoreVerificationError', message, step: 'Restore sources', source: `s${i}` })) });
    const size = (record: DrillRecord) => Buffer.byteLength(JSON.stringify(drillStateReport(record)));
    // Only the error count's digits grow.
    expect(size(manyErrors(600)) - size(manyErrors(1))).toBeLessThanOrEqual(2);
    expect(size(manyErrors(60))).toBeLessThan(8 * 1024);
    expect(drillStateReport(manyErrors(60))).toEqual({
      drillId: failed.drillId,
      plan: 'orders',
      execution: 'exec-5',
      verdict: 'FAILED',
      summary: `RestoreVerificationError (source s0): ${message}`,
      reportKey: failed.reportKey,
      reportSha256: failed.reportSha256,
      counts: { sources: 0, errors: 60, missed: 0 },
    });
    // A summary too long for the state is cut, and names the drill (lifeboat drill run reads it back by that id).
    const long = drillStateReport({ ...failed, errors: [{ error: 'E', message: 'y'.repeat(100_000), step: 'Start drill' }] }).summary;
    expect({ length: long.length < 5000, end: long.endsWith(`lifeboat drills show ${failed.drillId})`) }).toEqual({ length: true, end: true });
    // A passed drill's is its whole record (the execution's output), with its summary.
    const passed: DrillRecord = { ...failed, verdict: 'PASSED', errors: [] };
    expect(drillStateReport(passed)).toEqual({ ...passed, summary: 'PASSED: every source restored and verified within the objectives' });
  });
});
