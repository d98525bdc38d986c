import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { drillRecordSchema, drillReportSchema } from '../../../../lambdas/catalog/drill-record';
import { SHORTFALL_REPORT_MAX_BYTES, SHORTFALL_TEXT_MAX_BYTES } from '../../../../lambdas/drill/drill-shortfall';
import { type DrillStart } from '../../../../lambdas/drill/drill-start';
import { type FailedSourceRestore, sourceRestoreSchema } from '../../../../lambdas/drill/drill-state';
import { drillStateReport, STATE_SUMMARY_MAX_CHARS } from '../../../../lambdas/drill/drill-state-report';
import { buildDrillReport, drillFailureCause, type DrillOutcome, drillSummary } from '../../../../lambdas/drill/drill-verdict';
import { type DrillComparison } from '../../../../lambdas/drill/live-sample';
import { type RestoreReport } from '../../../../lambdas/restore/verify-restore';
import { selectDrillBackup } from '../../../../lambdas/drill/drill-selection';
import { backupAt, drilledPlan } from './drill-test-plans';

const DRILL = '20261130T120000Z-1a2b3c4d';
const STARTED = '2026-11-30T12:00:00.000Z';
const at = (minutes: number): string => new Date(Date.parse(STARTED) + minutes * 60_000).toISOString();

const start: DrillStart = {
  drillId: DRILL,
  plan: 'orders',
  vault: 'primary',
  startedAt: STARTED,
  selection: 'latest',
  windowDays: 3,
  samples: 4,
  backup: { backupId: '20261130T110000Z-00000001', startedAt: '2026-11-30T11:00:00.000Z', strategy: 'full' },
  rpo: { backupAgeSeconds: 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 3600, backupsInWindow: 20 },
  restores: [],
};

const restored: RestoreReport[] = [
  {
    restoreId: `${DRILL}-assets`,
    backupId: start.backup.backupId,
    source: 'assets',
    snapshotId: 's1',
    vault: 'primary',
    target: { type: 's3', bucket: 'lifeboat-dev-drill-0a0b0c0d-assets', prefix: '' },
    targetDescription: 's3://lifeboat-dev-drill-0a0b0c0d-assets/',
    entries: 10,
    bytes: 1000,
    verified: { entries: 10, mismatches: 0 },
    durationMs: 61_000,
  },
  {
    restoreId: `${DRILL}-orders-table`,
    backupId: start.backup.backupId,
    source: 'orders-table',
    snapshotId: 's2',
    vault: 'primary',
    target: { type: 'dynamodb', table: 'lifeboat-dev-drill-0a0b0c0d-orders-table' },
    targetDescription: 'dynamodb table lifeboat-dev-drill-0a0b0c0d-orders-table',
    entries: 2,
    items: 180,
    bytes: 500,
    verified: { entries: 2, mismatches: 0 },
    durationMs: 30_000,
  },
];

const comparison = (minutes: number, errors: DrillComparison['errors'] = []): DrillComparison => ({
  verifiedAt: at(minutes),
  sources: [
    { source: 'assets', sampled: { compared: 4, matched: 4, skippedChanged: 1 } },
    { source: 'orders-table', sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: 'DynamoDB tables are not sampled' } },
  ],
  errors,
});

const outcome = (over: Partial<DrillOutcome> = {}): DrillOutcome => ({
  drillId: DRILL,
  execution: 'exec-1',
  startedAt: STARTED,
  plan: drilledPlan,
  selection: 'latest',
  windowDays: 3,
  environment: 'dev',
  region: 'us-east-1',
  vault: 'primary',
  start,
  restored,
  comparison: comparison(10),
  cleanup: { removed: ['s3://lifeboat-dev-drill-0a0b0c0d-assets/'], swept: [], errors: [] },
  endedAt: new Date(at(12)),
  ...over,
});

