import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type RestoreReportPlace } from '../../../../config/restore-report-in';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { startDrill } from '../../../../lambdas/drill/drill-start';
import { drillStateSchema } from '../../../../lambdas/drill/drill-state';
import { drillStateReport } from '../../../../lambdas/drill/drill-state-report';
import { recordDrill } from '../../../../lambdas/drill/record-drill';
import { reportStepOutput } from '../../../../lambdas/failover/failover-incomplete';
import { failoverReport, type FailoverSourceReport, sourceOutcomeSchema } from '../../../../lambdas/failover/failover-report';
import { type FailoverStart } from '../../../../lambdas/failover/failover-start';
import { type BackupRecords } from '../../../../lambdas/restore/backup-left-out';
import { describeTarget } from '../../../../lambdas/restore/resolved-restore';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { shardCheckKey } from '../../../../lambdas/restore/shard-checks';
import { type RestoreReport, verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { STATE_PAYLOAD_LIMIT_BYTES } from '../../../../local/executor/payload-limit';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { testPlan } from '../../../support/test-plans';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review f58O: a restore report carried its lists whole into the execution's state — 20 notRestored paths of up to 4 KiB
 * and the backup's skipped reason lines, 80 KiB a source, and of control characters, which JSON writes as six bytes each,
 * 480 KiB: the runbook's own Verify restore ended States.DataLimitExceeded (Step Functions' 256 KiB a state, which the
 * local executor enforces too: local/executor/payload-limit.ts), and a drill's or a failover's `$.restored`, one report a
 * source, went over it from three or four sources of plain long paths. Here the reports are made by the verify step
 * itself, from a shard's check record that lists 100 such entries, and the parents' states are built from them as their
 * workflows build them, up to each one's largest state.
 */
const planS3 = mockClient(S3Client);
const BACKUP_ID = '20261205T100000Z-1a2b3c4d';
const STARTED = '2026-12-05T12:00:00.000Z';
const SOURCES = 40;
const NOT_RESTORED = 7000;
const SKIPPED = 5000;

/** 100 entries a shard could not recreate, each path 4 KiB of `char` (sorted, as the report sorts them). */
function lostEntries(char: string): Array<{ path: string; what: string }> {
  return Array.from({ length: 100 }, (_, i) => ({ path: `${char.repeat(4080)}/${String(i).padStart(3, '0')}`, what: `FIFO not recreated: EPERM: operation not permitted, mknod '${char.repeat(40)}'` }));
}

/** The backup's record of source `files`: 5,000 objects left out as archived, three of them named (commit-backup.ts: at most 1,300 characters a line). */
function recordsNaming(examples: readonly string[]): BackupRecords {
  return { getBackup: (backupId: string) => Promise.resolve({ backupId, sources: [{ name: 'files', skipped: SKIPPED, skippedExamples: [...examples] }] } as unknown as BackupRecord) };
}

const hostileExamples = [0, 1, 2].map((i) => `${'\u0001'.repeat(1200)}/${i}: in storage class GLACIER (archived); not backed up`);
const plainExamples = [0, 1, 2].map((i) => `cold/ledger-202${i}.csv: in storage class GLACIER (archived); not backed up`);

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

let dir: string;
/** The verify step's report of a restore whose shard recorded lostEntries(char), where it goes (`reportIn`). */
let verified: (char: string, reportIn: RestoreReportPlace | undefined, examples?: readonly string[]) => Promise<RestoreReport>;

beforeAll(async () => {
  dir = await tempDir('restore-report-state-size');
  const { vault } = await newTestVault(dir);
  const src = path.join(dir, 'src');
  await fs.mkdir(src);
  await fs.writeFile(path.join(src, 'a.txt'), 'hello\n');
  const snapshot = (await backupDirectory(vault, src)).snapshot;
  let n = 0;
  verified = async (char, reportIn, examples = hostileExamples) => {
    const restoreId = `r-${++n}`;
    const plan: RestorePlanDocument = {
      restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, backupId: BACKUP_ID, target: { type: 'filesystem', path: `/restored-${n}` } }),
      entries: 1,
      bytes: 6,
      shards: [{ index: 0, first: 'a.txt', last: 'a.txt', entries: 1, bytes: 6 }],
    };
    const planKey = `restore-plans/${restoreId}.json`;
    const stored = new Map([[planKey, JSON.stringify(plan)]]);
    planS3.reset();
    servePlanObjects(planS3, stored);
    const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
    await restoreShard({ restoreId, planKey, shardIndex: 0 }, io);
    // The shard's record as a shard of a source with thousands of FIFOs writes it: its first 100, and the count.
    const key = shardCheckKey(restoreId, 0);
    stored.set(key, JSON.stringify({ ...(JSON.parse(stored.get(key) ?? '{}') as object), notRestored: lostEntries(char), notRestoredCount: NOT_RESTORED }));
    return verifyRestore({ planKey, ...(reportIn !== undefined ? { reportIn } : {}) }, { ...io, backupRecords: recordsNaming(examples) });
  };
});
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
  await removeDir(dir);
});

