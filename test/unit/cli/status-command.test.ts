import { resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { statusCommand } from '../../../cli/commands/status-command';
import { ALARMS_NOT_EMULATED, awsAlarmsInAlarm } from '../../../cli/status/alarm-status';
import { environmentAlarmNames } from '../../../cli/status/environment-alarm-names';
import { DEFAULT_CONFIG_FILE, findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { type DrillRecord } from '../../../lambdas/catalog/drill-record';
import { type OutstandingScrubObject, type ScrubRunRecord } from '../../../lambdas/catalog/scrub-record';
import { environmentStatus, type EnvironmentStatus } from '../../../cli/status/environment-status';
import { localNextRun, type NextRun } from '../../../cli/status/next-run';
import { planStatus, type PlanStatus } from '../../../cli/status/plan-status';
import { drillLines, reasonsNotWithin, statusScreen } from '../../../cli/status/status-screen';
import { type StatusSources } from '../../../cli/status/status-sources';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, drillReport, failedReport, objectiveMissedReport } from '../../support/drill-records';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat status`: the row of a plan computed from catalog records (stale plan → ✗ RPO, a drill
 * that missed an objective, DR copy lag, vault figures), the screen and its exit code.
 */

const NOW = new Date('2026-11-30T12:00:00.000Z');
const SCHEDULED: NextRun = { state: 'scheduled', at: '2026-12-01T06:00:00.000Z', expression: 'rate(1 day)' };
const DAY = { name: 'demo', objectives: { rpoMinutes: 1440, rtoMinutes: 60 } };

let seq = 0;
function backup(startedAt: string, overrides: Partial<BackupRecord> = {}): BackupRecord {
  seq++;
  return {
    backupId: `${startedAt.replace(/[-:]/g, '').slice(0, 15)}Z-${String(seq).padStart(8, '0')}`,
    plan: 'demo',
    environment: 'dev',
    sourceNames: ['demo-assets'],
    sources: [],
    strategy: 'incremental',
    status: 'COMMITTED',
    startedAt,
    endedAt: startedAt,
    shardCount: 1,
    totals: { entries: 10, bytes: 1_000_000, bytesScanned: 1_000_000, bytesNew: 100_000, bytesStored: 50_000, blobsNew: 3 },
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    ...overrides,
  };
}

const drill = (report: Parameters<typeof drillRecordOf>[0]): DrillRecord => drillRecordOf(report).record;

/** `b` as the catalog records a backup of one source whose snapshot is `snapshotId`. */
function withSnapshot(b: BackupRecord, snapshotId: string): BackupRecord {
  return { ...b, sources: [{ name: 'demo-assets', type: 's3', snapshotId, rootHash: 'f'.repeat(64), entries: 10, bytes: 1_000_000, bytesScanned: 1_000_000, bytesNew: 100_000, bytesStored: 50_000, blobsNew: 3 }] };
}

function row(backups: BackupRecord[], drills: DrillRecord[] = [], latestScrub?: ScrubRunRecord): PlanStatus {
  return planStatus({ plan: DAY, backups, drills, ...(latestScrub ? { latestScrub } : {}), nextRun: SCHEDULED, now: NOW });
}

describe('the row of a plan', () => {
  it('a plan whose last committed backup is older than its RPO is ✗ on the RPO, though a newer run FAILED', () => {
    const stale = row([backup('2026-11-30T06:00:00.000Z', { status: 'FAILED', totals: undefined, copies: undefined, error: 'SourceUnreachableError' }), backup('2026-11-29T06:00:00.000Z')]);
    expect(stale.lastBackup).toEqual({
      newest: expect.objectContaining({ status: 'FAILED', error: 'SourceUnreachableError' }),
      lastCommitted: expect.objectContaining({ startedAt: '2026-11-29T06:00:00.000Z', ageSeconds: 30 * 3600 }),
      rpoSeconds: 86_400,
      withinRpo: false,
    });
    expect(stale.withinObjectives).toBe(false);
  });

  // Audit b3-2: a record dated a year ahead (a wrong host clock) was the newest backup, 0 s old: a plan whose backups stopped was ✓.
  it('a record that starts in the future is passed over and listed: the plan is judged on the newest backup before now; skew within the tolerance is now', () => {
    const ahead = backup('2027-11-20T12:00:00.000Z');
    const stopped = backup('2026-11-20T12:00:00.000Z');
    const status = row([ahead, stopped]);
    expect(status.lastBackup).toEqual({
      newest: expect.objectContaining({ backupId: stopped.backupId }),
      lastCommitted: expect.objectContaining({ backupId: stopped.backupId, ageSeconds: 10 * 86_400 }),
      rpoSeconds: 86_400,
      withinRpo: false,
      inFuture: [{ backupId: ahead.backupId, status: 'COMMITTED', startedAt: '2027-11-20T12:00:00.000Z' }],
    });
    expect(status.drCopyObjective).toEqual(expect.objectContaining({ newestCopied: { backupId: stopped.backupId, ageSeconds: 10 * 86_400 }, met: false }));
    expect(status.withinObjectives).toBe(false);
    // The vault holds both: its figures count the one dated ahead.
    expect(status.vault.committedBackups).toBe(2);
    const skewed = row([backup('2026-11-30T12:02:00.000Z')]);
    expect(skewed.lastBackup).toEqual(expect.objectContaining({ lastCommitted: expect.objectContaining({ ageSeconds: 0 }), withinRpo: true }));
    expect(skewed.lastBackup.inFuture).toBeUndefined();
  });

  // Review r64U F1: the catalog lists by the start's text, 'hand-edited' sorted first and was shown as the last
  // committed backup, NaN s old: the plan ✗ on its RPO while the age watch passed the record over and was OK.
  it('a record whose startedAt is not a time is passed over and listed; the others are judged newest first by their instant', () => {
    const edited = backup('2026-11-30T11:00:00.000Z', { startedAt: 'hand-edited' });
    const sound = backup('2026-11-30T06:00:00.000Z');
    // 10:00Z, though its text sorts after 06:00Z: the catalog lists it after `sound`.
    const offset = backup('2026-11-30T05:00:00-05:00', { copies: { primary: 'COMMITTED', dr: 'PENDING' } });
    const status = row([edited, sound, offset]);
    expect(status.lastBackup).toEqual({
      newest: expect.objectContaining({ backupId: offset.backupId }),
      lastCommitted: expect.objectContaining({ backupId: offset.backupId, ageSeconds: 2 * 3600 }),
      rpoSeconds: 86_400,
      withinRpo: true,
      untimed: [{ backupId: edited.backupId, status: 'COMMITTED', startedAt: 'hand-edited' }],
    });
    expect(status.drCopy).toEqual({ state: 'behind', lagSeconds: 4 * 3600, newestCopied: sound.backupId, newestCommitted: offset.backupId, newestCopy: 'PENDING' });
    expect(status.drCopyObjective).toEqual(expect.objectContaining({ newestCopied: { backupId: sound.backupId, ageSeconds: 6 * 3600 }, met: true }));
    expect(status.withinObjectives).toBe(true);
    expect(reasonsNotWithin(status)).toEqual([]);
    // The vault holds it: its figures count it.
    expect(status.vault.committedBackups).toBe(3);
  });

  it('a backup exactly the RPO old is within it; a plan without any committed backup is not', () => {
    expect(row([backup('2026-11-29T12:00:00.000Z')]).lastBackup.withinRpo).toBe(true);
    const none = row([backup('2026-11-30T11:00:00.000Z', { status: 'RUNNING', totals: undefined, copies: undefined })]);
    expect(none.lastBackup.lastCommitted).toBeUndefined();
    expect(none.lastBackup.withinRpo).toBe(false);
    expect(none.vault).toEqual({ committedBackups: 0, latestLogicalBytes: 0, logicalBytes: 0, storedBytes: 0 });
    expect(none.drCopy).toEqual({ state: 'no-backup' });
  });

  it('shows the newest drill of either region: OBJECTIVE_MISSED with its RTO against the objective makes the plan ✗', () => {
    const missed = drill(objectiveMissedReport({ vault: 'primary', region: 'us-east-1' }));
    const older = drill(failedReport());
    const r = row([backup('2026-11-30T06:00:00.000Z')], [older, missed]);
    expect(r.lastDrill).toEqual({
      drillId: missed.drillId,
      vault: 'primary',
      region: 'us-east-1',
      startedAt: '2026-11-29T10:15:00.000Z',
      ageSeconds: 25 * 3600 + 45 * 60,
      verdict: 'OBJECTIVE_MISSED',
      rto: { seconds: 3900, objectiveSeconds: 3600, met: false },
      rpo: { seconds: 86_000, objectiveSeconds: 86_400, met: true },
    });
    expect(r.lastBackup.withinRpo).toBe(true);
    expect(r.withinObjectives).toBe(false);
  });

  it('a PASSED last drill, or no drill yet, leaves the plan within its objectives', () => {
    expect(row([backup('2026-11-30T06:00:00.000Z')], [drill(failedReport()), drill(drillReport())]).withinObjectives).toBe(true);
    expect(row([backup('2026-11-30T06:00:00.000Z')]).withinObjectives).toBe(true);
  });

  it('a FAILED last drill carries its first error', () => {
    expect(row([backup('2026-11-30T06:00:00.000Z')], [drill(failedReport({ drillId: '20261130T110000Z-3c4d5e6f' }))]).lastDrill).toEqual(
      expect.objectContaining({ verdict: 'FAILED', error: expect.stringMatching(/^NoBackupToDrillError: plan demo has no committed, replicated backup/) }),
    );
  });

  describe('drills: the newest drill of each vault is judged, not only the newest of either', () => {
    // Yesterday the DR region's drill FAILED; this morning the primary's PASSED. Only the DR drill proves the DR region can restore.
    const drFailed = () => drill(failedReport({ drillId: '20261129T101500Z-3c4d5e6f', startedAt: '2026-11-29T10:15:00.000Z', endedAt: '2026-11-29T10:15:02.000Z' }));
    const primaryPassed = () => drill(drillReport({ drillId: '20261130T101500Z-7a8b9c0d', vault: 'primary', region: 'us-east-1' }));

    it('a FAILED DR drill followed by a PASSED primary drill keeps the plan ✗, and the reason names the DR drill', () => {
      const r = row([backup('2026-11-30T06:00:00.000Z')], [primaryPassed(), drFailed()]);
      expect(r.withinObjectives).toBe(false);
      // `lastDrill` stays the newest of either (for readers of --json); `lastDrills` carries what is judged.
      expect(r.lastDrill).toEqual(expect.objectContaining({ drillId: '20261130T101500Z-7a8b9c0d', vault: 'primary', verdict: 'PASSED' }));
      expect(r.lastDrills).toEqual({
        primary: expect.objectContaining({ drillId: '20261130T101500Z-7a8b9c0d', vault: 'primary', region: 'us-east-1', verdict: 'PASSED', ageSeconds: 6300 }),
        dr: expect.objectContaining({ drillId: '20261129T101500Z-3c4d5e6f', vault: 'dr', region: 'us-west-2', verdict: 'FAILED', ageSeconds: 25 * 3600 + 45 * 60, error: expect.stringMatching(/^NoBackupToDrillError: /) }),
      });
      expect(reasonsNotWithin(r)).toEqual([
        'last DR drill 20261129T101500Z-3c4d5e6f FAILED: NoBackupToDrillError: plan demo has no committed, replicated backup in the last 7 days; ' +
          'the newest is 9 days old (copies.dr PENDING) (a later primary drill PASSED, which does not prove the DR region can restore): ' +
          'see `lifeboat drills show 20261129T101500Z-3c4d5e6f`',
      ]);
    });

    it('the newest drill of each vault PASSED: ✓, whatever an older drill of either said', () => {
      const olderPrimaryFailed = drill(failedReport({ vault: 'primary', region: 'us-east-1' }));
      const r = row([backup('2026-11-30T06:00:00.000Z')], [drFailed(), olderPrimaryFailed, primaryPassed(), drill(drillReport({ drillId: '20261130T111500Z-1a2b3c4d', startedAt: '2026-11-30T11:15:00.000Z' }))]);
      expect([r.lastDrills.primary?.verdict, r.lastDrills.dr?.verdict, r.withinObjectives]).toEqual(['PASSED', 'PASSED', true]);
    });

    it('only primary drills: judged as before, the newest decides', () => {
      const olderFailed = drill(failedReport({ vault: 'primary', region: 'us-east-1' }));
      const passed = row([backup('2026-11-30T06:00:00.000Z')], [olderFailed, primaryPassed()]);
      expect([passed.withinObjectives, Object.keys(passed.lastDrills)]).toEqual([true, ['primary']]);
      const missed = row([backup('2026-11-30T06:00:00.000Z')], [primaryPassed(), drill(objectiveMissedReport({ drillId: '20261130T111500Z-2b3c4d5e', startedAt: '2026-11-30T11:15:00.000Z', vault: 'primary', region: 'us-east-1' }))]);
      expect(missed.withinObjectives).toBe(false);
      expect(reasonsNotWithin(missed)).toEqual(['last primary drill 20261130T111500Z-2b3c4d5e OBJECTIVE_MISSED: see `lifeboat drills show 20261130T111500Z-2b3c4d5e`']);
    });
  });

  it('DR copy lag: the newest committed backup against the newest with a committed DR copy, by start time', () => {
    const behind = row([
      backup('2026-11-30T06:00:00.000Z', { copies: { primary: 'COMMITTED', dr: 'FAILED' } }),
      backup('2026-11-29T18:00:00.000Z', { copies: { primary: 'COMMITTED', dr: 'PENDING' } }),
      backup('2026-11-29T06:00:00.000Z'),
      backup('2026-11-28T06:00:00.000Z'),
    ]);
    expect(behind.drCopy).toEqual({ state: 'behind', lagSeconds: 86_400, newestCopied: expect.stringMatching(/^20261129T060000Z-/), newestCommitted: expect.stringMatching(/^20261130T060000Z-/), newestCopy: 'FAILED' });
    expect(row([backup('2026-11-30T06:00:00.000Z'), backup('2026-11-29T06:00:00.000Z', { copies: { primary: 'COMMITTED', dr: 'FAILED' } })]).drCopy).toEqual({
      state: 'up-to-date',
      backupId: expect.stringMatching(/^20261130T060000Z-/),
    });
    expect(row([backup('2026-11-30T06:00:00.000Z', { copies: { primary: 'COMMITTED' } })]).drCopy).toEqual({ state: 'none-copied', newestCommitted: expect.any(String), newestCopy: 'NOT_RECORDED' });
  });

  it('vault: the bytes the committed backups stored, and their logical bytes over those (failed runs count for nothing)', () => {
    const totals = (bytes: number, bytesStored: number) => ({ entries: 1, bytes, bytesScanned: bytes, bytesNew: bytesStored, bytesStored, blobsNew: 1 });
    const r = row([
      backup('2026-11-30T08:00:00.000Z', { status: 'FAILED', totals: totals(9_999, 9_999), copies: undefined }),
      backup('2026-11-30T06:00:00.000Z', { totals: totals(4_000_000, 100_000) }),
      backup('2026-11-29T06:00:00.000Z', { totals: totals(4_000_000, 1_900_000) }),
    ]);
    expect(r.vault).toEqual({ committedBackups: 2, latestLogicalBytes: 4_000_000, logicalBytes: 8_000_000, storedBytes: 2_000_000, dedupRatio: 4 });
  });

  it('scrub: the environment\'s latest run, naming only the backups of this plan it found damaged; no prune yet', () => {
    const b = backup('2026-11-30T06:00:00.000Z');
    const scrub: ScrubRunRecord = {
      environment: 'dev', startedAt: '2026-11-30T09:00:00.000Z', endedAt: '2026-11-30T09:05:00.000Z', scope: 'both', fraction: 1 / 7, repair: true,
      cursor: { cycle: 1, after: null }, nextCursor: { cycle: 1, after: 'k' }, cycleComplete: false, objects: 10, read: { primary: 5, dr: 5 },
      corrupt: 1, missing: 0, repaired: 0, repairable: 0, unrepaired: 1, outcome: 'DAMAGED', unrepairedKeys: ['data/ab'], affectedBackups: [b.backupId, 'of-another-plan'],
    };
    const r = row([b], [], scrub);
    expect(r.scrub).toEqual({ state: 'ran', startedAt: scrub.startedAt, ageSeconds: 3 * 3600, outcome: 'DAMAGED', scope: 'both', affectedBackupsOfPlan: [b.backupId] });
    expect(row([b]).scrub).toEqual({ state: 'never' });
    expect(r.prune).toEqual({ state: 'never' });
    // A backup with an object no vault holds a good copy of cannot be restored whole.
    expect(r.withinObjectives).toBe(false);
  });
});

describe('the scrub damage earlier runs found (audit aS2-2)', () => {
  const b = backup('2026-11-30T06:00:00.000Z', { plan: 'demo' });
  const clean: ScrubRunRecord = {
    environment: 'dev', startedAt: '2026-11-30T03:00:00.000Z', endedAt: '2026-11-30T03:05:00.000Z', scope: 'both', fraction: 1 / 7, repair: true,
    cursor: { cycle: 1, after: 'data/24' }, nextCursor: { cycle: 1, after: 'data/48' }, cycleComplete: false, objects: 100, read: { primary: 14, dr: 14 },
    corrupt: 0, missing: 0, repaired: 0, repairable: 0, unrepaired: 0, outcome: 'CLEAN', unrepairedKeys: [], affectedBackups: [],
    outstanding: { objects: [{ vault: 'primary', key: 'data/01/016b', problem: 'corrupt', goodCopy: false, since: '2026-11-29T03:00:00.000Z', backups: [b.backupId] }], notListed: 0 },
  };

  it('a CLEAN run of another slice shows the damage it did not read again, and the plan is ✗ with why', async () => {
    const screen = statusScreen(await environmentStatus(sources({ backups: [b], latestScrub: async () => clean }), NOW));
    expect(screen.slice(3, 10).map((l) => l.slice(86))).toEqual(['CLEAN 9h ago', '1 still', 'DAMAGED since', '11-29 03:00Z', '1 backup(s)', 'hit', 'no prune yet']);
    expect(screen.join('\n').replace(/\n {4}/g, ' ')).toContain(`✗ demo: 1 backup(s) ("${b.backupId}") hold data in objects with no good copy in either vault, found by scrubs since 11-29 03:00Z`);
    expect(screen.at(-1)).toBe('✗ 1 of 1 plan(s) not within their objectives');
  });

  // Review r57U U2: copied-in entries are listed apart from the other objects (copiedInObjects); the backups of a lost
  // one are judged as any lost object's, and those past the list (copiedInNotListed) are counted in the damage shown.
  it('a lost copied-in snapshot listed apart names its backups: the plan is ✗; copied-in entries past the list are counted', () => {
    const copied = { vault: 'dr' as const, key: `snapshots/${'5'.repeat(64)}`, problem: 'missing' as const, goodCopy: false, since: '2026-11-29T03:00:00.000Z', backups: [b.backupId], copiedIn: true as const };
    const lost: ScrubRunRecord = { ...clean, outstanding: { objects: [], copiedInObjects: [copied], copiedInNotListed: { count: 3, since: '2026-11-28T03:00:00.000Z', cycle: 1, lost: false }, notListed: 0 } };
    const r = row([b], [], lost);
    expect(r.scrub).toMatchObject({ outstanding: { objects: 4, outcome: 'DAMAGED', since: '2026-11-28T03:00:00.000Z' }, affectedBackupsOfPlan: [b.backupId] });
    expect(r.withinObjectives).toBe(false);
  });

  // Review r57W F2: copied-in entries past the list, some lost, were only counted in "N still DAMAGED", from the next
  // run on, and every plan read ✓ though their backups are known nowhere; those kept by id that are lost too.
  it('lost copied-in snapshots the record only counts make every plan ✗, from the run that counted them, and the row says what to do', async () => {
    const counted: ScrubRunRecord = { ...clean, outstanding: { objects: [], copiedInNotListed: { count: 30, since: clean.startedAt, until: clean.startedAt, cycle: 1, lost: true }, notListed: 0 } };
    const r = row([b], [], counted);
    expect(r.scrub).toMatchObject({ affectedBackupsOfPlan: [], copiedInLostNotListed: { count: 30, since: clean.startedAt } });
    expect(r.withinObjectives).toBe(false);
    const screen = statusScreen(await environmentStatus(sources({ backups: [b], latestScrub: async () => counted }), NOW)).join('\n').replace(/\n {4}/g, ' ');
    expect(screen).toContain('✗ demo: 30 snapshot object(s) the scrub of 11-30 03:00Z copied in, some with no good copy in either vault, are only counted');
    expect(screen).toContain(`\`lifeboat scrub --clear-copied-in-count ${clean.startedAt} --env dev\``);
    // Review r57AB F1: the line carries the target, or pasted on prod with --aws it scrubs the local cloud of env dev.
    const onAws = statusScreen(await environmentStatus(sources({ target: 'aws', backups: [b], latestScrub: async () => counted }), NOW)).join('\n').replace(/\n {4}/g, ' ');
    expect(onAws).toContain(`\`lifeboat scrub --clear-copied-in-count ${clean.startedAt} --env dev --aws\``);
    // Review r57AD F2: the lines status prints carry its own target options, --data-dir and --config included; with only
    // --env they scrubbed the default data dir's local cloud, or the environment of another config.
    const elsewhere = capturedCliIo();
    // Review r58E F3: a relative --config is named absolute, or pasted in another directory it names another file.
    await statusCommand({ config: 'other/lifeboat.json', env: 'dev', dataDir: '/srv/cloud-b' }, { io: elsewhere.io, sources: sources({ backups: [b], latestScrub: async () => counted }), now: () => NOW });
    expect(elsewhere.out.join('\n').replace(/\n {4}/g, ' ')).toContain(`\`lifeboat scrub --clear-copied-in-count ${clean.startedAt} --config ${resolve('other/lifeboat.json')} --data-dir /srv/cloud-b\``);
    // Not lost (each unverified or readable across both vaults): counted in the damage shown, not judged.
    expect(row([b], [], { ...counted, outstanding: { ...counted.outstanding!, copiedInNotListed: { count: 30, since: clean.startedAt, cycle: 1, lost: false } } }).withinObjectives).toBe(true);
    // Kept by id, a lost one's backups are not kept: the catalog names them, and the plan whose backup's source it is is
    // ✗, no other (review r58F F1: judged as not worked out, every plan was ✗ for good; F3: an unverified one found lost
    // again kept neither the flag nor a backup, and its plan read ✓).
    const id = '7'.repeat(64);
    const byId: ScrubRunRecord = { ...clean, outstanding: { objects: [], copiedInIds: [{ vault: 'dr', problem: 'missing', copy: 'lost', since: clean.startedAt, ids: [id] }], notListed: 0 } };
    expect(row([b], [], byId)).toMatchObject({ withinObjectives: true, scrub: { affectedBackupsOfPlan: [] } });
    expect(row([withSnapshot(b, id)], [], byId)).toMatchObject({ withinObjectives: false, scrub: { affectedBackupsOfPlan: [b.backupId] } });
    expect(row([withSnapshot(b, id)], [], byId).scrub).not.toHaveProperty('lostWithoutBackups');
  });

  // Review rY F3: retention forgot the backup on purpose; damage hitting only it must not make the plan ✗ (status exit 1).
  it('damage hitting only backups retention forgot or is forgetting does not make the plan ✗', () => {
    const forgotten = backup('2026-11-01T06:00:00.000Z', { forgottenAt: '2026-11-29T00:00:00.000Z' });
    const forgetting = backup('2026-11-02T06:00:00.000Z', { forgettingAt: '2026-11-30T00:00:00.000Z' });
    const hitsThem = { ...clean, outstanding: { objects: [{ ...clean.outstanding!.objects[0]!, backups: [forgotten.backupId, forgetting.backupId] }], notListed: 0 } };
    const r = row([b, forgetting, forgotten], [], hitsThem);
    expect(r.scrub).toMatchObject({ outstanding: { objects: 1, outcome: 'DAMAGED' }, affectedBackupsOfPlan: [] });
    expect(r.withinObjectives).toBe(true);
  });

  // Review rAA F1: an archived copy may be damaged too, and no scheduled scrub thaws it; its backups are named, not judged.
  it('damage whose other copy is an archived copy, not verified: the plan stays ✓, with a warning naming its backups', async () => {
    const archived: ScrubRunRecord = { ...clean, outcome: 'REPAIRABLE', outstanding: { objects: [{ ...clean.outstanding!.objects[0]!, otherCopy: 'archived' }], notListed: 0 } };
    const r = row([b], [], archived);
    expect(r.scrub).toMatchObject({ outstanding: { objects: 1, outcome: 'REPAIRABLE' }, affectedBackupsOfPlan: [], archivedCopyBackupsOfPlan: [b.backupId] });
    expect(r.withinObjectives).toBe(true);
    const screen = statusScreen(await environmentStatus(sources({ backups: [b], latestScrub: async () => archived }), NOW));
    expect(screen.join('\n').replace(/\n {4}/g, ' ')).toContain(
      `! demo: 1 backup(s) ("${b.backupId}") hold data in objects damaged in one vault whose other copy is an archived copy, not verified: restoring them from the damaged vault fails for the paths affected until that copy is thawed`,
    );
  });

  it("names the scrub's backups escaped, each as it is when ordinary: a forged id forges no line (f62AC)", async () => {
    const forged = 'x\n✓ demo: within objectives\u001b[32m\u202e';
    const shown = '"x\\n✓ demo: within objectives\\u001b[32m\\u202e"';
    const bad = backup('2026-11-30T05:00:00.000Z', { backupId: forged });
    const hit = (otherCopy?: 'archived' | 'unverified'): ScrubRunRecord => ({
      ...clean,
      ...(otherCopy ? { outcome: 'REPAIRABLE' as const } : {}),
      outstanding: { objects: [{ ...clean.outstanding!.objects[0]!, backups: [forged, b.backupId], ...(otherCopy ? { otherCopy } : {}) }], notListed: 0 },
    });
    const screens = await Promise.all(
      [hit(), hit('archived'), hit('unverified')].map(async (scrub) => statusScreen(await environmentStatus(sources({ backups: [bad, b], latestScrub: async () => scrub }), NOW)).join('\n')),
    );
    for (const screen of screens) for (const raw of ['\n✓ demo: within', '\u001b', '\u202e']) expect(screen).not.toContain(raw);
    const [damaged, archived, unverified] = screens.map((screen) => screen.replace(/\n {4}/g, ' '));
    expect(damaged).toContain(`✗ demo: 2 backup(s) ("${b.backupId}", ${shown}) hold data in objects with no good copy in either vault`);
    expect(archived).toContain(`! demo: 2 backup(s) ("${b.backupId}", ${shown}) hold data in objects damaged in one vault whose other copy is an archived copy`);
    expect(unverified).toContain(`! demo: 2 backup(s) ("${b.backupId}", ${shown}) hold data in objects damaged in one vault whose other copy is a copy in the other vault`);
  });

  // Review r64J F2: status joined the ids unquoted and cut each at 200 with no digest, where the alarm and the verdict
  // quote them: an id holding `, ` read as two, and two long ids that differ past 200 read as one.
  it("names the scrub's backups quoted, as its alarm and verdict do: one holding ', ' reads as one, long ones that differ late read apart", async () => {
    const forged = `${b.backupId}, b and 9 more`;
    const long = (last: string): string => `${'y'.repeat(250)}${last}`;
    const hitting = (ids: readonly string[]): ScrubRunRecord => ({ ...clean, outstanding: { objects: [{ ...clean.outstanding!.objects[0]!, backups: [...ids] }], notListed: 0 } });
    const screenOf = async (backups: readonly BackupRecord[]): Promise<string> =>
      statusScreen(await environmentStatus(sources({ backups: [...backups], latestScrub: async () => hitting(backups.map((x) => x.backupId)) }), NOW)).join('\n').replace(/\n {4}/g, ' ');
    const forgedScreen = await screenOf([backup('2026-11-30T05:00:00.000Z', { backupId: forged })]);
    expect(forgedScreen).toContain(`✗ demo: 1 backup(s) ("${b.backupId}, b and 9 more") hold data`);
    const longScreen = await screenOf([backup('2026-11-30T05:00:00.000Z', { backupId: long('a') }), backup('2026-11-30T04:00:00.000Z', { backupId: long('b') })]);
    const named = /✗ demo: 2 backup\(s\) \((.*)\) hold data/.exec(longScreen)?.[1] ?? '';
    // Each cut with its own length and digest, its last characters kept: the two read apart.
    const cuts = [...named.matchAll(/"y+([ab])" \(cut from 251 characters, sha256 ([0-9a-f]+)\)/g)].map((m) => [m[1], m[2]]);
    expect(cuts.map(([last]) => last)).toEqual(['a', 'b']);
    expect(cuts[0]?.[1]).not.toBe(cuts[1]?.[1]);
    // Past three, the rest are counted as the alarm counts them.
    const four = ['05', '04', '03', '02'].map((h) => backup(`2026-11-30T${h}:00:00.000Z`, { plan: 'demo' }));
    expect(await screenOf(four)).toMatch(/✗ demo: 4 backup\(s\) \("[^"]+", "[^"]+", "[^"]+" and 1 more\) hold data/);
  });

  // Review rJJ F3: a copy the run's deadline left unread may be damaged too; its backups are named with their own advice.
  it('damage whose other copy a cut run did not read: the plan stays ✓, with a warning naming its backups and no thaw', async () => {
    const unread: ScrubRunRecord = { ...clean, outcome: 'REPAIRABLE', outstanding: { objects: [{ ...clean.outstanding!.objects[0]!, otherCopy: 'unverified' }], notListed: 0 } };
    const r = row([b], [], unread);
    expect(r.scrub).toMatchObject({ outstanding: { objects: 1, outcome: 'REPAIRABLE' }, affectedBackupsOfPlan: [], unverifiedCopyBackupsOfPlan: [b.backupId] });
    expect(r.withinObjectives).toBe(true);
    const screen = statusScreen(await environmentStatus(sources({ backups: [b], latestScrub: async () => unread }), NOW)).join('\n').replace(/\n {4}/g, ' ');
    // A corrupt object: only a scrub whose slice holds it reads it again, not the next one (review rN F3). The line carries
    // the status's target (review r58E F1: it was bare; a screen of a record knows --env and --aws).
    expect(screen).toContain(
      `! demo: 1 backup(s) ("${b.backupId}") hold data in objects damaged in one vault whose other copy is a copy in the other vault, not verified in this run: a scrub with repair verifies and copies it when its slice comes round again, or now with \`lifeboat scrub --fraction 1 --repair --env dev\``,
    );
    expect(screen).not.toContain('thaw');
    expect(screen).not.toContain('name no backup');
  });

  // Review r63AB F2: a copy whose read was refused was kept as unverified, and status said the next scrub with repair
  // verifies and copies it, though the next scrub is refused the same way.
  it("damage whose other copy's read was refused: the warning says to fix the permission, not that the next scrub verifies it; a record without the flag reads as before", async () => {
    const refusedObject = { ...clean.outstanding!.objects[0]!, otherCopy: 'unverified' as const, otherCopyRefused: true as const };
    const refused: ScrubRunRecord = { ...clean, outcome: 'REPAIRABLE', outstanding: { objects: [refusedObject], notListed: 0 } };
    const r = row([b], [], refused);
    expect(r.scrub).toMatchObject({ affectedBackupsOfPlan: [], refusedCopyBackupsOfPlan: [b.backupId], refusedCopyProblems: ['corrupt'] });
    expect(r.scrub).not.toHaveProperty('unverifiedCopyBackupsOfPlan');
    expect(r.withinObjectives).toBe(true);
    const screen = statusScreen(await environmentStatus(sources({ backups: [b], latestScrub: async () => refused }), NOW)).join('\n').replace(/\n {4}/g, ' ');
    expect(screen).toContain(
      `! demo: 1 backup(s) ("${b.backupId}") hold data in objects damaged in one vault whose other copy could not be read (refused): fix the permission the scrub's verdict or alarm names, then run \`lifeboat scrub --fraction 1 --repair --env dev\` again; until then restoring them from the damaged vault fails for the paths affected`,
    );
    expect(screen).not.toContain('verifies and copies');
    // Naming no backup a row shows: the environment's line says the same.
    const unnamed: ScrubRunRecord = { ...refused, outstanding: { objects: [{ ...refusedObject, problem: 'missing', backups: [] }], notListed: 0 } };
    const status = await environmentStatus(sources({ backups: [b], latestScrub: async () => unnamed }), NOW);
    expect(status.scrubObjectsWithoutBackups).toEqual({ refused: { objects: 1, corrupt: 0 } });
    const envScreen = statusScreen(status).join('\n').replace(/\n {4}/g, ' ');
    expect(envScreen).toContain("! 1 object(s) the scrub left damaged or missing in one vault, whose other copy could not be read (refused): fix the permission the scrub's verdict or alarm names, then run `lifeboat scrub --repair --env dev` again, name no backup a plan above lists");
    expect(envScreen).not.toContain('verifies and copies');
    // A record written before the flag was kept: an unverified copy, as before.
    const { otherCopyRefused: _dropped, ...old } = refusedObject;
    expect(row([b], [], { ...refused, outstanding: { objects: [old], notListed: 0 } }).scrub).toMatchObject({ unverifiedCopyBackupsOfPlan: [b.backupId] });
    expect(row([b], [], { ...refused, outstanding: { objects: [old], notListed: 0 } }).scrub).not.toHaveProperty('refusedCopyBackupsOfPlan');
  });

  // Review rN F2: a run cut while mapping what its repair cutoff left names those objects without their backups; no row
  // names them, so status read a plain ✓ with nothing said.
  it('objects whose other copy a cut run did not read and whose backups it did not work out: an environment ! line, and --json carries them', async () => {
    const object = { ...clean.outstanding!.objects[0]!, otherCopy: 'unverified' as const, backups: [] };
    const unmapped: ScrubRunRecord = { ...clean, outcome: 'REPAIRABLE', outstanding: { objects: [object, { ...object, vault: 'dr', key: 'data/02/02ab', problem: 'missing' }], notListed: 0 } };
    const status = await environmentStatus(sources({ backups: [b], latestScrub: async () => unmapped }), NOW);
    expect(status.scrubObjectsWithoutBackups).toEqual({ unverified: { objects: 2, corrupt: 1 } });
    const screen = statusScreen(status).join('\n').replace(/\n {4}/g, ' ');
    expect(screen).toContain(
      "! 2 object(s) the scrub left damaged or missing in one vault, whose other copy it did not verify, name no backup a plan above lists: its deadline came before it worked out which backups hold data in them, none does, or only backups of a removed plan, forgotten or not committed; a restore from that vault may fail for the paths affected: run `lifeboat scrub --fraction 1 --repair --env dev`",
    );
    expect(status.withinObjectives).toBe(true);
    const json = capturedCliIo();
    await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', json: true }, { io: json.io, sources: sources({ backups: [b], latestScrub: async () => unmapped }), now: () => NOW });
    expect((JSON.parse(json.out.join('\n')) as EnvironmentStatus).scrubObjectsWithoutBackups).toEqual({ unverified: { objects: 2, corrupt: 1 } });
    // Named by a backup, the object is the plan's warning, not the environment's.
    expect((await environmentStatus(sources({ backups: [b], latestScrub: async () => ({ ...unmapped, outstanding: { objects: [{ ...object, backups: [b.backupId] }], notListed: 0 } }) }), NOW)).scrubObjectsWithoutBackups).toBeUndefined();
  });

  // Review rS F1: a lost object whose mapping a run's deadline cut was kept with `backups: []`, which no plan row judged:
  // every plan read ✓ and `lifeboat status` exited 0 with data lost in both vaults.
  it('a lost object whose backups a cut run did not work out: every plan ✗ naming it and the scrub that names them, exit 1', async () => {
    const lost = { ...clean.outstanding!.objects[0]!, backups: [], backupsNotWorkedOut: true as const };
    const cutLost: ScrubRunRecord = { ...clean, outcome: 'DAMAGED', cut: true, outstanding: { objects: [{ ...lost, vault: 'dr' }, lost], notListed: 0 } };
    expect(row([b], [], cutLost)).toMatchObject({ withinObjectives: false, scrub: { affectedBackupsOfPlan: [], lostWithoutBackups: { objects: 1, keys: ['data/01/016b'], vaults: ['primary'] } } });
    const text = capturedCliIo();
    expect(await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: text.io, sources: sources({ backups: [b], latestScrub: async () => cutLost }), now: () => NOW })).toBe(1);
    expect(text.out.join('\n').replace(/\n {4}/g, ' ')).toContain(
      `✗ demo: 1 object(s) with no good copy in either vault ("data/01/016b"), whose backups the scrub's deadline left not worked out: any backup may hold data in them; run \`lifeboat scrub --fraction 1 --config ${SAMPLE_CONFIG_FILE}\` from a machine (no deadline), which names them`,
    );
    // Once a run names its backups (none of this plan's), the plan is ✓.
    const { backupsNotWorkedOut: _named, ...mapped } = lost;
    expect(row([b], [], { ...cutLost, outstanding: { objects: [{ ...mapped, backups: ['20250101T060000Z-00000001'] }], notListed: 0 } }).withinObjectives).toBe(true);
    // Review rT F1: a scrub of one vault names the backups in its entry and carries the other vault's, flag and all; the
    // key is worked out, so that entry no longer makes every plan ✗ (it did, and sent the operator to the other vault).
    const scoped: ScrubRunRecord = { ...cutLost, outstanding: { objects: [{ ...lost, vault: 'dr' }, { ...mapped, backups: ['20250101T060000Z-00000001'] }], notListed: 0 } };
    expect(row([b], [], scoped)).toMatchObject({ withinObjectives: true });
    expect(reasonsNotWithin(row([b], [], scoped))).toEqual([]);
  });

  it("names a lost object's key escaped and cut: a newline, ESC or U+202E in a scrub record's key forges no line (f63D)", () => {
    const forged = 'data/01/016b\n✓ demo: within objectives\u001b[32m\u202e';
    const long = `data/02/${'a'.repeat(300)}`;
    const lost = { ...clean.outstanding!.objects[0]!, vault: 'dr' as const, backups: [], backupsNotWorkedOut: true as const };
    const cutLost: ScrubRunRecord = { ...clean, outcome: 'DAMAGED', cut: true, outstanding: { objects: [{ ...lost, key: forged }, { ...lost, key: long }], notListed: 0 } };
    const [reason] = reasonsNotWithin(row([b], [], cutLost));
    // Each JSON-quoted (review r64P F5): `\n`, and other unseen characters as \uXXXX.
    expect(reason).toContain(`2 object(s) with no good copy in either vault ("data/01/016b\\n✓ demo: within objectives\\u001b[32m\\u202e", "data/02/${'a'.repeat(192)}"… (cut from 308 characters)), whose backups`);
    for (const raw of ['\n', '\u001b', '\u202e']) expect(reason).not.toContain(raw);
  });

  // Review r64P F5: the keys were joined unquoted, so a key holding `, ` (a scrub record's key is any text) read as two
  // keys, and one holding `, and 3 more` as a count of its own.
  it("names each lost key quoted: a key holding ', ' or a quote reads as one key", () => {
    const lost = { ...clean.outstanding!.objects[0]!, vault: 'dr' as const, backups: [], backupsNotWorkedOut: true as const };
    const keys = ['data/aa, data/bb', 'data/cc", "data/dd, and 3 more'];
    const cutLost: ScrubRunRecord = { ...clean, outcome: 'DAMAGED', cut: true, outstanding: { objects: keys.map((key) => ({ ...lost, key })), notListed: 0 } };
    const [reason] = reasonsNotWithin(row([b], [], cutLost));
    expect(reason).toContain('2 object(s) with no good copy in either vault ("data/aa, data/bb", "data/cc\\", \\"data/dd, and 3 more"), whose backups');
  });

  // Review r58F F2: a snapshot object lost in both vaults reads nowhere, so no scrub's mapping names its backup (a note
  // sends the reader to the catalog): kept with none, its plan read ✓ and status exited 0. Review r57I F1 and r58F F1: one
  // flagged as not worked out made every plan ✗ (for good, where no later mapping could name it), sending the user to
  // the catalog; status reads the catalog itself.
  it('a lost snapshot object with no backup named: the plan whose backup\'s sources list it is ✗ naming that backup, no other plan', async () => {
    const snapshotIds = ['4', '5', '6', '7'].map((c) => c.repeat(64));
    const snapshot = `snapshots/${snapshotIds[0]!}`;
    const lost = (key: string, flagged: boolean): OutstandingScrubObject => ({ ...clean.outstanding!.objects[0]!, vault: 'dr', key, problem: 'missing', backups: [], ...(flagged ? { backupsNotWorkedOut: true as const } : {}) });
    const lostIn = (keys: string[], flagged = false): ScrubRunRecord => ({ ...clean, outcome: 'DAMAGED', outstanding: { objects: keys.flatMap((key) => [lost(key, flagged), { ...lost(key, flagged), vault: 'primary' as const }]), notListed: 0 } });
    const ofSnapshot = withSnapshot(b, snapshotIds[0]!);
    for (const flagged of [false, true]) {
      expect(row([ofSnapshot], [], lostIn([snapshot], flagged))).toMatchObject({ withinObjectives: false, scrub: { affectedBackupsOfPlan: [b.backupId] } });
      expect(row([ofSnapshot], [], lostIn([snapshot], flagged)).scrub).not.toHaveProperty('lostWithoutBackups');
      // Another plan's backup: ✓.
      expect(row([b], [], lostIn([snapshot], flagged))).toMatchObject({ withinObjectives: true, scrub: { affectedBackupsOfPlan: [] } });
    }
    // A backup retention forgot is not judged, as for any damage.
    expect(row([b, withSnapshot(backup('2026-11-29T06:00:00.000Z', { forgottenAt: '2026-11-30T00:00:00.000Z' }), snapshotIds[0]!)], [], lostIn([snapshot])).withinObjectives).toBe(true);
    const text = capturedCliIo();
    expect(await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: text.io, sources: sources({ backups: [ofSnapshot], latestScrub: async () => lostIn([snapshot], true) }), now: () => NOW })).toBe(1);
    const screen = text.out.join('\n').replace(/\n {4}/g, ' ');
    expect(screen).toContain(`✗ demo: 1 backup(s) ("${b.backupId}") hold data in objects with no good copy in either vault, found by scrubs since 11-29 03:00Z`);
    expect(screen).not.toContain('deadline');
    // With another object the cut mapping named no backup of, every plan is ✗ for that one alone, with the scrub that names it.
    const mixed = reasonsNotWithin(row([b], [], lostIn(['data/01/016b', ...snapshotIds.map((id) => `snapshots/${id}`)], true)), { target: ' --env dev', vault: ' --env dev', doctor: 'lifeboat doctor --env dev' });
    expect(mixed).toEqual([
      "1 object(s) with no good copy in either vault (\"data/01/016b\"), whose backups the scrub's deadline left not worked out: any backup may hold data in them; run `lifeboat scrub --fraction 1 --env dev` from a machine (no deadline), which names them (docs/RUNBOOKS.md, \"Scrub\")",
    ]);
  });

  // Review rQ F3: an object counted as named when its backups list was non-empty at all, but a plan row lists only the
  // committed, not forgotten backups of a configured plan: one naming only a removed plan's backup, a forgotten one or a
  // FAILED one showed nowhere.
  it('objects whose other copy was not verified naming only backups no plan row lists (a removed plan, forgotten, not committed): the environment ! line', async () => {
    const forgotten = backup('2026-11-01T06:00:00.000Z', { forgottenAt: '2026-11-29T00:00:00.000Z' });
    const failed = backup('2026-11-02T06:00:00.000Z', { status: 'FAILED' });
    const object = { ...clean.outstanding!.objects[0]!, otherCopy: 'unverified' as const, problem: 'missing' as const };
    const objects = [
      { ...object, key: 'data/01/01ab', backups: ['20250101T060000Z-00000001'] },
      { ...object, key: 'data/02/02ab', backups: [forgotten.backupId, failed.backupId] },
      { ...object, key: 'data/03/03ab', otherCopy: 'archived' as const, backups: ['20250101T060000Z-00000001'] },
    ];
    const latestScrub = async (): Promise<ScrubRunRecord> => ({ ...clean, outcome: 'REPAIRABLE', outstanding: { objects, notListed: 0 } });
    const status = await environmentStatus(sources({ backups: [b, forgotten, failed], latestScrub }), NOW);
    expect(status.plans[0]).toMatchObject({ scrub: { affectedBackupsOfPlan: [] } });
    expect(status.plans[0]).not.toHaveProperty('scrub.unverifiedCopyBackupsOfPlan');
    expect(status.scrubObjectsWithoutBackups).toEqual({ unverified: { objects: 2, corrupt: 0 }, archived: { objects: 1, corrupt: 0 } });
    expect(statusScreen(status).join('\n').replace(/\n {4}/g, ' ')).toContain('! 2 object(s) the scrub left damaged or missing in one vault, whose other copy it did not verify, name no backup a plan above lists');
  });

  // Review rHH: a run cut by its deadline said so only in a succeeded run's notes; status showed it as any other run.
  it('a latest run cut by its deadline says so in the SCRUB cell, shown, not judged', async () => {
    const cut: ScrubRunRecord = { ...clean, cut: true, outstanding: { objects: [], notListed: 0 } };
    const r = row([b], [], cut);
    expect(r.scrub).toMatchObject({ state: 'ran', outcome: 'CLEAN', cut: true });
    expect(r.withinObjectives).toBe(true);
    const screen = statusScreen(await environmentStatus(sources({ backups: [b], latestScrub: async () => cut }), NOW));
    expect(screen.slice(3, 7).map((l) => l.slice(86))).toEqual(['CLEAN 9h ago', 'cut by its', 'deadline', 'no prune yet']);
    expect(row([b], [], { ...cut, cut: undefined }).scrub).not.toHaveProperty('cut');
  });

  // Review rB F2: a cut run drops the listed missing objects the vault holds again and may keep a counted group whose
  // objects have a good copy; with no listed object left, the count read as lost and the plan DAMAGED.
  it('objects counted past the listed ones are judged by their group: lost or not, or as before by the last listed object for a record from before', () => {
    const group = { problem: 'missing' as const, first: 'data/10/10ab', last: 'data/12/12ab', vaults: ['dr' as const], count: 20, since: '2026-11-29T03:00:00.000Z', cycle: 1 };
    const counted = (lost: boolean | undefined, objects = clean.outstanding!.objects.slice(0, 0)): ScrubRunRecord => ({
      ...clean,
      outstanding: { objects, notListed: 20, notListedSince: group.since, notListedGroups: [{ ...group, ...(lost !== undefined ? { lost } : {}) }] },
    });
    expect(row([b], [], counted(false)).scrub).toMatchObject({ outstanding: { objects: 20, outcome: 'REPAIRABLE' } });
    expect(row([b], [], counted(true)).scrub).toMatchObject({ outstanding: { objects: 20, outcome: 'DAMAGED' } });
    expect(row([b], [], counted(undefined)).scrub).toMatchObject({ outstanding: { objects: 20, outcome: 'DAMAGED' } });
    const withGoodCopy = [{ ...clean.outstanding!.objects[0]!, since: clean.startedAt, goodCopy: true, backups: [] }];
    expect(row([b], [], counted(undefined, withGoodCopy)).scrub).toMatchObject({ outstanding: { objects: 20, outcome: 'REPAIRABLE' } });
  });

  it('counts past the listed ones only the groups earlier runs found: the latest run\'s own lost ones are its outcome (review rE F3)', () => {
    const earlier = { problem: 'missing' as const, first: 'data/10/10ab', last: 'data/12/12ab', vaults: ['dr' as const], count: 20, since: '2026-11-29T03:00:00.000Z', cycle: 1, lost: false };
    const own = { problem: 'corrupt' as const, first: 'data/30/30ab', last: 'data/31/31ab', vaults: ['primary' as const], count: 30, since: clean.startedAt, cycle: 1, lost: true };
    const listed = Array.from({ length: 100 }, (_, i) => ({ ...clean.outstanding!.objects[0]!, key: `data/30/${i}`, since: clean.startedAt }));
    const damaged: ScrubRunRecord = { ...clean, outcome: 'DAMAGED', outstanding: { objects: listed, notListed: 50, notListedSince: earlier.since, notListedGroups: [earlier, own] } };
    expect(row([b], [], damaged).scrub).toMatchObject({ outcome: 'DAMAGED', outstanding: { objects: 20, outcome: 'REPAIRABLE', since: earlier.since } });
    // Only the latest run's own: nothing earlier to show.
    const ownOnly: ScrubRunRecord = { ...damaged, outstanding: { objects: listed, notListed: 30, notListedSince: own.since, notListedGroups: [own] } };
    expect(row([b], [], ownOnly).scrub).not.toHaveProperty('outstanding');
  });

  // Audit aU2-1: a run whose deadline cut its work-out of what the DR vault needs makes no finding of what it lacks; status
  // showed nothing, and where every scheduled run is cut it never did.
  it('a latest run that could not work out what a vault lacking objects needs (notWorkedOut): an environment ! line per vault, shown, not judged; --json carries it', async () => {
    const notWorkedOut: ScrubRunRecord = { ...clean, cut: true, notWorkedOut: { dr: 3 }, outstanding: { objects: [], notListed: 0 } };
    const status = await environmentStatus(sources({ target: 'aws', backups: [b], latestScrub: async () => notWorkedOut }), NOW);
    expect(status.scrubNotWorkedOut).toEqual({ dr: 3 });
    expect(status.withinObjectives).toBe(true);
    expect(statusScreen(status).join('\n').replace(/\n {4}/g, ' ')).toContain(
      '! the last scrub could not work out whether the dr vault needs 3 data, index or manifest object(s) it lacks (the other vault holds them): its deadline or its function\'s memory came first; run `lifeboat scrub --vault dr --repair --env dev --aws` from a machine (no deadline or memory bound)',
    );
    const json = capturedCliIo();
    await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', json: true }, { io: json.io, sources: sources({ backups: [b], latestScrub: async () => notWorkedOut }), now: () => NOW });
    expect((JSON.parse(json.out.join('\n')) as EnvironmentStatus).scrubNotWorkedOut).toEqual({ dr: 3 });
    expect(statusScreen(await environmentStatus(sources({ backups: [b], latestScrub: async () => clean }), NOW)).join('\n')).not.toContain('could not work out');
    // A record naming the cause words the line from it (review rJ F2); one from before names both, as above.
    const byMemory = await environmentStatus(sources({ target: 'aws', backups: [b], latestScrub: async () => ({ ...notWorkedOut, notWorkedOutCause: { dr: 'memory' } }) }), NOW);
    expect(byMemory.scrubNotWorkedOutCause).toEqual({ dr: 'memory' });
    expect(statusScreen(byMemory).join('\n').replace(/\n {4}/g, ' ')).toContain('(the other vault holds them): that needed more memory than its function has, and every scheduled run meets the same bound; run `lifeboat scrub --vault dr --repair --env dev --aws` from a machine');
    const byDeadline = await environmentStatus(sources({ target: 'aws', backups: [b], latestScrub: async () => ({ ...notWorkedOut, notWorkedOutCause: { dr: 'deadline' } }) }), NOW);
    expect(statusScreen(byDeadline).join('\n').replace(/\n {4}/g, ' ')).toContain('(the other vault holds them): its deadline came first (a later run works them out if its time allows); run');
  });

  // Review rN F2: a snapshot one vault lacks whose record the run had no time to read is no finding; really missing, it
  // was shown nowhere while every run was cut.
  it('a latest run that did not read whether the snapshots a vault lacks are missing (snapshotsNotWorkedOut): an environment ! line per vault, shown, not judged', async () => {
    const notRead: ScrubRunRecord = { ...clean, cut: true, snapshotsNotWorkedOut: { dr: 2 }, outstanding: { objects: [], notListed: 0 } };
    const status = await environmentStatus(sources({ target: 'aws', backups: [b], latestScrub: async () => notRead }), NOW);
    expect(status.scrubSnapshotsNotWorkedOut).toEqual({ dr: 2 });
    expect(status.withinObjectives).toBe(true);
    expect(statusScreen(status).join('\n').replace(/\n {4}/g, ' ')).toContain(
      '! the last scrub could not work out whether 2 snapshot(s) the dr vault lacks (the other vault holds them) are missing or were discarded by their backup: its deadline came before it read their records; a later run reads them if its time allows, or run `lifeboat scrub --vault dr --repair --env dev --aws` from a machine (no deadline)',
    );
    expect(statusScreen(await environmentStatus(sources({ backups: [b], latestScrub: async () => clean }), NOW)).join('\n')).not.toContain('snapshot(s) the dr vault lacks');
  });

  it('damage with a good copy (REPAIRABLE) is shown, not judged', () => {
    const repairable = { ...clean, outstanding: { objects: [{ ...clean.outstanding!.objects[0]!, goodCopy: true, backups: [] }], notListed: 0 } };
    const r = row([b], [], repairable);
    expect(r.scrub).toMatchObject({ outstanding: { objects: 1, outcome: 'REPAIRABLE' }, affectedBackupsOfPlan: [] });
    expect(r.withinObjectives).toBe(true);
  });
});