describe('drill verdict', () => {
  it('PASSED: per source results, totals, RTO from the start to verification, RPO against the objective', () => {
    const report = buildDrillReport(outcome());
    expect(drillReportSchema.parse(report)).toEqual(report);
    expect(report).toMatchObject({
      verdict: 'PASSED',
      missed: [],
      errors: [],
      totals: { entries: 12, items: 180, bytes: 1500 },
      rto: { seconds: 600, objectiveSeconds: 1800, met: true },
      rpo: { backupAgeSeconds: 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 3600, backupsInWindow: 20, objectiveSeconds: 7200, met: true },
      backup: start.backup,
      endedAt: at(12),
    });
    expect(report.sources[0]).toEqual({
      source: 'assets',
      type: 's3',
      target: 's3://lifeboat-dev-drill-0a0b0c0d-assets/',
      entries: 10,
      bytes: 1000,
      verifiedEntries: 10,
      restoreMs: 61_000,
      sampled: { compared: 4, matched: 4, skippedChanged: 1 },
    });
    // A table's items travel with its pages (entries); an S3 source has none.
    expect(report.sources[1]).toMatchObject({ source: 'orders-table', entries: 2, items: 180, verifiedEntries: 2 });
    expect(drillFailureCause(report)).toBeUndefined();
  });

  it('OBJECTIVE_MISSED on RTO, by how much', () => {
    const report = buildDrillReport(outcome({ comparison: comparison(45) }));
    expect(report.verdict).toBe('OBJECTIVE_MISSED');
    expect(report.missed).toEqual([expect.objectContaining({ objective: 'rto', measuredSeconds: 2700, objectiveSeconds: 1800, bySeconds: 900 })]);
    expect(drillFailureCause(report)).toMatch(/^RTO missed: restore and verification took 45 min, over the RTO of 30 min by 15 min/);
  });

  it('OBJECTIVE_MISSED by less than a minute says by how many seconds, never "by 0 min", and the measured value to the second (audit h1-3, review r13-F4)', () => {
    const rto = buildDrillReport(outcome({ comparison: { ...comparison(30), verifiedAt: new Date(Date.parse(STARTED) + 1829_000).toISOString() } }));
    expect(rto.missed).toEqual([expect.objectContaining({ objective: 'rto', bySeconds: 29 })]);
    expect(drillFailureCause(rto)).toBe('RTO missed: restore and verification took 30 min 29 s, over the RTO of 30 min by 29 s');
    const rpo = buildDrillReport(outcome({ start: { ...start, rpo: { backupAgeSeconds: 7229, newestBackupAgeSeconds: 7229, largestGapSeconds: 3600, backupsInWindow: 5 } } }));
    expect(rpo.missed[0]?.detail).toMatch(/ is 2 h 0 min 29 s old, over the RPO of 2\.0 h by 29 s: /);
    // Under 0.1 h of a value in hours: to the minute, not "2.1 h, over the RPO of 2.0 h by 5 min".
    const gap = buildDrillReport(outcome({ start: { ...start, rpo: { backupAgeSeconds: 600, newestBackupAgeSeconds: 600, largestGapSeconds: 7500, backupsInWindow: 5 } } }));
    expect(gap.missed[0]?.detail).toMatch(/ is 2 h 5 min, over the RPO of 2\.0 h by 5 min: /);
  });

  it('the summary of a PASSED drill names the sources not compared against live, and why (review r13-F1)', () => {
    const passed = buildDrillReport(outcome());
    expect(passed.verdict).toBe('PASSED');
    expect(drillSummary(passed)).toBe('PASSED: every source restored and verified within the objectives; 1 source not compared against live (orders-table: DynamoDB tables are not sampled)');
    const changed = 'the 3 files tried were all deleted or changed since the backup: this drill compared no live copy of the source (its restore was verified against the backup)';
    const none = buildDrillReport(
      outcome({ comparison: { ...comparison(10), sources: [{ source: 'assets', sampled: { compared: 0, matched: 0, skippedChanged: 3, unreachable: changed } }, { source: 'orders-table', sampled: { compared: 0, matched: 0, skippedChanged: 0 } }] } }),
    );
    expect(drillSummary(none)).toBe(`PASSED: every source restored and verified within the objectives; 2 sources not compared against live (assets: ${changed}; orders-table: no entry of it was sampled)`);
    const all = buildDrillReport(outcome({ comparison: { ...comparison(10), sources: [{ source: 'assets', sampled: { compared: 4, matched: 4, skippedChanged: 0 } }, { source: 'orders-table', sampled: { compared: 1, matched: 1, skippedChanged: 0 } }] } }));
    expect(drillSummary(all)).toBe('PASSED: every source restored and verified within the objectives');
    const missed = buildDrillReport(outcome({ comparison: comparison(45) }));
    expect(drillSummary(missed)).toBe(drillFailureCause(missed));
  });

  // Audit a57F-1: a restore that left 400 of 1000 entries out (a FIFO among them) of a backup that itself skipped 5000
  // archived objects read "PASSED: every source restored and verified", and the report kept neither.
  it('a PASSED drill restored in part names, per source, what was not restored and what the backup left out; the report and record carry them', () => {
    const shared: RestoreReport = {
      ...(restored[0] as RestoreReport),
      source: 'assets',
      entries: 1000,
      verified: { entries: 600, mismatches: 0 },
      notRestored: { count: 400, first: [{ path: 'pipes/p1', what: 'FIFO not recreated: EPERM' }, { path: 'pipes/p2', what: 'FIFO not recreated: EPERM' }, { path: 'docs/a', what: 'extended attributes not restored: koffi cannot be loaded (and for 397 more entries)', entries: 398 }] },
      backupLeftOut: { skipped: 5000, skippedExamples: ['archive/2019.tar: GLACIER object left out'], vanished: 0, changedDuringRead: 0 },
    };
    // The drill's state carries the report to the step that records it: a line's `entries` (audit f58E) survives it.
    expect(sourceRestoreSchema.parse(shared)).toMatchObject({ notRestored: shared.notRestored });
    const report = buildDrillReport(outcome({ restored: [shared, restored[1] as RestoreReport] }));
    expect(report.verdict).toBe('PASSED');
    expect(report.sources[0]).toMatchObject({
      verifiedEntries: 600,
      notRestored: { count: 400, kinds: ['FIFO not recreated', 'extended attributes not restored'], first: shared.notRestored?.first },
      backupLeftOut: shared.backupLeftOut,
    });
    // The evidence object and the catalog record are the report through their schemas: the fields survive both.
    expect(drillReportSchema.parse(report).sources[0]).toEqual(report.sources[0]);
    expect(drillRecordSchema.parse({ ...report, reportKey: `drills/${DRILL}.json`, reportSha256: '0'.repeat(64) }).sources[0]).toEqual(report.sources[0]);
    expect(report.sources[1]).not.toHaveProperty('notRestored');
    // Counts and names only: the reasons and paths are the record's (review r57AA F1).
    expect(drillSummary(report)).toBe(
      `PASSED with 400 not restored / 5000 left out by the backup, within the objectives (in assets: lifeboat drills show ${DRILL}); ` +
        '1 source not compared against live (orders-table: DynamoDB tables are not sampled)',
    );
    // A backup record that could not be read says so, rather than "every source restored".
    const unknown = buildDrillReport(outcome({ restored: [{ ...(restored[0] as RestoreReport), backupLeftOut: { unknown: 'the backup\'s catalog record could not be read' } }, restored[1] as RestoreReport] }));
    expect(drillSummary(unknown)).toMatch(/^PASSED with what the backup left out not known for 1 source, within the objectives \(in assets: lifeboat drills show /);
  });

  it('bounds what a report keeps of partial restores: 10 paths a source, each text in UTF-8 bytes, all sources within one budget; counts kept past it', () => {
    const long = `${'é'.repeat(3000)}/fifo`;
    const many = Array.from({ length: 20 }, (_, i) => ({ path: `${long}${i}`, what: 'FIFO not recreated: EPERM' }));
    const partial = (source: string): RestoreReport => ({ ...(restored[0] as RestoreReport), source, notRestored: { count: 5000, first: many }, backupLeftOut: { skipped: 9, skippedExamples: many.map((m) => `${m.path}: GLACIER`), vanished: 1, changedDuringRead: 0 } });
    const report = buildDrillReport(outcome({ restored: Array.from({ length: 40 }, (_, i) => partial(`s${i}`)), comparison: undefined, error: { Error: 'X', Cause: 'y' } }));
    const first = report.sources[0];
    expect(first?.notRestored?.first).toHaveLength(10);
    for (const text of [...(first?.notRestored?.first.flatMap((n) => [n.path, n.what]) ?? []), ...(first?.backupLeftOut && 'skippedExamples' in first.backupLeftOut ? first.backupLeftOut.skippedExamples : [])]) {
      expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(SHORTFALL_TEXT_MAX_BYTES);
    }
    expect(first?.notRestored?.first[0]?.path).toMatch(/^é+…$/);
    const listed = report.sources.flatMap((s) => [...(s.notRestored?.kinds ?? []), ...(s.notRestored?.first.flatMap((n) => [n.path, n.what]) ?? []), ...(s.backupLeftOut && 'skippedExamples' in s.backupLeftOut ? s.backupLeftOut.skippedExamples : [])]);
    expect(listed.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0)).toBeLessThanOrEqual(SHORTFALL_REPORT_MAX_BYTES);
    // The last sources are past the budget: their counts stay, their lists are empty.
    expect(report.sources[39]).toMatchObject({ notRestored: { count: 5000, first: [] }, backupLeftOut: { skipped: 9, vanished: 1, skippedExamples: [] } });
    expect(Buffer.byteLength(JSON.stringify(report), 'utf8')).toBeLessThan(64 * 1024);
  });

  // Review r57AA F1, F3: the summary repeated each source's kinds and first skipped example beside the record that holds
  // them, outside the 32 KiB budget, in `$.report` beside `$.restored` (Step Functions: 256 KiB); and raw, a hostile path
  // put a newline or an ESC into it.
  it('the state of a PASSED drill of 40 sources restored in part is its record and a summary of counts and names: within the record and 4 KiB, one line', () => {
    const path = (k: number, i: number): string => `${'d/'.repeat(60)}${'f'.repeat(120)}${k}-${i}`;
    const hostile = 'x\nPASSED: every source restored and verified\x1b[2J';
    const partial = (k: number): RestoreReport => ({
      ...(restored[0] as RestoreReport),
      source: k === 0 ? `efs-0${hostile}` : `efs-${k}`,
      notRestored: { count: 5000, first: Array.from({ length: 20 }, (_, i) => ({ path: i === 0 ? hostile : path(k, i), what: `${'device '.repeat(30)}${i} not recreated${hostile}: EPERM` })) },
      backupLeftOut: { skipped: 9, skippedExamples: Array.from({ length: 10 }, (_, i) => `${path(k, i)}${hostile}: unreadable: EACCES`), vanished: 0, changedDuringRead: 0 },
    });
    const sources = Array.from({ length: 40 }, (_, k) => partial(k));
    const cmp: DrillComparison = { verifiedAt: at(10), sources: sources.map((r) => ({ source: r.source, sampled: { compared: 4, matched: 4, skippedChanged: 0 } })), errors: [] };
    const report = buildDrillReport(outcome({ restored: sources, comparison: cmp }));
    expect(report.verdict).toBe('PASSED');
    const record = { ...report, reportKey: `drills/${DRILL}.json`, reportSha256: '0'.repeat(64) };
    const state = drillStateReport(record);
    const bytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v), 'utf8');
    // The bound: the record (its lists within SHORTFALL_REPORT_MAX_BYTES) and a summary of at most 4 KiB and its cut's tail.
    expect(bytes(state)).toBeLessThanOrEqual(bytes(record) + STATE_SUMMARY_MAX_CHARS + 100);
    expect(bytes(state)).toBeLessThan(56 * 1024);
    expect(state.summary).toMatch(/^PASSED with 200000 not restored \/ 360 left out by the backup, within the objectives \(in efs-0x\\nPASSED: every source restored and verified\\u001b\[2J, efs-1, efs-2, /);
    expect(state.summary).toContain(`efs-39: lifeboat drills show ${DRILL})`);
    expect(state.summary).not.toMatch(/not recreated|unreadable|d\/d\//);
    // eslint-disable-next-line no-control-regex -- no raw control character may reach the one-line summary
    expect(state.summary).not.toMatch(/[\x00-\x1f\x7f]/);
  });

  it('OBJECTIVE_MISSED on RPO says whether the newest backup is too old or a gap inside the window was too long, and what to check', () => {
    const gap = buildDrillReport(outcome({ start: { ...start, rpo: { backupAgeSeconds: 600, newestBackupAgeSeconds: 600, largestGapSeconds: 3 * 3600, backupsInWindow: 5 } } }));
    expect(gap.verdict).toBe('OBJECTIVE_MISSED');
    expect(gap.rpo?.met).toBe(false);
    expect(gap.missed).toEqual([expect.objectContaining({ objective: 'rpo', measuredSeconds: 10_800, bySeconds: 3600 })]);
    expect(gap.missed[0]?.detail).toBe(
      "the largest gap between its backups that ended in the last 3 days is 3.0 h, over the RPO of 2.0 h by 1.0 h: the newest backup is within it, so backups were missed or failed earlier in the window: check the plan's schedule and its failed backup runs (lifeboat backups list --plan orders)",
    );
    // The gap up to the drill's start is the newest backup's age: named once, as the newest backup's age.
    const stale = buildDrillReport(outcome({ start: { ...start, rpo: { backupAgeSeconds: 9000, newestBackupAgeSeconds: 9000, largestGapSeconds: 9000, backupsInWindow: 1 } } }));
    expect(stale.missed[0]?.detail).toBe(
      "the plan's newest backup drillable from the primary vault is 2.5 h old, over the RPO of 2.0 h by 30 min: no backup of the plan has been committed since: check its backup runs (lifeboat backups list --plan orders)",
    );
    const both = buildDrillReport(outcome({ vault: 'dr', start: { ...start, rpo: { backupAgeSeconds: 3 * 3600, newestBackupAgeSeconds: 3 * 3600, largestGapSeconds: 5 * 3600, backupsInWindow: 2 } } }));
    expect(both.missed).toEqual([expect.objectContaining({ objective: 'rpo', measuredSeconds: 5 * 3600, bySeconds: 3 * 3600 })]);
    expect(both.missed[0]?.detail).toBe(
      "the plan's newest backup drillable from the dr vault is 3.0 h old and the largest gap between its backups that ended in the last 3 days is 5.0 h, over the RPO of 2.0 h by 3.0 h: " +
        'no backup of the plan has been replicated since: check its backup runs and their replication to the DR vault (lifeboat backups list --plan orders)',
    );
  });

  it('the drilled backup’s age is reported, not judged: an old drilled backup with a fresh newest one meets the RPO', () => {
    const report = buildDrillReport(outcome({ start: { ...start, rpo: { backupAgeSeconds: 50 * 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 3600, backupsInWindow: 60 } } }));
    expect(report).toMatchObject({ verdict: 'PASSED', missed: [], rpo: { backupAgeSeconds: 50 * 3600, newestBackupAgeSeconds: 3600, met: true } });
  });

  it('a start of an earlier version (no newest backup age) is judged on the drilled backup’s age, as then, and its record parses', () => {
    const report = buildDrillReport(outcome({ start: { ...start, rpo: { backupAgeSeconds: 3 * 3600, largestGapSeconds: 3600, backupsInWindow: 3 } } }));
    expect(drillReportSchema.parse(report)).toEqual(report);
    expect(report.rpo).toEqual({ backupAgeSeconds: 3 * 3600, largestGapSeconds: 3600, backupsInWindow: 3, objectiveSeconds: 7200, met: false });
    expect(report.missed[0]?.detail).toBe("the drilled backup is 3.0 h old, over the RPO of 2.0 h by 1.0 h: check the plan's backups (lifeboat backups list --plan orders)");
  });

  it('FAILED names the first error: the caught one before live-sample mismatches; a Lambda cause is unwrapped', () => {
    const mismatch = { error: 'LiveSampleMismatchError', message: 'Source assets: 1 restored entry differs', step: 'Compare with live sources' };
    const report = buildDrillReport(outcome({ comparison: comparison(10, [mismatch]) }));
    expect(report.verdict).toBe('FAILED');
    expect(report.errors).toEqual([mismatch]);
    expect(drillFailureCause(report)).toBe('LiveSampleMismatchError: Source assets: 1 restored entry differs');

    const failed = buildDrillReport(
      outcome({ restored: undefined, comparison: undefined, error: { Error: 'RestoreVerificationError', Cause: JSON.stringify({ errorType: 'RestoreVerificationError', errorMessage: 'Restore verification failed: 1 of 10' }) } }),
    );
    expect(failed).toMatchObject({ verdict: 'FAILED', errors: [{ error: 'RestoreVerificationError', message: 'Restore verification failed: 1 of 10' }], sources: [] });
    expect(failed.rto).toBeUndefined();
    expect(drillReportSchema.safeParse(failed).success).toBe(true);
  });

  it('a source whose restore failed is listed FAILED with its error and zero figures; the others keep theirs; no RTO; its error comes first in the cause', () => {
    const cause = JSON.stringify({ errorType: 'BackupNotReplicatedError', errorMessage: 'Backup 20261130T110000Z-00000001 is not in the DR vault: its snapshot of source "orders-table" is missing' });
    const lost: FailedSourceRestore = { source: 'orders-table', failed: true, target: { type: 'dynamodb', table: 'lifeboat-dev-drill-0a0b0c0d-orders-table' }, error: { Error: 'BackupNotReplicatedError', Cause: cause } };
    const mismatch = { error: 'LiveSampleMismatchError', message: 'Source assets: 1 restored entry differs', step: 'Compare with live sources' };
    const only = { ...comparison(10, [mismatch]), sources: comparison(10).sources.slice(0, 1) };
    const report = buildDrillReport(outcome({ restored: [restored[0] as RestoreReport, lost], comparison: only }));
    expect(drillReportSchema.parse(report)).toEqual(report);
    expect(report.verdict).toBe('FAILED');
    const sourceError = { error: 'BackupNotReplicatedError', message: 'Backup 20261130T110000Z-00000001 is not in the DR vault: its snapshot of source "orders-table" is missing', step: 'Restore sources', source: 'orders-table' };
    expect(report.sources).toEqual([
      { source: 'assets', type: 's3', target: 's3://lifeboat-dev-drill-0a0b0c0d-assets/', entries: 10, bytes: 1000, verifiedEntries: 10, restoreMs: 61_000, sampled: { compared: 4, matched: 4, skippedChanged: 1 } },
      {
        source: 'orders-table',
        type: 'dynamodb',
        target: 'dynamodb table lifeboat-dev-drill-0a0b0c0d-orders-table',
        entries: 0,
        bytes: 0,
        verifiedEntries: 0,
        restoreMs: 0,
        sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: "not compared: the source's restore failed (BackupNotReplicatedError)" },
        error: sourceError,
      },
    ]);
    // The sources' errors in their order, before the live comparison's.
    expect(report.errors).toEqual([sourceError, mismatch]);
    expect(report.totals).toEqual({ entries: 10, bytes: 1000 });
    // Not every source was restored and verified: no RTO, though the comparison ran for the restored one.
    expect(report.rto).toBeUndefined();
    expect(report.rpo?.met).toBe(true);
    expect(drillFailureCause(report)).toBe(`BackupNotReplicatedError (source orders-table): ${sourceError.message}`);
  });

  it('a drill that found no backup is FAILED with NoBackupToDrillError, without backup, RTO or RPO', () => {
    const report = buildDrillReport(outcome({ start: undefined, restored: undefined, comparison: undefined, error: { Error: 'NoBackupToDrillError', Cause: 'Plan "orders" has no backup' } }));
    expect(report).toMatchObject({ verdict: 'FAILED', errors: [{ error: 'NoBackupToDrillError', message: 'Plan "orders" has no backup' }] });
    expect(report.backup).toBeUndefined();
    expect(report.rpo).toBeUndefined();
    expect(drillReportSchema.safeParse(report).success).toBe(true);
  });

  it('a drill that restored no source is FAILED, never PASSED with an RTO over nothing', () => {
    const report = buildDrillReport(outcome({ start: { ...start, restores: [] }, restored: [], comparison: { verifiedAt: at(1), sources: [], errors: [] } }));
    expect(report.verdict).toBe('FAILED');
    expect(report.errors).toEqual([{ error: 'DrillIncompleteError', message: 'The drill restored no source of plan "orders" (its start returned no restore); a drill passes only when every source of the plan was restored and verified' }]);
    expect(drillReportSchema.safeParse(report).success).toBe(true);
  });

  it('a failed cleanup step is in cleanup.errors with the scratch targets it may leave; the verdict stays the restore\'s', () => {
    const withTargets = {
      ...start,
      restores: restored.map((r) => ({ restoreId: r.restoreId, request: { source: r.source, backupId: r.backupId, target: r.target, vault: 'primary' as const, overwrite: false, keepSetIdBits: false, allowUnprotectedTarget: false } })),
    };
    const cleanupError = { Error: 'States.Timeout', Cause: 'Task timed out after 900.00 seconds' };
    const report = buildDrillReport(outcome({ start: withTargets, cleanup: undefined, cleanupError }));
    expect(report.verdict).toBe('PASSED');
    expect(report.cleanup).toEqual({
      removed: [],
      swept: [],
      errors: [
        'cleanup step failed (States.Timeout: Task timed out after 900.00 seconds); scratch targets of this drill may remain: s3://lifeboat-dev-drill-0a0b0c0d-assets/, dynamodb table lifeboat-dev-drill-0a0b0c0d-orders-table; the next drill\'s cleanup sweeps them once older than the drill\'s timeout and an hour (25 h, or 73 h with an archive tier, when no plan of the stack has more than 40 sources; a wave of restores longer for each further 40: docs/RUNBOOKS.md, "More than 40 sources"), or delete them by hand',
      ],
    });
    expect(drillReportSchema.safeParse(report).success).toBe(true);
  });

  it('a state missing a step’s result without an error is FAILED, not PASSED', () => {
    expect(buildDrillReport(outcome({ comparison: undefined })).errors[0]?.error).toBe('DrillIncompleteError');
  });
});