describe("the runbook's report (its execution's output)", () => {
  it('stays within a state with 20 paths of 4 KiB of control characters, its counts whole, the paths it lists whole', async () => {
    const report = await verified('\u0001', undefined);
    expect(bytesOf(report)).toBeLessThan(STATE_PAYLOAD_LIMIT_BYTES);
    expect(report.notRestored?.count).toBe(NOT_RESTORED);
    const first = report.notRestored?.first ?? [];
    expect(first.length).toBeGreaterThan(0);
    expect(first).toEqual(lostEntries('\u0001').slice(0, first.length));
    expect(report.backupLeftOut).toMatchObject({ skipped: SKIPPED });
  });

  it('keeps the first 20 of plain paths of 4 KiB, whole, and the reason lines', async () => {
    const report = await verified('p', undefined, plainExamples);
    expect(report.notRestored).toEqual({ count: NOT_RESTORED, first: lostEntries('p').slice(0, 20) });
    expect(report.backupLeftOut).toEqual({ skipped: SKIPPED, skippedExamples: plainExamples, vanished: 0, changedDuringRead: 0 });
  });
});

describe("a drill's or failover's source (one item of the parent's $.restored)", () => {
  it('carries 2 KiB of texts at most, cut as the drill keeps them (reason lines too), its counts whole', async () => {
    const hostile = await verified('\u0001', 'parent-state');
    const texts = (r: RestoreReport) => [...(r.notRestored?.first ?? []).flatMap((x) => [x.path, x.what]), ...(r.backupLeftOut && 'skippedExamples' in r.backupLeftOut ? r.backupLeftOut.skippedExamples : [])];
    expect(texts(hostile).reduce((sum, t) => sum + bytesOf(t) - 2, 0)).toBeLessThanOrEqual(2 * 1024);
    expect(hostile.notRestored?.count).toBe(NOT_RESTORED);
    expect(hostile.notRestored?.first.length).toBeGreaterThan(0);
    for (const t of texts(hostile)) expect(Buffer.byteLength(t, 'utf8')).toBeLessThanOrEqual(256);
    // The paths took the budget: no reason line is listed, the count whole (the drill's live comparison reads the record's lines: review r58I F1).
    expect(hostile.backupLeftOut).toEqual({ skipped: SKIPPED, skippedExamples: [], vanished: 0, changedDuringRead: 0 });
    const plain = await verified('p', 'parent-state', plainExamples);
    expect(plain.notRestored?.first[0]?.path).toBe(`${'p'.repeat(253)}…`);
    expect(plain.backupLeftOut).toEqual({ skipped: SKIPPED, skippedExamples: plainExamples.slice(0, (plain.backupLeftOut as { skippedExamples: string[] }).skippedExamples.length), vanished: 0, changedDuringRead: 0 });
  });
});