describe('the next run', () => {
  it('locally: what the running scheduler announced, else nothing fires', () => {
    const running = { state: 'running' as const, pid: 42, startedAt: '2026-11-30T00:00:00.000Z', schedules: [{ name: 'lifeboat-dev-demo', expression: 'rate(1 day)', timezone: 'UTC', state: 'ENABLED' as const, nextFireTime: '2026-12-01T00:00:00.000Z' }] };
    expect(localNextRun(running, 'lifeboat-dev-demo')).toEqual({ state: 'scheduled', at: '2026-12-01T00:00:00.000Z', expression: 'rate(1 day)' });
    expect(localNextRun({ state: 'stopped' }, 'lifeboat-dev-demo')).toEqual(expect.objectContaining({ state: 'not-firing' }));
    expect(localNextRun(running, 'lifeboat-dev-other')).toEqual(expect.objectContaining({ state: 'unknown' }));
  });
});

const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');

function sources(overrides: Partial<StatusSources> & { backups?: BackupRecord[]; drills?: DrillRecord[] } = {}): StatusSources {
  const { backups = [], drills = [], ...rest } = overrides;
  return {
    environment,
    target: 'local',
    listBackupsOfPlan: async (plan) => backups.filter((b) => b.plan === plan),
    latestScrub: async () => undefined,
    latestPrune: async () => undefined,
    mirrorCheck: async () => undefined,
    listDrills: async (side) => drills.filter((d) => d.vault === side),
    nextRun: async () => SCHEDULED,
    regionOf: (side) => (side === 'primary' ? environment.primaryRegion : environment.drRegion),
    alarms: async () => ALARMS_NOT_EMULATED,
    ...rest,
  };
}

