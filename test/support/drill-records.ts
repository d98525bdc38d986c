import { createHash } from 'node:crypto';
import { type DrillRecord, type DrillReport, drillReportKey } from '../../lambdas/catalog/drill-record';

/**
 * Drill reports and records as the drill workflow writes them (lambdas/catalog/drill-record.ts), for
 * the CLI's tests: a PASSED drill of plan `demo` from the DR vault, with overrides.
 */
export function drillReport(overrides: Partial<DrillReport> = {}): DrillReport {
  return {
    drillId: '20261130T101500Z-1a2b3c4d',
    plan: 'demo',
    environment: 'dev',
    region: 'us-west-2',
    vault: 'dr',
    execution: 'drill-exec-1',
    startedAt: '2026-11-30T10:15:00.000Z',
    endedAt: '2026-11-30T10:27:30.000Z',
    selection: 'latest',
    windowDays: 7,
    backup: { backupId: '20261130T060000Z-0badcafe', startedAt: '2026-11-30T06:00:00.000Z', endedAt: '2026-11-30T06:04:00.000Z', strategy: 'incremental' },
    sources: [
      {
        source: 'demo-assets',
        type: 's3',
        target: 's3://lifeboat-dev-drill-1a2b3c4d-demo-assets/',
        entries: 120,
        bytes: 5_000_000,
        verifiedEntries: 120,
        restoreMs: 65_000,
        sampled: { compared: 10, matched: 10, skippedChanged: 2 },
      },
      {
        source: 'demo-orders',
        type: 'dynamodb',
        target: 'dynamodb table lifeboat-dev-drill-1a2b3c4d-demo-orders',
        entries: 40,
        items: 3_900,
        bytes: 9_000,
        verifiedEntries: 40,
        restoreMs: 30_000,
        sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: 'DynamoDB items are not sampled' },
      },
    ],
    totals: { entries: 160, items: 3_900, bytes: 5_009_000 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
    rto: { seconds: 724, objectiveSeconds: 3600, met: true },
    rpo: { backupAgeSeconds: 15_300, largestGapSeconds: 86_000, backupsInWindow: 7, objectiveSeconds: 86_400, met: true },
    verdict: 'PASSED',
    missed: [],
    errors: [],
    cleanup: { removed: ['s3://lifeboat-dev-drill-1a2b3c4d-demo-assets', 'dynamodb table lifeboat-dev-drill-1a2b3c4d-demo-orders'], swept: [], errors: [] },
    ...overrides,
  };
}

/** The report's object bytes as the drill writes them, and the catalog record that points at them. */
export function drillRecordOf(report: DrillReport): { record: DrillRecord; object: Buffer } {
  const object = Buffer.from(`${JSON.stringify(report, null, 2)}\n`);
  return { object, record: { ...report, reportKey: drillReportKey(report.drillId), reportSha256: createHash('sha256').update(object).digest('hex') } };
}

/** A drill that restored everything but took 65 min against a 60 min RTO. */
export function objectiveMissedReport(overrides: Partial<DrillReport> = {}): DrillReport {
  return drillReport({
    drillId: '20261129T101500Z-2b3c4d5e',
    startedAt: '2026-11-29T10:15:00.000Z',
    endedAt: '2026-11-29T11:21:00.000Z',
    rto: { seconds: 3900, objectiveSeconds: 3600, met: false },
    verdict: 'OBJECTIVE_MISSED',
    missed: [{ objective: 'rto', measuredSeconds: 3900, objectiveSeconds: 3600, bySeconds: 300 }],
    ...overrides,
  });
}

/** A drill that found no backup to drill: no backup, no RTO or RPO, one error. */
export function failedReport(overrides: Partial<DrillReport> = {}): DrillReport {
  const { backup: _backup, rto: _rto, rpo: _rpo, ...rest } = drillReport();
  return {
    ...rest,
    drillId: '20261128T101500Z-3c4d5e6f',
    startedAt: '2026-11-28T10:15:00.000Z',
    endedAt: '2026-11-28T10:15:02.000Z',
    sources: [],
    totals: { entries: 0, bytes: 0 },
    verdict: 'FAILED',
    errors: [{ error: 'NoBackupToDrillError', message: 'plan demo has no committed, replicated backup in the last 7 days; the newest is 9 days old (copies.dr PENDING)', step: 'Start drill' }],
    cleanup: { removed: [], swept: ['s3://lifeboat-dev-drill-0f0f0f0f-demo-assets'], errors: [] },
    ...overrides,
  };
}