describe.each([
  ['plain paths', 'p'],
  ['paths of control characters', '\u0001'],
])('%s of 4 KiB in all 40 sources', (_, char) => {
  const names = Array.from({ length: SOURCES }, (_n, i) => `s${String(i).padStart(2, '0')}-${'x'.repeat(28)}`);
  const plan = testPlan({
    name: 'big',
    objectives: { rpoMinutes: 10_000, rtoMinutes: 600 },
    sources: names.map((name) => ({ type: 'filesystem', name, path: `/mnt/lifeboat/data/${name}` })),
    drill: { schedule: 'rate(7 days)', selection: 'latest', windowDays: 3, vault: 'primary', samples: 4 },
  });
  /** The verify step's report of each source restored into `targets[i]`, as the restore-source state machine gives it to its parent. */
  const reports = async (targets: ReadonlyArray<{ restoreId: string; request: { source: string; target: RestoreReport['target'] } }>): Promise<RestoreReport[]> => {
    const one = await verified(char, 'parent-state');
    return targets.map(({ restoreId, request }) => ({ ...one, restoreId, source: request.source, target: request.target, targetDescription: describeTarget(request.target) }));
  };

  it("the drill's state stays within 256 KiB where it is largest (Record drill's output: every step's result and the whole record)", async () => {
    const backup: BackupRecord = {
      backupId: BACKUP_ID,
      plan: 'big',
      environment: 'dev',
      sourceNames: names,
      sources: names.map((name) => ({ name, type: 'filesystem', snapshotId: 'a'.repeat(64), rootHash: 'b'.repeat(64), entries: 9000, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 })),
      strategy: 'full',
      status: 'COMMITTED',
      startedAt: '2026-12-05T11:30:00.000Z',
      shardCount: 40,
      copies: { primary: 'COMMITTED' },
    };
    const send = () => Promise.resolve({});
    const drill = await startDrill(
      { input: { plan: 'big', selection: 'latest' }, execution: 'e'.repeat(80), startedAt: STARTED },
      {
        plans: [plan],
        catalog: { listBackupsOfPlan: () => Promise.resolve([backup]), getBackup: () => Promise.resolve(backup), rebuildMarker: () => ({ read: () => Promise.resolve(undefined) }) },
        vault: 'primary',
        region: 'us-west-2',
        drillTargetPrefix: 'lifeboat-production-drill-',
        s3: { send } as unknown as S3Client,
        directoryRoot: { configured: '/mnt/lifeboat', real: path.join(dir, 'scratch') },
      },
    );
    const restored = await reports(drill.restores);
    const verifiedAt = '2026-12-05T12:20:00.000Z';
    const comparison = { verifiedAt, sources: names.map((source) => ({ source, sampled: { compared: 4, matched: 4, skippedChanged: 0 } })), errors: [] };
    const cleanup = { removed: drill.restores.map((r) => describeTarget(r.request.target)), swept: [], errors: [] };
    // As Record drill's handler reads it (drillStateSchema) from the state Step Functions hands over.
    const state = drillStateSchema.parse(JSON.parse(JSON.stringify({ input: { plan: 'big', selection: 'latest' }, execution: 'e'.repeat(80), startedAt: STARTED, drill, restored, comparison, cleanup })));
    const record = await recordDrill(state as Parameters<typeof recordDrill>[0], {
      plans: [plan],
      environment: 'dev',
      region: 'us-west-2',
      vault: 'primary',
      store: new MemoryVaultStore('vault'),
      drillLog: { record: () => Promise.resolve() },
      now: () => new Date('2026-12-05T12:21:00.000Z'),
    });
    // Passed, so the state keeps the whole record, not an outline: the largest it gets.
    expect(record.verdict).toBe('PASSED');
    expect(record.sources.map((s) => s.notRestored?.count)).toEqual(names.map(() => NOT_RESTORED));
    expect(record.sources.map((s) => s.backupLeftOut && 'skipped' in s.backupLeftOut && s.backupLeftOut.skipped)).toEqual(names.map(() => SKIPPED));
    expect(bytesOf({ ...state, report: drillStateReport(record) })).toBeLessThan(STATE_PAYLOAD_LIMIT_BYTES);
  });

  it.each([
    ['complete', false],
    ['partial (its report in the Fail state\'s cause too)', true],
  ])("the failover's state stays within 256 KiB where it is largest (Failover report's output), %s", async (_k, partial) => {
    const failover: FailoverStart = {
      failoverId: 'f'.repeat(80),
      plan: 'big',
      startedAt: STARTED,
      backup: { backupId: BACKUP_ID, startedAt: '2026-12-05T10:00:00.000Z' },
      restores: names.map((source) => ({ restoreId: `${'f'.repeat(80)}-${source}`, request: { source, backupId: BACKUP_ID, target: { type: 'filesystem', path: `/mnt/lifeboat/restore/${source}-failover` }, overwrite: false, vault: 'dr' } })),
    };
    const restored: unknown[] = await reports(failover.restores);
    if (partial) {
      const last = failover.restores.at(-1);
      const message = `Restore verification failed: ${'m'.repeat(2000)}`;
      restored[restored.length - 1] = { source: last?.request.source, restoreId: last?.restoreId, target: last?.request.target, failed: true, error: { Error: 'RestoreVerificationError', Cause: JSON.stringify({ errorType: 'RestoreVerificationError', errorMessage: message }) } };
    }
    // As Failover report's handler reads `$.restored`.
    const items = restored.map((r) => sourceOutcomeSchema.parse(JSON.parse(JSON.stringify(r))));
    const report = failoverReport({ failover, restored: items, finishedAt: '2026-12-05T12:30:00.000Z', request: { plan: 'big' } }, [plan]);
    const live = report.sources.filter((s): s is FailoverSourceReport & { notRestored: object; backupLeftOut: object } => s.notRestored !== undefined && s.backupLeftOut !== undefined);
    expect(live).toHaveLength(partial ? SOURCES - 1 : SOURCES);
    const output = reportStepOutput(report, { environment: 'production', localCloud: false });
    expect(output.incompleteCause !== undefined).toBe(partial);
    const state = { approval: { approvedBy: 'a'.repeat(200), approvedAt: STARTED }, failover, restored, report: output };
    expect(bytesOf(state)).toBeLessThan(STATE_PAYLOAD_LIMIT_BYTES);
  });
});