describe('lifeboat status', () => {
  it('a stale plan: ✗ in its row with the reason below, exit 1; --json carries the same figures', async () => {
    const stale = sources({ backups: [backup('2026-11-29T06:00:00.000Z')], drills: [drill(drillReport())] });
    const text = capturedCliIo();
    // The default config (the sources are the test's): the lines' commands carry no --config, the screen no path's width.
    expect(await statusCommand({ config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: text.io, sources: stale, now: () => NOW })).toBe(1);
    const screen = text.out.join('\n');
    expect(text.out.slice(1, 5)).toEqual([
      'PLAN       BACKUP AGE/RPO NEXT RUN     LAST DRILL          DR COPY        VAULT       SCRUB, PRUNE',
      '─'.repeat(100),
      '✗ demo     ✗ 30h/25h      in 18h       ✓ PASSED            up to date     48.8 KiB    no scrub yet',
      '           COMMITTED      12-01 06:00Z RTO ✓ 12m04s/1h                    dedup 20.0× no prune yet',
    ]);
    expect(screen).toMatch(/^✗ demo: last committed backup 20261129T060000Z-\d{8} started 30h ago, older than the RPO of 25h:\n {4}run `lifeboat backup --plan demo` and see why the schedule did not$/m);
    expect(text.out.at(-1)).toBe('✗ 1 of 1 plan(s) not within their objectives');
    const json = capturedCliIo();
    expect(await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', json: true }, { io: json.io, sources: stale, now: () => NOW })).toBe(1);
    const status = JSON.parse(json.out.join('\n')) as EnvironmentStatus;
    expect(status.withinObjectives).toBe(false);
    expect(status.plans[0]).toEqual(expect.objectContaining({ plan: 'demo', withinObjectives: false, lastBackup: expect.objectContaining({ withinRpo: false, rpoSeconds: 90_000 }) }));
  });

  it('says which record starts in the future, with `!`, and judges the plan on the backups before it', async () => {
    const ahead = backup('2027-11-20T12:00:00.000Z');
    const text = capturedCliIo();
    expect(await statusCommand({ config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: text.io, sources: sources({ backups: [ahead, backup('2026-11-30T06:00:00.000Z')] }), now: () => NOW })).toBe(0);
    expect(text.out[3]).toMatch(/^✓ demo {5}✓ 6h\/25h/);
    expect(text.out.slice(5, 8)).toEqual([
      `! demo: backup ${ahead.backupId} (COMMITTED) starts in the future`,
      '    (2027-11-20T12:00:00.000Z): the clock that wrote it or the catalog is wrong; not counted, the',
      '    plan is judged on the backups before now; see `lifeboat backups list --plan demo`',
    ]);
  });

  it('says which record has a startedAt that is not a time, with `!`, and judges the plan on the others (review r64U F1)', async () => {
    const edited = backup('2026-11-30T11:00:00.000Z', { startedAt: 'hand-edited' });
    const text = capturedCliIo();
    expect(await statusCommand({ config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: text.io, sources: sources({ backups: [edited, backup('2026-11-30T06:00:00.000Z')] }), now: () => NOW })).toBe(0);
    expect(text.out[3]).toMatch(/^✓ demo {5}✓ 6h\/25h/);
    expect(text.out.join('\n').replace(/\n {4}/g, ' ')).toContain(
      `! demo: backup ${edited.backupId} (COMMITTED) has a startedAt that is not a time (hand-edited): the record was written by hand or damaged; not counted, the plan is judged on the other backups; fix the record's startedAt (see \`lifeboat backups list --plan demo\`)`,
    );
    expect(text.out.join('\n')).not.toContain('NaN');
  });

  it("shows a record's own text (backup id, start) escaped: a newline, ESC or U+202E in it forges no line and drives no terminal (review r62K F4)", async () => {
    const forged = 'x\n✓ demo: within objectives\u001b[32m\u202e';
    const shown = 'x\\u000a✓ demo: within objectives\\u001b[32m\\u202e';
    const failed = backup('2026-11-30T06:00:00.000Z', { backupId: forged, status: 'FAILED', totals: undefined, copies: undefined });
    expect(reasonsNotWithin(row([failed]))).toEqual([`no committed backup (the newest run ${shown} is FAILED): run \`lifeboat backup --plan demo\``]);
    expect(reasonsNotWithin(row([failed, backup('2026-11-28T06:00:00.000Z', { backupId: `old${forged}` })]))[0]).toBe(
      `last committed backup old${shown} started 2d6h ago, older than the RPO of 24h (the newest run ${shown} FAILED): run \`lifeboat backup --plan demo\` and see why the schedule did not`,
    );
    // V8 reads a date with a (comment) in it, so a forged start still starts in the future and is listed.
    const ahead = backup(`Nov 20 2027 12:00 GMT (${forged})`, { backupId: `ahead${forged}` });
    const text = capturedCliIo();
    await statusCommand({ config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: text.io, sources: sources({ backups: [ahead, backup('2026-11-30T06:00:00.000Z')] }), now: () => NOW });
    const screen = text.out.join('\n');
    for (const raw of ['\n✓ demo: within', '\u001b', '\u202e']) expect(screen).not.toContain(raw);
    expect(screen.split('\n').filter((line) => line.startsWith('✓ demo: within objectives'))).toEqual([]);
    expect(screen.replace(/\n {4}/g, ' ')).toContain(`! demo: backup ahead${shown} (COMMITTED) starts in the future (Nov 20 2027 12:00 GMT (${shown})): the clock`);
  });

  it("--json escapes a record's C1 controls, U+2028 and bidi overrides as \\uXXXX: no CSI drives the terminal, and a JSON reader reads the same id (f63D)", async () => {
    const forged = 'x\u009b31m\u0085\u2028\u202e\u001b[32m';
    const failed = backup('2026-11-30T06:00:00.000Z', { backupId: forged, status: 'FAILED', totals: undefined, copies: undefined });
    const json = capturedCliIo();
    await statusCommand({ config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', json: true }, { io: json.io, sources: sources({ backups: [failed] }), now: () => NOW });
    const printed = json.out.join('\n');
    for (const raw of ['\u009b', '\u0085', '\u2028', '\u202e', '\u001b']) expect(printed).not.toContain(raw);
    expect(printed).toContain('"backupId": "x\\u009b31m\\u0085\\u2028\\u202e\\u001b[32m"');
    expect((JSON.parse(printed) as EnvironmentStatus).plans[0]).toMatchObject({ lastBackup: { newest: { backupId: forged } } });
  });

  it("shows a drill record's own text (id, region, error) escaped, and no `drills show` for an id it refuses: a newline, ESC or U+202E forges no line (f62AC, review r62M F2)", () => {
    const forged = 'x\n✓ demo: within objectives\u001b[32m\u202e';
    const shown = 'x\\u000a✓ demo: within objectives\\u001b[32m\\u202e';
    const failed = drill(failedReport({ drillId: forged, region: `us-west-2${forged}`, errors: [{ error: 'NoBackupToDrillError', message: `plan demo ${forged}`, step: 'Start drill' }] }));
    const fresh = backup('2026-11-30T06:00:00.000Z');
    const reasons = reasonsNotWithin(row([fresh], [failed]));
    // `drills show` refuses an id not of its form (echoing it back): the plan's drills are listed instead (review r62M F2).
    expect(reasons).toEqual([`last DR drill ${shown} FAILED: NoBackupToDrillError: plan demo ${shown}: see \`lifeboat drills list --plan demo\` (its id is not one \`lifeboat drills show\` takes, such as 20261130T101500Z-1a2b3c4d)`]);
    expect(drillLines(row([fresh], [failed]).lastDrills)).toEqual([`✗ DR vault (us-west-2${shown}): drill ${shown} FAILED 2d1h ago, RTO -, RPO -: NoBackupToDrillError: plan demo ${shown}`]);
    // An id with a NUL, or one that differs from a drill's by a trailing newline alone: likewise.
    for (const [id, idShown] of [['20261128T101500Z-3c4d\u0000x', '20261128T101500Z-3c4d\\u0000x'], ['20261128T101500Z-3c4d5e6f\n', '20261128T101500Z-3c4d5e6f\\u000a']] as const) {
      expect(reasonsNotWithin(row([fresh], [drill(failedReport({ drillId: id }))]))[0]).toMatch(
        new RegExp(`^last DR drill ${idShown.replace(/\\/g, '\\\\')} FAILED: .*: see \`lifeboat drills list --plan demo\` \\(its id is not one \`lifeboat drills show\` takes, such as 20261130T101500Z-1a2b3c4d\\)$`),
      );
    }
    const stale = { ...row([fresh]), drillSchedule: { schedule: 'lifeboat-dev-drill-demo', expression: 'rate(1 day)', startedAt: '2026-11-27T12:00:00.000Z', ageSeconds: 3 * 86_400, staleAfterSeconds: 2 * 86_400, stale: true, vault: 'dr' as const, drillId: forged } };
    expect(reasonsNotWithin(stale)[0]).toMatch(new RegExp(`^no DR drill since ${shown.replace(/[\\[\]]/g, '\\$&')}, which started 3d ago`, 'u'));
    for (const line of [...reasons, ...reasonsNotWithin(stale), ...drillLines(row([fresh], [failed]).lastDrills)]) {
      for (const raw of ['\n', '\u001b', '\u202e']) expect(line).not.toContain(raw);
    }
    // An ordinary drill prints as it did.
    expect(reasonsNotWithin(row([fresh], [drill(failedReport())]))[0]).toMatch(/^last DR drill 20261128T101500Z-3c4d5e6f FAILED: NoBackupToDrillError: plan demo has no committed, .*: see `lifeboat drills show 20261128T101500Z-3c4d5e6f`$/);
  });

  it("prints a drill's recorded error as recorded, its backslashes too (a key JSON-quoted), and still escapes a control or C1 in it (review r62M F4)", () => {
    const message = `1 object differs: ${JSON.stringify('reports/"q3".csv')}: restored copy (10 bytes) differs from the live object (11 bytes)`;
    const failed = drill(failedReport({ errors: [{ error: 'DrillMismatchError', message, step: 'Compare' }] }));
    const fresh = backup('2026-11-30T06:00:00.000Z');
    expect(message).toContain('"reports/\\"q3\\".csv"');
    expect(drillLines(row([fresh], [failed]).lastDrills)).toEqual([`✗ DR vault (us-west-2): drill 20261128T101500Z-3c4d5e6f FAILED 2d1h ago, RTO -, RPO -: DrillMismatchError: ${message}`]);
    expect(reasonsNotWithin(row([fresh], [failed]))[0]).toBe(`last DR drill 20261128T101500Z-3c4d5e6f FAILED: DrillMismatchError: ${message}: see \`lifeboat drills show 20261128T101500Z-3c4d5e6f\``);
    const forged = drill(failedReport({ errors: [{ error: 'DrillMismatchError', message: `${message}\u001b[32m\u0085\n✓ demo: within objectives\u202e`, step: 'Compare' }] }));
    expect(drillLines(row([fresh], [forged]).lastDrills)[0]).toMatch(/: DrillMismatchError: 1 object differs: "reports\/\\"q3\\".csv": .* \(11 bytes\)\\u001b\[32m\\u0085\\u000a✓ demo: within objectives\\u202e$/);
  });

  it('every plan within its objectives: all ✓, exit 0, every line within 100 columns', async () => {
    const fresh = sources({ backups: [backup('2026-11-30T06:00:00.000Z')], drills: [drill(drillReport())] });
    const { out, io } = capturedCliIo();
    expect(await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io, sources: fresh, now: () => NOW })).toBe(0);
    const lines = out.join('\n').split('\n');
    expect(lines.filter((l) => l.includes('✗'))).toEqual([]);
    expect(lines.at(-1)).toBe('✓ every plan is within its objectives (last committed backup within the RPO, last drill PASSED)');
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(100);
  });

  it('says what the last committed backup did not hold whole (entries left out, metadata not read), per source, without judging the plan', async () => {
    const counted = (name: string, skipped: number) => ({ name, type: 's3' as const, snapshotId: `s-${name}`, rootHash: 'r', entries: 5, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1, skipped });
    const leaving = sources({ backups: [backup('2026-11-30T06:00:00.000Z', { sources: [counted('demo-assets', 2), counted('demo-logs', 0), counted('demo-cold', 1)] }), backup('2026-11-29T06:00:00.000Z', { sources: [counted('demo-assets', 9)] })], drills: [drill(drillReport())] });
    const text = capturedCliIo();
    expect(await statusCommand({ config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: text.io, sources: leaving, now: () => NOW })).toBe(0);
    expect(text.out.join(' ').replace(/\s+/g, ' ')).toMatch(/! demo: the last committed backup 20261130T060000Z-\d{8} did not back up 3 source entries whole \(left out as archived or unreadable, or without some metadata: demo-assets 2, demo-cold 1\); see `lifeboat backups list --plan demo`/);
    const json = capturedCliIo();
    await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', json: true }, { io: json.io, sources: leaving, now: () => NOW });
    const [demo] = (JSON.parse(json.out.join('\n')) as EnvironmentStatus).plans as PlanStatus[];
    expect(demo?.lastBackup.lastCommitted?.leftOut).toEqual({ entries: 3, bySource: { 'demo-assets': 2, 'demo-cold': 1 } });
    // A backup that left nothing out has no such field and no such line.
    const clean = capturedCliIo();
    await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: clean.io, sources: sources({ backups: [backup('2026-11-30T06:00:00.000Z')], drills: [drill(drillReport())] }), now: () => NOW });
    expect(clean.out.join('\n')).not.toMatch(/whole/);
  });

  // Audit R25 F2: a cron whose years have passed shows no next run; the status said "at() passed" and nothing below.
  it('says a plan whose cron schedule never fires again will start no backup, and an at() that passed as before', async () => {
    const never = (expression: string) => sources({ backups: [backup('2026-11-30T06:00:00.000Z')], drills: [drill(drillReport())], nextRun: async () => ({ state: 'never-again' as const, schedule: 'lifeboat-dev-demo', expression }) });
    const cron = capturedCliIo();
    await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: cron.io, sources: never('cron(0 2 * * ? 2025)'), now: () => NOW });
    const screen = cron.out.join(' ').replace(/\s+/g, ' ');
    expect(screen).toContain('never fires');
    expect(screen).toContain('! demo: its schedule lifeboat-dev-demo (cron(0 2 * * ? 2025)) never fires again (its years or its end date have passed): no backup of this plan will start; change the schedule in the config and deploy');
    const at = capturedCliIo();
    await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: at.io, sources: never('at(2026-01-01T00:00:00)'), now: () => NOW });
    expect(at.out.join('\n')).toContain('none: at()');
    expect(at.out.join('\n')).not.toContain('never fires again');
  });

  it('does not claim a passed drill for a plan that has none yet', async () => {
    const undrilled = sources({ backups: [backup('2026-11-30T06:00:00.000Z')], drills: [] });
    const { out, io } = capturedCliIo();
    expect(await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io, sources: undrilled, now: () => NOW })).toBe(0);
    expect(out.join('\n').split('\n').at(-1)).toBe('✓ every plan is within its objectives (last committed backup within the RPO, no last drill failed)');
  });

  it('a FAILED DR drill under a later PASSED primary one: both in the LAST DRILL cell, the DR one named below, exit 1; --json carries both', async () => {
    const drills = [
      drill(drillReport({ drillId: '20261130T101500Z-7a8b9c0d', vault: 'primary', region: 'us-east-1' })),
      drill(failedReport({ drillId: '20261129T101500Z-3c4d5e6f', startedAt: '2026-11-29T10:15:00.000Z', endedAt: '2026-11-29T10:15:02.000Z' })),
    ];
    const both = sources({ backups: [backup('2026-11-30T06:00:00.000Z')], drills });
    const text = capturedCliIo();
    expect(await statusCommand({ config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: text.io, sources: both, now: () => NOW })).toBe(1);
    const lines = text.out.join('\n').split('\n');
    expect(lines.slice(3, 11).map((l) => l.slice(39, 59).trimEnd())).toEqual(['✓ PASSED', 'RTO ✓ 12m04s/1h', 'RPO ✓ 23h53m/24h', '1h45m ago, primary', '✗ FAILED', 'RTO -', 'RPO -', '25h45m ago, dr']);
    expect(lines[3]?.startsWith('✗ demo ')).toBe(true);
    expect(lines.slice(11, 15)).toEqual([
      '✗ demo: last DR drill 20261129T101500Z-3c4d5e6f FAILED: NoBackupToDrillError: plan demo has no',
      '    committed, replicated backup in the last 7 days; the newest is 9 days old (copies.dr PENDING) (a',
      '    later primary drill PASSED, which does not prove the DR region can restore): see',
      '    `lifeboat drills show 20261129T101500Z-3c4d5e6f`',
    ]);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(100);
    expect(lines.at(-1)).toBe('✗ 1 of 1 plan(s) not within their objectives');
    const json = capturedCliIo();
    expect(await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', json: true }, { io: json.io, sources: both, now: () => NOW })).toBe(1);
    const [demo] = (JSON.parse(json.out.join('\n')) as EnvironmentStatus).plans as PlanStatus[];
    expect(demo?.lastDrill?.vault).toBe('primary');
    expect([demo?.lastDrills.primary?.verdict, demo?.lastDrills.dr?.verdict]).toEqual(['PASSED', 'FAILED']);
    expect(drillLines(demo?.lastDrills ?? {})).toEqual([
      '✓ primary vault (us-east-1): drill 20261130T101500Z-7a8b9c0d PASSED 1h45m ago, RTO ✓ 12m04s/1h, RPO ✓ 23h53m/24h',
      '✗ DR vault (us-west-2): drill 20261129T101500Z-3c4d5e6f FAILED 25h45m ago, RTO -, RPO -: NoBackupToDrillError: plan demo has no committed, ' +
        'replicated backup in the last 7 days; the newest is 9 days old (copies.dr PENDING)',
    ]);
  });

  it('a drill catalog that cannot be read, or a plan whose backups cannot be, is said and exits 1', async () => {
    const down = sources({
      backups: [backup('2026-11-30T06:00:00.000Z')],
      listDrills: async (side) => {
        if (side === 'dr') throw new Error('connect ECONNREFUSED 127.0.0.1:4569');
        return [];
      },
    });
    const status = await environmentStatus(down, NOW);
    expect(status.problems).toEqual(['the dr catalog (us-west-2) could not be read, its drills are not counted: connect ECONNREFUSED 127.0.0.1:4569']);
    expect(status.withinObjectives).toBe(false);
    const down2 = async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:4567'));
    const noCatalog = await environmentStatus(sources({ listBackupsOfPlan: down2 }), NOW);
    expect(noCatalog.plans).toEqual([
      { plan: 'demo', withinObjectives: false, unreadable: 'its backups could not be read: the primary catalog (us-east-1) could not be read: connect ECONNREFUSED 127.0.0.1:4567; the DR catalog (us-west-2) neither: connect ECONNREFUSED 127.0.0.1:4567' },
    ]);
    expect(statusScreen(noCatalog)).toContain('✗ demo     unreadable (below)');
  });

  it('with the primary catalog unreadable, reads the plan\'s backups from the DR catalog: the RPO of what the DR vault restores, exit 1', async () => {
    const replicated = [backup('2026-11-29T06:00:00.000Z')];
    const primaryDown = sources({
      listBackupsOfPlan: async (_plan, side) => {
        if (side === 'primary') throw new Error('connect ECONNREFUSED 127.0.0.1:4567');
        return replicated;
      },
    });
    const status = await environmentStatus(primaryDown, NOW);
    const [demo] = status.plans as PlanStatus[];
    expect(demo).toEqual(expect.objectContaining({ catalog: 'dr', withinObjectives: false, drCopy: { state: 'primary-unreadable' } }));
    expect(demo?.lastBackup.lastCommitted?.ageSeconds).toBe(30 * 3600);
    expect(status.problems).toEqual(['demo: backups read from the DR catalog (us-west-2), what the DR vault can restore; the primary catalog (us-east-1) could not be read: connect ECONNREFUSED 127.0.0.1:4567']);
    expect(status.withinObjectives).toBe(false);
  });

  it('in AWS lists the environment\'s CloudWatch alarms in ALARM of both regions, not those of an environment of a longer name; locally says alarms are not emulated', async () => {
    const clients = { 'us-east-1': new CloudWatchClient({ region: 'us-east-1' }), 'us-west-2': new CloudWatchClient({ region: 'us-west-2' }) };
    const since = new Date('2026-11-30T07:00:00.000Z');
    const primary = mockClient(clients['us-east-1']).on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'lifeboat-dev-demo-backup-age', StateValue: 'ALARM', StateUpdatedTimestamp: since, StateReason: 'Threshold Crossed: 1 datapoint [93600.0] > 86400.0' },
        // Audit b3-3: environment dev-eu's alarms start with dev's prefix too; they are not dev's.
        { AlarmName: 'lifeboat-dev-eu-demo-backup-age', StateValue: 'ALARM', StateUpdatedTimestamp: since },
      ],
    });
    const dr = mockClient(clients['us-west-2']).on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'lifeboat-dev-eu-dead-letters', StateValue: 'ALARM' }], CompositeAlarms: [{ AlarmName: 'lifeboat-dev-demo-drill', StateValue: 'ALARM' }] });
    const alarms = await awsAlarmsInAlarm((region) => clients[region as keyof typeof clients], ['us-east-1', 'us-west-2'], 'lifeboat-dev-', environmentAlarmNames(environment));
    for (const mock of [primary, dr]) {
      expect(mock.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([{ AlarmNamePrefix: 'lifeboat-dev-', StateValue: 'ALARM', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }]);
    }
    const status = await environmentStatus(sources({ target: 'aws', backups: [backup('2026-11-30T06:00:00.000Z')], alarms: async () => alarms }), NOW);
    expect(status.withinObjectives).toBe(true);
    const screen = statusScreen(status);
    expect(screen.slice(-4, -1)).toEqual([
      'Alarms in ALARM (2, lifeboat-dev-* in us-east-1, us-west-2):',
      '  ✗ lifeboat-dev-demo-backup-age (us-east-1) since 2026-11-30 07:00Z: Threshold Crossed: 1 datapoint [93600.0] > 86400.0',
      '  ✗ lifeboat-dev-demo-drill (us-west-2)',
    ]);
    expect(screen).toContain('Prune of the primary vault (us-east-1): no run recorded yet');
    const refusing = new CloudWatchClient({ region: 'us-east-1' });
    mockClient(refusing).on(DescribeAlarmsCommand).rejects(Object.assign(new Error('not authorized to perform cloudwatch:DescribeAlarms'), { name: 'AccessDenied' }));
    const denied = await awsAlarmsInAlarm(() => refusing, ['us-east-1'], 'lifeboat-dev-', environmentAlarmNames(environment));
    const unreadable = await environmentStatus(sources({ target: 'aws', backups: [backup('2026-11-30T06:00:00.000Z')], alarms: async () => denied }), NOW);
    expect(unreadable.problems).toEqual(['the CloudWatch alarms lifeboat-dev-* in us-east-1 could not be read: AccessDenied: not authorized to perform cloudwatch:DescribeAlarms']);
    expect(unreadable.withinObjectives).toBe(false);
    expect(statusScreen(await environmentStatus(sources(), NOW))).toContain('Alarms in ALARM: not emulated on the local cloud (CloudWatch alarms exist in AWS: --aws)');
  });
});

