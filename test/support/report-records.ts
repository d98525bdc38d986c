import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { type DrillRecord } from '../../lambdas/catalog/drill-record';
import { drillRecordOf, drillReport, failedReport, objectiveMissedReport } from './drill-records';

/**
 * The catalog of plan `demo` that the report's tests draw: three committed backups (the third 30 h
 * after the second: the RPO of 24 h missed), a failed one and a running one; three drills, two with
 * an RTO. Points per chart: bytes 3, dedup 3, durations 4, rpo 3 (two gaps and the age now), drills 2.
 */
export const REPORT_NOW = new Date('2026-11-30T12:00:00.000Z');

function backup(startedAt: string, endedAt: string | undefined, status: BackupRecord['status'], bytes: number, bytesStored: number): BackupRecord {
  return {
    backupId: `${startedAt.replace(/[-:]/g, '').slice(0, 15)}Z-00000001`, plan: 'demo', environment: 'dev', sourceNames: ['demo-assets'], sources: [], strategy: 'incremental', status, startedAt,
    ...(endedAt ? { endedAt } : {}),
    shardCount: 1,
    ...(status === 'COMMITTED' ? { totals: { entries: 1, bytes, bytesScanned: bytes, bytesNew: bytesStored, bytesStored, blobsNew: 1 } } : {}),
  };
}

export const REPORT_BACKUPS: readonly BackupRecord[] = [
  backup('2026-11-29T06:00:00.000Z', '2026-11-29T06:05:00.000Z', 'COMMITTED', 4_000_000, 200_000),
  backup('2026-11-27T00:00:00.000Z', '2026-11-27T00:20:00.000Z', 'COMMITTED', 4_000_000, 1_800_000),
  backup('2026-11-28T00:00:00.000Z', '2026-11-28T00:02:00.000Z', 'FAILED', 0, 0),
  backup('2026-11-30T11:00:00.000Z', undefined, 'RUNNING', 0, 0),
  backup('2026-11-28T00:30:00.000Z', '2026-11-28T00:40:00.000Z', 'COMMITTED', 4_000_000, 0),
];

export const REPORT_DRILLS: readonly DrillRecord[] = [drillRecordOf(drillReport()).record, drillRecordOf(failedReport()).record, drillRecordOf(objectiveMissedReport()).record];
