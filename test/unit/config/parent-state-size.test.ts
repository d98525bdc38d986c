import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type SourceConfig } from '../../../config/lifeboat-config';
import {
  drillStateBytes,
  drillStateSource,
  failoverStateBytes,
  failoverStateSource,
  leastStateBytes,
  reportListsShare,
  sourcesWithinState,
  STATE_LIMIT_BYTES,
  type StateSource,
} from '../../../config/parent-state-size';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { cleanupWithin } from '../../../lambdas/drill/cleanup-lines';
import { comparisonWithin } from '../../../lambdas/drill/comparison-texts';
import { BackupLacksLiveObjectsError, LiveSampleMismatchError } from '../../../lambdas/drill/drill-errors';
import { startDrill } from '../../../lambdas/drill/drill-start';
import { reportStepOutput } from '../../../lambdas/failover/failover-incomplete';
import { failoverReport, sourceOutcomeSchema } from '../../../lambdas/failover/failover-report';
import { type FailoverStart } from '../../../lambdas/failover/failover-start';
import { failoverTargetOf } from '../../../lambdas/failover/failover-targets';
import { boundedFailure } from '../../../lambdas/restore/bounded-failure';
import { describeTarget } from '../../../lambdas/restore/resolved-restore';
import { type RestorePlanDocument } from '../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../lambdas/restore/restore-shard';
import { shardCheckKey } from '../../../lambdas/restore/shard-checks';
import { type RestoreReport, verifyRestore } from '../../../lambdas/restore/verify-restore';
import { STATE_PAYLOAD_LIMIT_BYTES } from '../../../local/executor/payload-limit';
import { backupDirectory } from '../../../vault/archiver/directory-source';
import { CodecPool } from '../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../support/restore-fixtures';
import { testPlan } from '../../support/test-plans';
import { newTestVault, removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * Review r58I F2: a drill's or a failover's state holds every source's restore report (or failure), and each source's
 * report carried a fixed 2 KiB of lists: from ~62 sources the drill went over Step Functions' 256 KiB after recording
 * PASSED, from ~88 its Map failed with its pins and scratch targets left, and a failover of ~64 printed no report.
 * config/parent-state-size.ts models the largest state from the plan's sources, for synth's warning and refusal; here
 * the states are built with the workflows' own code, every per-source text at its worst (paths, keys and messages of
 * control characters, which JSON writes as six bytes each), and the model must never be below them.
 */
const planS3 = mockClient(S3Client);
const BACKUP_ID = '20261205T100000Z-1a2b3c4d';
const STARTED = '2026-12-05T12:00:00.000Z';
const HOSTILE = '\u0001';
const MOUNT = '/mnt/lifeboat';
const PREFIX = 'lifeboat-production-restore-';

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');
const lambdaCause = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage, trace: ['at x'] });

/** `n` sources of names of the longest (32 characters), of directories of long paths (the longest targets). */
function sourcesOf(n: number): SourceConfig[] {
  return Array.from({ length: n }, (_, i) => ({ type: 'filesystem', name: `s${String(i).padStart(3, '0')}-${'x'.repeat(27)}`, path: `${MOUNT}/data/${'d'.repeat(60)}/s${i}` }));
}

let dir: string;
/** The verify step's report of a source whose shard recorded 100 entries of 4 KiB paths of control characters, its backup 5,000 left out named by 3 lines of 1,300 such characters. */
let hostileReport: (sources: number) => Promise<RestoreReport>;

beforeAll(async () => {
  dir = await tempDir('parent-state-size');
  const { vault } = await newTestVault(dir);
  const src = path.join(dir, 'src');
  await fs.mkdir(src);
  await fs.writeFile(path.join(src, 'a.txt'), 'hello\n');
  const snapshot = (await backupDirectory(vault, src)).snapshot;
  let n = 0;
  hostileReport = async (sources) => {
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
    const key = shardCheckKey(restoreId, 0);
    // Ten distinct reasons, each naming the path: the reasons and the first paths all take from the source's share.
    const lost = Array.from({ length: 100 }, (_, i) => ({ path: `${HOSTILE.repeat(4080)}/${String(i).padStart(3, '0')}`, what: `${HOSTILE.repeat(200)} ${i % 10}: EPERM '${HOSTILE.repeat(40)}'` }));
    stored.set(key, JSON.stringify({ ...(JSON.parse(stored.get(key) ?? '{}') as object), notRestored: lost, notRestoredCount: 7000 }));
    const examples = [0, 1, 2].map((i) => `${HOSTILE.repeat(1300)}/${i}: in storage class GLACIER (archived); not backed up`);
    const records = { getBackup: (backupId: string) => Promise.resolve({ backupId, sources: [{ name: 'files', skipped: 5000, skippedExamples: examples, vanished: 9, changedDuringRead: 9 }] } as unknown as BackupRecord) };
    return verifyRestore({ planKey, reportIn: 'parent-state', reportSources: sources }, { ...io, backupRecords: records });
  };
});
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
  await removeDir(dir);
});