// Audit R40 F3: replication failing for days left the plan ✓ and the exit 0 while its dr-copy-age alarm was in ALARM.
describe('the DR copy, judged by the dr-copy-age alarm\'s rule: the newest backup the DR vault holds no older than the RPO plus the replication-lag threshold', () => {
  const copy = (dr: 'PENDING' | 'FAILED') => ({ copies: { primary: 'COMMITTED' as const, dr } });
  const lagging = (copiedAt: string) => [backup('2026-11-30T06:00:00.000Z', copy('FAILED')), backup('2026-11-29T18:00:00.000Z', copy('FAILED')), backup(copiedAt)];

  it('25 h old (RPO 24 h + the default 60 min) is within, as the alarm (greater than its threshold) is OK; a second more is not', () => {
    const at = row(lagging('2026-11-29T11:00:00.000Z'));
    expect(at.drCopyObjective).toEqual({ newestCopied: { backupId: expect.stringMatching(/^20261129T110000Z-/), ageSeconds: 90_000 }, objectiveSeconds: 90_000, met: true });
    expect(at.withinObjectives).toBe(true);
    expect(reasonsNotWithin(at)).toEqual([]);
    const over = row(lagging('2026-11-29T10:59:59.000Z'));
    expect(over.drCopyObjective).toEqual(expect.objectContaining({ objectiveSeconds: 90_000, met: false }));
    expect(over.lastBackup.withinRpo).toBe(true);
    expect(over.withinObjectives).toBe(false);
  });

  it('replication FAILED for three days: ✗ with the reason, though the last committed backup is within the RPO', () => {
    const r = row([backup('2026-11-30T06:00:00.000Z', copy('FAILED')), backup('2026-11-29T06:00:00.000Z', copy('FAILED')), backup('2026-11-28T06:00:00.000Z', copy('FAILED')), backup('2026-11-27T06:00:00.000Z')]);
    expect(r.lastBackup.withinRpo).toBe(true);
    expect(r.withinObjectives).toBe(false);
    expect(reasonsNotWithin(r)).toEqual([
      expect.stringMatching(
        /^the newest backup in the DR vault, 20261127T060000Z-\d{8}, started 3d6h ago, older than the RPO of 24h plus the replication-lag threshold of 1h \(the dr-copy-age alarm's rule; the newest, 20261130T060000Z-\d{8}: DR copy FAILED\): a restore from the DR region loses more than that; see `lifeboat backups list --plan demo` and docs\/RUNBOOKS\.md, "Alarms" \(dr-copy-age\)$/,
      ),
    ]);
  });

  it('no backup in the DR vault at all: ✗ (the alarm, on missing data, is in ALARM too); a plan without a committed backup is judged on its RPO alone', () => {
    const none = row([backup('2026-11-30T06:00:00.000Z', copy('PENDING'))]);
    expect(none.drCopyObjective).toEqual({ objectiveSeconds: 90_000, met: false });
    expect(none.withinObjectives).toBe(false);
    expect(reasonsNotWithin(none)).toEqual([
      `no backup of the plan is in the DR vault (the newest, ${String(none.lastBackup.lastCommitted?.backupId)}: DR copy PENDING): a restore from the DR region has nothing to restore; ` +
        'see `lifeboat backups list --plan demo` and docs/RUNBOOKS.md, "Alarms" (dr-copy-age)',
    ]);
    const never = row([backup('2026-11-30T11:00:00.000Z', { status: 'RUNNING', totals: undefined, copies: undefined })]);
    expect(never.drCopyObjective).toBeUndefined();
    expect(reasonsNotWithin(never)).toHaveLength(1);
  });

  // Audit a59A F1: with the primary down, "run lifeboat backup" cannot be done; an empty DR catalog may be a lost one.
  it('read from the DR catalog, a plan without a committed backup names the DR catalog\'s rebuild with the target options, not a backup', () => {
    const lost = planStatus({ plan: DAY, backups: [], catalog: 'dr', drills: [], nextRun: SCHEDULED, now: NOW });
    expect(reasonsNotWithin(lost, { target: ' --env prod --aws', vault: ' --env prod --aws', doctor: 'lifeboat doctor --env prod --aws' })).toEqual([
      'no committed backup in the DR catalog: if the DR vault holds backups, the DR catalog may have been lost: rebuild it from the DR vault with `lifeboat catalog rebuild --vault dr --region dr --env prod --aws`',
    ]);
  });

  // Review r61G F2: a DR catalog whose committed backups all start in the future (a clock off) was said to hold none that
  // reached the DR vault, "so a failover has none to restore", though a failover chooses them.
  it('read from the DR catalog with committed backups only in the future, says a failover restores them, not that none reached the DR vault', () => {
    const target = { target: ' --env prod --aws', vault: ' --env prod --aws', doctor: 'lifeboat doctor --env prod --aws' };
    const ahead = backup('2026-11-30T13:00:00.000Z');
    const held = planStatus({ plan: DAY, backups: [ahead], catalog: 'dr', drills: [], nextRun: SCHEDULED, now: NOW });
    expect(held.lastBackup.inFuture).toEqual([{ backupId: ahead.backupId, status: 'COMMITTED', startedAt: ahead.startedAt }]);
    expect(reasonsNotWithin(held, target)).toEqual([
      'no committed backup in the DR catalog started before now: the one it holds starts in the future (the clock that wrote it or the catalog is wrong, below), ' +
        'and a failover restores the newest the DR vault keeps all the same: check its time before you fail over',
    ]);
    const two = planStatus({ plan: DAY, backups: [backup('2026-11-30T14:00:00.000Z'), ahead], catalog: 'dr', drills: [], nextRun: SCHEDULED, now: NOW });
    expect(reasonsNotWithin(two, target)).toEqual([expect.stringMatching(/^no committed backup in the DR catalog started before now: the 2 it holds start in the future \(the clock that wrote them or the catalog is wrong, below\)/)]);
    // A run in the future that is not committed is still a run that did not reach the DR vault.
    const running = planStatus({ plan: DAY, backups: [backup('2026-11-30T13:00:00.000Z', { status: 'RUNNING', totals: undefined, copies: undefined })], catalog: 'dr', drills: [], nextRun: SCHEDULED, now: NOW });
    expect(reasonsNotWithin(running, target)).toEqual([expect.stringContaining('the catalog holds runs of the plan but no backup of it that reached the DR vault')]);
  });

  // Review r64Z F2: a DR catalog whose only committed record's startedAt is no time was said to be maybe lost, and to be
  // rebuilt: it holds the backup, only its start is not a time.
  it('read from the DR catalog with committed backups whose startedAt is not a time, names them and no rebuild', () => {
    const target = { target: ' --env prod --aws', vault: ' --env prod --aws', doctor: 'lifeboat doctor --env prod --aws' };
    const edited = backup('2026-11-30T06:00:00.000Z', { startedAt: 'hand-edited' });
    const held = planStatus({ plan: DAY, backups: [edited], catalog: 'dr', drills: [], nextRun: SCHEDULED, now: NOW });
    expect(held.lastBackup.untimed).toEqual([{ backupId: edited.backupId, status: 'COMMITTED', startedAt: 'hand-edited' }]);
    expect(reasonsNotWithin(held, target)).toEqual([
      `no committed backup in the DR catalog has a start that is a time: the startedAt of the one it holds, ${edited.backupId}, is not a time ` +
        '(the record was written by hand or damaged, below): fix it, or fail over by `lifeboat failover --plan demo --backup <id> --env prod --aws`',
    ]);
    const two = planStatus({ plan: DAY, backups: [edited, backup('2026-11-30T07:00:00.000Z', { startedAt: 'damaged' })], catalog: 'dr', drills: [], nextRun: SCHEDULED, now: NOW });
    expect(reasonsNotWithin(two, target)).toEqual([expect.stringMatching(/^no committed backup in the DR catalog has a start that is a time: the startedAt of the 2 it holds is not a time \(the records were written by hand or damaged, below\)/)]);
    // A run with no time that is not committed is still a run that did not reach the DR vault: no rebuild either.
    const running = planStatus({ plan: DAY, backups: [backup('2026-11-30T06:00:00.000Z', { startedAt: 'hand-edited', status: 'RUNNING', totals: undefined, copies: undefined })], catalog: 'dr', drills: [], nextRun: SCHEDULED, now: NOW });
    expect(reasonsNotWithin(running, target)).toEqual([expect.stringContaining('the catalog holds runs of the plan but no backup of it that reached the DR vault')]);
  });

  // f60F: a DR catalog that holds runs of the plan, none committed, was not lost; it was told to rebuild all the same.
  it('read from the DR catalog with runs of the plan but none committed, names no rebuild: says no backup reached the DR vault', () => {
    const target = { target: ' --env prod --aws', vault: ' --env prod --aws', doctor: 'lifeboat doctor --env prod --aws' };
    for (const status of ['RUNNING', 'FAILED'] as const) {
      const run = backup('2026-11-30T06:00:00.000Z', { status, totals: undefined, copies: undefined });
      const held = planStatus({ plan: DAY, backups: [run], catalog: 'dr', drills: [], nextRun: SCHEDULED, now: NOW });
      expect(reasonsNotWithin(held, target)).toEqual([
        `no committed backup in the DR catalog (the newest run ${run.backupId} is ${status}): the catalog holds runs of the plan but no backup of it that reached the DR vault, so a failover has none to restore; ` +
          'a backup gets there when its Replicate step copies it, once the primary region runs backups again (docs/RUNBOOKS.md, "The primary region is down")',
      ]);
    }
  });

  it('an up-to-date DR copy past the RPO adds no second reason: the RPO\'s names the same backup', () => {
    const stale = row([backup('2026-11-28T06:00:00.000Z')]);
    expect(stale.drCopyObjective?.met).toBe(false);
    expect(reasonsNotWithin(stale)).toEqual([expect.stringMatching(/^last committed backup 20261128T060000Z-\d{8} started 2d6h ago, older than the RPO of 24h: /)]);
  });

  it('the environment\'s notifications.replicationLagMinutes is the allowance, as the alarm\'s; read from the DR catalog, the DR copy is not judged apart', async () => {
    const backups = lagging('2026-11-29T06:00:00.000Z');
    const day = { ...environment, plans: environment.plans.map((p) => ({ ...p, objectives: { rpoMinutes: 1440, rtoMinutes: 60 } })) };
    const byDefault = await environmentStatus(sources({ environment: day, backups }), NOW);
    expect([byDefault.withinObjectives, (byDefault.plans[0] as PlanStatus).drCopyObjective?.objectiveSeconds]).toEqual([false, 90_000]);
    const lenient = await environmentStatus(sources({ environment: { ...day, notifications: { emails: [], replicationLagMinutes: 360 } }, backups }), NOW);
    expect((lenient.plans[0] as PlanStatus).drCopyObjective).toEqual(expect.objectContaining({ objectiveSeconds: 108_000, met: true }));
    expect(lenient.withinObjectives).toBe(true);
    expect(row(backups).drCopyObjective?.met).toBe(false);
    expect(planStatus({ plan: DAY, backups, catalog: 'dr', drills: [], nextRun: SCHEDULED, now: NOW }).drCopyObjective).toBeUndefined();
  });

  it('on the screen: ✗ in the row and in the DR COPY cell, the reason below, exit 1; --json carries drCopyObjective', async () => {
    const day = { ...environment, plans: environment.plans.map((p) => ({ ...p, objectives: { rpoMinutes: 1440, rtoMinutes: 60 } })) };
    const failing = sources({ environment: day, backups: lagging('2026-11-27T06:00:00.000Z') });
    const text = capturedCliIo();
    expect(await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: text.io, sources: failing, now: () => NOW })).toBe(1);
    expect(text.out.slice(3, 5)).toEqual([
      '✗ demo     ✓ 6h/24h       in 18h       none yet            ✗ lag 3d       146.5 KiB   no scrub yet',
      '           COMMITTED      12-01 06:00Z                     newest FAILED  dedup 20.0× no prune yet',
    ]);
    expect(text.out.join(' ').replace(/\s+/g, ' ')).toContain('✗ demo: the newest backup in the DR vault, ');
    for (const line of text.out) expect([...line].length).toBeLessThanOrEqual(100);
    expect(text.out.at(-1)).toBe('✗ 1 of 1 plan(s) not within their objectives');
    const json = capturedCliIo();
    await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', json: true }, { io: json.io, sources: failing, now: () => NOW });
    const [demo] = (JSON.parse(json.out.join('\n')) as EnvironmentStatus).plans as PlanStatus[];
    expect(demo?.drCopyObjective).toEqual({ newestCopied: { backupId: expect.stringMatching(/^20261127T060000Z-/), ageSeconds: 3 * 86_400 + 6 * 3600 }, objectiveSeconds: 90_000, met: false });
  });
});

