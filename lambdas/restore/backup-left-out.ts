import { type BackupCatalog } from '../catalog/backup-catalog';
import { type ResolvedRestore } from './resolved-restore';
import { errorAsText } from '../runtime/error-as-text';

/**
 * What the restored backup itself did not hold whole of its source, as its catalog record says
 * (`sources[]`: docs/RUNBOOKS.md, "Archived source objects"): entries left out as archived or
 * unreadable (`skipped`, with the first reason lines), entries that vanished between listing and
 * reading, entries kept as read while they changed. A restore cannot bring back what its backup
 * lacks, and "verified N entries equal to the backup" is about the backup, not the source as it
 * was: the report says this beside it (audit R41 F4). The counts are the whole source's, whatever
 * the restore's filter. `unknown`: the record could not be read, so nothing can be said either way.
 */
export type BackupLeftOut = { skipped: number; skippedExamples: string[]; vanished: number; changedDuringRead: number } | { unknown: string };

/** The catalog the verify step reads the record from: its own region's, which the resolve step read too. */
export type BackupRecords = Pick<BackupCatalog, 'getBackup'>;

/**
 * The restored source's counts in the backup's record; undefined when the backup left nothing out.
 * Never fails: the restore is verified by then, and a catalog that does not answer only means the
 * report cannot tell (it says so, with where to look).
 */
export async function backupLeftOut(records: BackupRecords, restore: Pick<ResolvedRestore, 'backupId' | 'source'>): Promise<BackupLeftOut | undefined> {
  const look = `see \`lifeboat backups list --json\` for backup ${restore.backupId}`;
  let record: Awaited<ReturnType<BackupRecords['getBackup']>>;
  try {
    record = await records.getBackup(restore.backupId);
  } catch (err) {
    return { unknown: `the backup's catalog record could not be read (${errorAsText(err)}); ${look}` };
  }
  const source = record?.sources.find((s) => s.name === restore.source.name);
  if (!source) return { unknown: `the catalog holds no record of source ${JSON.stringify(restore.source.name)} in backup ${restore.backupId}; ${look}` };
  const found = { skipped: source.skipped ?? 0, skippedExamples: source.skippedExamples ?? [], vanished: source.vanished ?? 0, changedDuringRead: source.changedDuringRead ?? 0 };
  return found.skipped + found.vanished + found.changedDuringRead > 0 ? found : undefined;
}
