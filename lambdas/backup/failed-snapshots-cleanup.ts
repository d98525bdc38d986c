import { forgetSnapshotsOfFailedBackup, type KeptSnapshot } from './commit-backup';
import { errorAsText } from '../runtime/error-as-text';

/** What a step that cleaned up after a FAILED backup adds to its output: counts and the snapshots it left, when any. */
export type FailedSnapshotsCleanup = { snapshotsDeleted?: number; snapshotsKept?: KeptSnapshot[] };

/**
 * forgetSnapshotsOfFailedBackup as the two steps that record a backup FAILED run it (the workflow's Record failure,
 * release-failed-backup): best effort, each kept snapshot and a failure of the whole cleanup told to `warn`, and the
 * outcome shaped for the step's output.
 */
export async function cleanUpFailedBackupSnapshots(
  backupId: string,
  deps: Omit<Parameters<typeof forgetSnapshotsOfFailedBackup>[1], 'onKept'>,
  warn: (message: string) => void,
): Promise<FailedSnapshotsCleanup> {
  const kept: KeptSnapshot[] = [];
  const onKept = (snapshot: KeptSnapshot): void => {
    kept.push(snapshot);
    warn(`Snapshot ${snapshot.snapshotId} (source ${snapshot.source}) named by a commit marker of failed backup ${backupId} left in the vault: ${snapshot.reason}`);
  };
  const deleted = await forgetSnapshotsOfFailedBackup(backupId, { ...deps, onKept }).catch((err: unknown) => {
    warn(`Snapshots of failed backup ${backupId} left in the vault: ${errorAsText(err)}`);
    return [];
  });
  return { ...(deleted.length > 0 ? { snapshotsDeleted: deleted.length } : {}), ...(kept.length > 0 ? { snapshotsKept: kept } : {}) };
}