// Audit R40 F4: an unreadable alarm list was counted as "part(s) of the catalogs".
describe('the last line names what could not be read', () => {
  const denied = { state: 'unreadable' as const, prefix: 'lifeboat-dev-', note: 'the CloudWatch alarms lifeboat-dev-* in us-east-1 could not be read: AccessDenied' };

  it('the alarm list alone: the alarm list, not a catalog', async () => {
    const screen = statusScreen(await environmentStatus(sources({ target: 'aws', backups: [backup('2026-11-30T06:00:00.000Z')], alarms: async () => denied }), NOW));
    expect(screen.at(-1)).toBe('✗ 0 of 1 plan(s) not within their objectives; the CloudWatch alarm list could not be read');
  });

  it('a catalog and the alarm list: each counted as what it is', async () => {
    const both = sources({ target: 'aws', backups: [backup('2026-11-30T06:00:00.000Z')], alarms: async () => denied, latestScrub: async () => Promise.reject(new Error('AccessDenied')) });
    const status = await environmentStatus(both, NOW);
    expect(status.problems).toHaveLength(2);
    // Wrapped at 100 columns as the notes are.
    expect(statusScreen(status).slice(-2).join('\n')).toBe('✗ 0 of 1 plan(s) not within their objectives; 1 part(s) of the catalogs and the CloudWatch alarm\n    list could not be read');
    const catalogOnly = statusScreen(await environmentStatus({ ...both, alarms: async () => ({ state: 'read', prefix: 'lifeboat-dev-', regions: ['us-east-1', 'us-west-2'], inAlarm: [] }) }, NOW));
    expect(catalogOnly.at(-1)).toBe('✗ 0 of 1 plan(s) not within their objectives; 1 part(s) of the catalogs could not be read');
  });
});