/**
 * The RPO is the recovery point the plan has at the drill's start (the newest drillable backup's age, the window's
 * largest gap), whatever backup is drilled: a drill of an older backup proves older backups restore. Selection and
 * verdict together, as the drill's first and last steps reach them.
 */
describe('drill RPO, whatever the selection', () => {
  const daily: ProtectionPlanConfig = { ...drilledPlan, schedule: 'rate(1 day)', objectives: { rpoMinutes: 24 * 60, rtoMinutes: 30 } };
  const hoursBefore = (n: number): string => new Date(Date.parse(STARTED) - n * 3_600_000).toISOString();
  // A backup a day, the newest an hour before the drill: 1, 25, ..., 241 h old (the last three outside the 7-day window).
  const fresh = Array.from({ length: 11 }, (_, i) => backupAt('orders', hoursBefore(1 + 24 * i)));
  // The same, with the newest five missing: the newest is 121 h old.
  const stopped = fresh.slice(5);

  const drill = (backups: typeof fresh, selection: DrillOutcome['selection'], extra: { backupId?: string; random?: () => number } = {}) => {
    const picked = selectDrillBackup(backups, { plan: 'orders', vault: 'primary', selection, sources: ['assets'], windowDays: 7, startedAt: new Date(STARTED), ...extra });
    const backup = { backupId: picked.backup.backupId, startedAt: picked.backup.startedAt, strategy: picked.backup.strategy };
    return buildDrillReport(outcome({ plan: daily, selection, windowDays: 7, start: { ...start, selection, windowDays: 7, backup, rpo: picked.rpo } }));
  };

  it('a random drill of a 6-day-old backup, with a backup a day up to the last hour, meets the RPO and reports the pick’s age', () => {
    const report = drill(fresh, 'random-within-window', { random: () => 0.99 });
    expect(report.backup?.startedAt).toBe(hoursBefore(1 + 24 * 6));
    expect(report).toMatchObject({ verdict: 'PASSED', missed: [] });
    expect(report.rpo).toEqual({ backupAgeSeconds: 145 * 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 24 * 3600, backupsInWindow: 7, objectiveSeconds: 86_400, met: true });
  });

  it('a named backup older than the window, with fresh newer ones, meets the RPO', () => {
    const old = fresh[10]!;
    const report = drill(fresh, 'backup-id', { backupId: old.backupId });
    expect(report).toMatchObject({ verdict: 'PASSED', backup: { backupId: old.backupId }, rpo: { backupAgeSeconds: 241 * 3600, newestBackupAgeSeconds: 3600, met: true } });
  });

  it('a plan whose newest backup is older than the RPO misses it whatever is drilled, and says no backup was committed since', () => {
    const reports = [drill(stopped, 'latest'), drill(stopped, 'random-within-window', { random: () => 0 }), drill(stopped, 'random-within-window', { random: () => 0.99 }), drill(stopped, 'backup-id', { backupId: stopped[3]!.backupId })];
    for (const report of reports) {
      expect(report.verdict).toBe('OBJECTIVE_MISSED');
      expect(report.rpo).toMatchObject({ newestBackupAgeSeconds: 121 * 3600, largestGapSeconds: 121 * 3600, met: false });
      expect(report.missed).toEqual([
        {
          objective: 'rpo',
          measuredSeconds: 121 * 3600,
          objectiveSeconds: 86_400,
          bySeconds: 97 * 3600,
          detail: "the plan's newest backup drillable from the primary vault is 121.0 h old, over the RPO of 24.0 h by 97.0 h: no backup of the plan has been committed since: check its backup runs (lifeboat backups list --plan orders)",
        },
      ]);
    }
  });

  it('latest: the drilled backup is the newest, its figures as before', () => {
    const report = drill(fresh, 'latest');
    expect(report.backup?.startedAt).toBe(hoursBefore(1));
    expect(report).toMatchObject({ verdict: 'PASSED', rpo: { backupAgeSeconds: 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 24 * 3600, backupsInWindow: 7, met: true } });
    // A gap inside the window (the backups of 2 to 4 days ago missing), the newest fresh: missed on the gap alone.
    const gapped = drill([...fresh.slice(0, 2), ...fresh.slice(5)], 'latest');
    expect(gapped.rpo).toMatchObject({ backupAgeSeconds: 3600, newestBackupAgeSeconds: 3600, largestGapSeconds: 96 * 3600, met: false });
    expect(gapped.missed[0]?.detail).toMatch(/^the largest gap between its backups that ended in the last 7 days is 96\.0 h, over the RPO of 24\.0 h by 72\.0 h: the newest backup is within it/);
  });
});
