import { type BackupCatalog } from '../catalog/backup-catalog';
import { type BackupRecord } from '../catalog/backup-record';
import { publishMetrics } from './publish-metrics';

/**
 * A plan's newest committed backup and the source entries it left out: both absent when the plan has none;
 * `unreadable` (why) instead of the count when its record could not be read.
 */
export type PlanEntriesSkipped = { plan: string; backupId?: string; entriesSkipped?: number; unreadable?: string };

/**
 * The entries each plan's newest committed backup left out (archived S3 objects, unreadable files: its sources' `skipped`),
 * published as LastBackupEntriesSkipped every few minutes, so the entries-skipped alarm stays in ALARM until a backup
 * leaves nothing out, as `lifeboat status` shows that backup's count (plan-status.ts, `leftOut`); the commit's own
 * BackupEntriesSkipped went quiet an hour later while the entries stayed unprotected (audit a58C F2). The backup is the
 * one the age watch found (backup-age-watch.ts): one GetItem of its record per plan. A record that cannot be read
 * publishes nothing and says why (`unreadable`): the other plans are measured all the same, and the watchdog fails
 * the invocation once it has published what it could (operations-watch.ts), so the dead-letter alarm tells.
 */
export async function watchEntriesSkipped(
  environment: string,
  newest: readonly { plan: string; lastCommittedBackupId?: string }[],
  deps: { catalog: Pick<BackupCatalog, 'getBackup'> },
): Promise<PlanEntriesSkipped[]> {
  const out: PlanEntriesSkipped[] = [];
  for (const { plan, lastCommittedBackupId } of newest) {
    if (lastCommittedBackupId === undefined) {
      out.push({ plan });
      continue;
    }
    let record: BackupRecord | undefined;
    try {
      record = await deps.catalog.getBackup(lastCommittedBackupId);
    } catch (err) {
      out.push({ plan, backupId: lastCommittedBackupId, unreadable: err instanceof Error ? err.message : String(err) });
      continue;
    }
    if (!record) {
      // Forgotten and deleted between the age watch's read and this one: the next run measures the newest again.
      out.push({ plan, backupId: lastCommittedBackupId });
      continue;
    }
    const entriesSkipped = record.sources.reduce((n, s) => n + (s.skipped ?? 0), 0);
    publishMetrics({ environment, plan }, { lastBackupEntriesSkipped: entriesSkipped });
    out.push({ plan, backupId: lastCommittedBackupId, entriesSkipped });
  }
  return out;
}