// f62W: `--plan ${row.plan}` went into the printed command lines as it was: a plan `my plan` or `night$(echo injected)`
// pasted as two words, or a command substitution bash runs. Each is now one shell word that bash reads back as the plan.
describe("the --plan of the printed command lines is one shell word that names the plan, as the doctor's is", () => {
  const FORGED = '\n\u001b[31m\u009b\u202e';
  const plans = ['my plan', 'night$(echo injected)', `night's${FORGED}`];
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const RAW = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  /** The words bash reads from `word` as a command line's text: one, the plan, when it is quoted right. */
  function bashWords(word: string): string[] {
    const read = spawnSync('bash', ['-c', `set -- ${word}; printf '%s\\0' "$@"`], { encoding: 'utf8' });
    return read.stdout.split('\0').slice(0, -1);
  }
  const planWords = (text: string): string[] => [...text.matchAll(/--plan (.*?)`/g)].map((m) => m[1] ?? '');

  it.each(plans)('in the reasons a plan is ✗ for: %j', (plan) => {
    const named = { ...DAY, name: plan };
    const none = planStatus({ plan: named, backups: [], drills: [], nextRun: SCHEDULED, now: NOW });
    const stale = planStatus({ plan: named, backups: [backup('2026-11-29T06:00:00.000Z')], drills: [], nextRun: SCHEDULED, now: NOW });
    const lagging = planStatus({ plan: named, backups: [backup('2026-11-30T06:00:00.000Z', { copies: { primary: 'COMMITTED', dr: 'FAILED' } }), backup('2026-11-27T06:00:00.000Z')], drills: [], nextRun: SCHEDULED, now: NOW });
    const lines = [...reasonsNotWithin(none), ...reasonsNotWithin(stale), ...reasonsNotWithin(lagging)];
    // No committed backup (lifeboat backup), the RPO passed (lifeboat backup), the DR copy too old (backups list).
    const words = lines.flatMap(planWords);
    expect(words).toHaveLength(3);
    for (const word of words) expect(bashWords(word)).toEqual([plan]);
    for (const line of lines) expect(line).not.toMatch(RAW);
  });

  it.each(plans)("in the screen's notes of a backup that starts in the future: %j", async (plan) => {
    const [first] = environment.plans;
    if (first === undefined) throw new Error('the sample config has no plan');
    const named = sources({ environment: { ...environment, plans: [{ ...first, name: plan }] }, backups: [backup('2027-11-20T12:00:00.000Z', { plan }), backup('2026-11-30T06:00:00.000Z', { plan })] });
    const { out, io } = capturedCliIo();
    await statusCommand({ config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io, sources: named, now: () => NOW });
    const note = out.join('\n').replace(/\n {4}/g, ' ');
    const words = planWords(note.slice(note.indexOf('starts in the future')));
    expect(words).toHaveLength(1);
    expect(bashWords(words[0] ?? '')).toEqual([plan]);
  });
});
