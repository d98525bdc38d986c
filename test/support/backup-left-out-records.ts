import { type BackupRecord, type BackupSourceRecord } from '../../lambdas/catalog/backup-record';
import { type BackupRecords } from '../../lambdas/restore/backup-left-out';

/** What a backup's record says it left out of one source (commit-backup.ts): 0 of each unless given. */
export type SourceLeftOut = { name: string } & Partial<Pick<BackupSourceRecord, 'skipped' | 'skippedExamples' | 'vanished' | 'changedDuringRead'>>;

/**
 * A catalog whose record of any backup holds `sources` with what each left out (nothing unless given): what the drill's
 * comparison and the verify step read of it (backup-left-out.ts). A source not among them is one the record lacks.
 */
export function backupRecordsOf(sources: readonly SourceLeftOut[]): BackupRecords & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    getBackup: (backupId: string) => {
      reads.push(backupId);
      return Promise.resolve({ backupId, sources: sources.map((s) => ({ skipped: 0, vanished: 0, changedDuringRead: 0, ...s })) } as unknown as BackupRecord);
    },
  };
}
