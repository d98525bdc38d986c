import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type RestoreReportPlace } from '../../../../config/restore-report-in';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type BackupRecords } from '../../../../lambdas/restore/backup-left-out';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { shardCheckKey } from '../../../../lambdas/restore/shard-checks';
import { type RestoreReport, verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { STATE_PAYLOAD_LIMIT_BYTES } from '../../../../local/executor/payload-limit';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review f58O: a restore report carried its lists whole into the execution's state — 20 notRestored paths of up to 4 KiB
 * and the backup's skipped reason lines, 80 KiB a source, and of control characters, which JSON writes as six bytes each,
 * 480 KiB: the runbook's own Verify restore ended States.DataLimitExceeded (Step Functions' 256 KiB a state, which the
 * local executor enforces too: local/executor/payload-limit.ts), and a drill's or a failover's `$.restored`, one report a
 * source, went over it from three or four sources of plain long paths. Here the reports are made by the verify step
 * itself, from a shard's check record that lists 100 such entries; the parents' largest states are built from them in
 * test/unit/config/parent-state-size.test.ts.
 */
const planS3 = mockClient(S3Client);
const BACKUP_ID = '20261205T100000Z-1a2b3c4d';
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
let verified: (char: string, reportIn: RestoreReportPlace | undefined, examples?: readonly string[], reportSources?: number) => Promise<RestoreReport>;

beforeAll(async () => {
  dir = await tempDir('restore-report-state-size');
  const { vault } = await newTestVault(dir);
  const src = path.join(dir, 'src');
  await fs.mkdir(src);
  await fs.writeFile(path.join(src, 'a.txt'), 'hello\n');
  const snapshot = (await backupDirectory(vault, src)).snapshot;
  let n = 0;
  verified = async (char, reportIn, examples = hostileExamples, reportSources) => {
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
    return verifyRestore({ planKey, ...(reportIn !== undefined ? { reportIn } : {}), ...(reportSources !== undefined ? { reportSources } : {}) }, { ...io, backupRecords: recordsNaming(examples) });
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

  it("carries its share of the 80 KiB all the parent's sources' lists take together, the parent saying how many sources it has (review r58I F2)", async () => {
    const texts = (r: RestoreReport) => [...(r.notRestored?.kinds ?? []), ...(r.notRestored?.first ?? []).flatMap((x) => [x.path, x.what]), ...(r.backupLeftOut && 'skippedExamples' in r.backupLeftOut ? r.backupLeftOut.skippedExamples : [])];
    const bytes = (r: RestoreReport) => texts(r).reduce((sum, t) => sum + bytesOf(t) - 2, 0);
    for (const sources of [1, 40, 100, 200]) {
      const report = await verified('p', 'parent-state', plainExamples, sources);
      expect(bytes(report)).toBeLessThanOrEqual(Math.floor((80 * 1024) / sources));
      expect(report.notRestored?.count).toBe(NOT_RESTORED);
    }
    // One source: the first 10 paths, cut at 256 bytes, and the reason lines.
    expect((await verified('p', 'parent-state', plainExamples, 1)).notRestored?.first).toHaveLength(10);
  });
});