/** A failure's caught error as the child restore gives it back, bounded by its Abandon restore (bounded-failure.ts). */
function hostileFailure(errorType: string, message: string): { Error: string; Cause: string } {
  return boundedFailure({ Error: errorType, Cause: lambdaCause(errorType, message) });
}

/** The model's sources of the drill and the failover of `sources`. */
const drillModel = (sources: readonly SourceConfig[]): StateSource[] => sources.map((s) => drillStateSource(s, MOUNT));
const failoverModel = (sources: readonly SourceConfig[]): StateSource[] => sources.map((s) => failoverStateSource(s, PREFIX, '/mnt/dr'));

describe.each([40, 100, 200])('%i sources of the longest names and paths', (count) => {
  const sources = sourcesOf(count);
  const names = sources.map((s) => s.name);
  const plan = testPlan({ name: 'big', objectives: { rpoMinutes: 10_000, rtoMinutes: 600 }, sources, drill: { schedule: 'rate(7 days)', selection: 'latest', windowDays: 3, vault: 'primary', samples: 10_000 } });
  const executionInput = { plan: 'big', backupId: BACKUP_ID, windowDays: 3650, samples: 10_000 };

  async function drillStart() {
    const backup = { backupId: BACKUP_ID, plan: 'big', environment: 'dev', sourceNames: names, sources: names.map((name) => ({ name, type: 'filesystem' })), strategy: 'full', status: 'COMMITTED', startedAt: '2026-12-05T11:30:00.000Z', endedAt: '2026-12-05T11:40:00.000Z', shardCount: count, copies: { primary: 'COMMITTED' } } as unknown as BackupRecord;
    return startDrill(
      { input: executionInput, execution: 'e'.repeat(80), startedAt: STARTED },
      {
        plans: [plan],
        catalog: { listBackupsOfPlan: () => Promise.resolve([backup]), getBackup: () => Promise.resolve(backup), rebuildMarker: () => ({ read: () => Promise.resolve(undefined) }) },
        vault: 'primary',
        region: 'us-west-2',
        drillTargetPrefix: 'lifeboat-production-drill-',
        s3: { send: () => Promise.resolve({}) } as unknown as S3Client,
        directoryRoot: { configured: MOUNT, real: path.join(dir, 'scratch') },
      },
    );
  }

  /** The cleanup's result with 1,000 earlier targets swept and an error line of each of its own, as it lands in the state. */
  function cleanupOf(removed: string[]) {
    return cleanupWithin({ removed, swept: Array.from({ length: 1000 }, (_, i) => `directory ${MOUNT}/lifeboat-production-drill-0a0b0c0d-${i}`), errors: removed.map((r) => `${r}: ${HOSTILE.repeat(500)}`) }).kept;
  }

  /** Record drill's input: the whole state, the execution's input beside it. */
  const recordInput = (state: object) => ({ input: executionInput, execution: 'e'.repeat(80), startedAt: STARTED, state: { ...executionInput, ...state } });

  it("the drill's largest state, every source restored with its lists and live differences at their bounds, is within the model", async () => {
    const drill = await drillStart();
    const one = await hostileReport(count);
    // Its share of the lists, whatever the number of sources.
    expect(bytesOf(one.notRestored) + bytesOf(one.backupLeftOut)).toBeLessThan(reportListsShare(count) + 2000);
    const restored = drill.restores.map(({ restoreId, request }) => ({ ...one, restoreId, source: request.source, target: request.target, targetDescription: describeTarget(request.target), items: Number.MAX_SAFE_INTEGER }));
    const keys = Array.from({ length: 5 }, (_, i) => JSON.stringify(`${HOSTILE.repeat(1020)}${i}`));
    const errors = names.flatMap((source) => [new LiveSampleMismatchError(source, keys), new BackupLacksLiveObjectsError(source, keys)]).map((e, i) => ({ error: e.name, message: e.message, step: 'Compare with live sources', source: names[Math.floor(i / 2)] ?? '' }));
    const notes = [`live objects not looked up in the backup: it was taken under prefix ${JSON.stringify(HOSTILE.repeat(1024))}`, 'x'.repeat(300), 'y'.repeat(300)];
    const comparison = comparisonWithin({ verifiedAt: STARTED, sources: names.map((source) => ({ source, sampled: { compared: 10_000, matched: 9_999, skippedChanged: 10_000, checkedLive: 10_000, unreachable: HOSTILE.repeat(2000), liveNotes: notes } })), errors });
    expect(comparison.errors).toHaveLength(2 * count);
    const state = recordInput({ drill, restored, comparison, cleanup: cleanupOf(drill.restores.map((r) => describeTarget(r.request.target))) });
    expect(bytesOf(state)).toBeLessThanOrEqual(drillStateBytes(drillModel(sources)));
  });

  it("the drill's largest state, every source's restore failed with a message of control characters, is within the model", async () => {
    const drill = await drillStart();
    const restored = drill.restores.map(({ request }) => ({ source: request.source, failed: true, target: request.target, error: hostileFailure('RestoreVerificationError', `3 entries differ: ${HOSTILE.repeat(5000)}`) }));
    const state = recordInput({ drill, restored, comparison: { verifiedAt: STARTED, sources: [], errors: [] }, cleanup: cleanupOf(drill.restores.map((r) => describeTarget(r.request.target))) });
    expect(bytesOf(state)).toBeLessThanOrEqual(drillStateBytes(drillModel(sources)));
  });

  /** The failover's start result, its targets named as its start names them (the longest suffix). */
  function failoverStart(): FailoverStart {
    const restores = sources.map((source) => ({ restoreId: `${'f'.repeat(80 - source.name.length - 1)}-${source.name}`, request: { source: source.name, backupId: BACKUP_ID, target: failoverTargetOf(source, PREFIX, 'x'.repeat(20), '/mnt/dr'), overwrite: true, vault: 'dr' as const } }));
    const choices = sources.map((s) => ({ source: s.name, type: s.type, use: 'vault' as const, reason: 'file-system mirrors are not compared by the mirror check, so their freshness is unknown: restored from the DR vault' }));
    return { failoverId: 'f'.repeat(80), plan: 'big', startedAt: STARTED, backup: { backupId: BACKUP_ID, startedAt: '2026-12-05T10:00:00.000Z', endedAt: '2026-12-05T10:10:00.000Z' }, restores, choices, bucketsAbortingUploads: [] };
  }
  const failoverInput = { plan: 'big', backupId: BACKUP_ID, targetSuffix: 'x'.repeat(20), overwrite: true, requestedBy: 'r'.repeat(512), useMirrors: false, sources: names };

  /** The failover's largest states: `Restore sources`' result and `Failover report`'s, as its report step makes it. */
  function failoverStates(failover: FailoverStart, restored: unknown[]) {
    const items = restored.map((r) => sourceOutcomeSchema.parse(JSON.parse(JSON.stringify(r))));
    const report = failoverReport({ failover, restored: items, finishedAt: '2026-12-05T12:30:00.000Z', request: failoverInput }, [plan]);
    return [{ ...failoverInput, approval: { approvedBy: 'a'.repeat(512), approvedAt: STARTED }, failover, restored }, { report: reportStepOutput(report, { environment: 'production', localCloud: false }) }];
  }

  it("the failover's largest state, every source restored with its lists at their bounds, is within the model", async () => {
    const failover = failoverStart();
    const one = await hostileReport(count);
    const restored = failover.restores.map(({ restoreId, request }) => ({ ...one, restoreId, source: request.source, target: request.target, targetDescription: describeTarget(request.target) }));
    for (const state of failoverStates(failover, restored)) expect(bytesOf(state)).toBeLessThanOrEqual(failoverStateBytes(failoverModel(sources)));
  });

  it("the failover's largest state, every source failed with a message of control characters (every kind of action), is within the model", () => {
    const failover = failoverStart();
    const hostile = HOSTILE.repeat(3000);
    const errors = [
      hostileFailure('RestoreTargetClaimedError', `restore id ${'i'.repeat(80)} is claimed by another execution arn:aws:states:${hostile}, not this one (x), since y, restoring directory ${hostile}: a restore's pin and plan ...`),
      hostileFailure('RestoreTargetClaimedError', `the target is being restored by restore ${'h'.repeat(3000)} (since ...)`),
      hostileFailure('BackupNotReplicatedError', `its snapshot is missing: ${hostile}`),
      hostileFailure('States.Timeout', hostile),
      hostileFailure('RestoreVerificationError', `3 entries differ: ${hostile}`),
    ];
    const restored = failover.restores.map(({ restoreId, request }, i) => ({ restoreId, source: request.source, target: request.target, failed: true, error: errors[i % errors.length] }));
    const [mapped, reported] = failoverStates(failover, restored);
    expect((reported as { report: { failed: unknown[] } }).report.failed).toHaveLength(count);
    for (const state of [mapped, reported]) expect(bytesOf(state)).toBeLessThanOrEqual(failoverStateBytes(failoverModel(sources)));
  });
});

describe('what the model says of such plans (synth warns past the count it names, and refuses past the least state)', () => {
  it('40, 100 and 200 sources of the longest names: the drill holds 52 at worst, the failover 41; none is refused', () => {
    expect(STATE_LIMIT_BYTES).toBe(STATE_PAYLOAD_LIMIT_BYTES);
    const rows = [40, 100, 200].map((n) => {
      const sources = sourcesOf(n);
      return { n, drill: drillStateBytes(drillModel(sources)) <= STATE_LIMIT_BYTES, failover: failoverStateBytes(failoverModel(sources)) <= STATE_LIMIT_BYTES, least: leastStateBytes(drillModel(sources)) <= STATE_LIMIT_BYTES };
    });
    expect(rows).toEqual([
      { n: 40, drill: true, failover: true, least: true },
      { n: 100, drill: false, failover: false, least: true },
      { n: 200, drill: false, failover: false, least: true },
    ]);
    expect(sourcesWithinState(drillModel(sourcesOf(200)), drillStateBytes)).toBe(52);
    expect(sourcesWithinState(failoverModel(sourcesOf(200)), failoverStateBytes)).toBe(41);
  });
});
