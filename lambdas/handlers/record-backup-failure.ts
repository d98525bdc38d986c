import { z } from 'zod';
import { cleanUpFailedBackupSnapshots, type FailedSnapshotsCleanup } from '../backup/failed-snapshots-cleanup';
import { handlerLogger } from '../operations/handler-logger';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z.object({
  lock: z.object({ backupId: z.string() }).optional(),
  error: z.object({ Error: z.string().default('Unknown'), Cause: z.string().default('') }),
  /** From a Snapshot shards child execution: the indexes of the batch's shards, one of which failed. */
  shards: z.array(z.number().int().min(0)).optional(),
});

type FailureRecorded = { backupId?: string; recorded: 'FAILED' | 'DR_COPY_FAILED' | false } & FailedSnapshotsCleanup;

/**
 * Catch target of the backup workflow: marks the backup FAILED (a no-op when the run has no record: the
 * Plan step writes it right after choosing the parents, before reading any source, so only a failure
 * before that — opening the vault, reading the catalog — leaves none). A backup that had already committed stays COMMITTED and restorable from the primary
 * vault: what failed after the commit is its replication, recorded as copies.dr = FAILED (the next
 * run's Replicate step copies it). Also the Catch of a Snapshot shards child execution, with the
 * batch's shard indexes: the shard's own error is recorded first, and the map's later
 * States.ExceedToleratedFailureThreshold does not replace it (BackupCatalog.markFailed).
 *
 * Once FAILED, the snapshots a commit wrote for the backup (named in its commit markers) are deleted:
 * no commit can record them any more, and the commit itself keeps them while the record is RUNNING,
 * since a retried invocation may be recording them (commit-backup.ts). Only a snapshot whose own record
 * names this backup goes (the step opens the vault to read it): one a marker names that is another
 * backup's, or that a legal hold keeps (or, on the local cloud, a retention), stays and is listed in `snapshotsKept`. Best effort: a snapshot
 * left behind is in no catalog record, so no restore or drill offers it.
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'failure record' }, async (input, runtime): Promise<FailureRecorded> => {
  if (!input.lock) return { recorded: false };
  const { backupId } = input.lock;
  const cause = input.shards ? `Shard ${input.shards.join(', ')} of the batch that failed: ${input.error.Cause}` : input.error.Cause;
  if (await runtime.catalog.markFailed(backupId, input.error.Error, cause, new Date().toISOString())) {
    const cleanup = await cleanUpFailedBackupSnapshots(backupId, { store: runtime.vaultStore('primary'), catalog: runtime.catalog, openVault: () => runtime.openVault('primary') }, (message) => handlerLogger.warn(message));
    return { backupId, recorded: 'FAILED', ...cleanup };
  }
  return { backupId, recorded: (await runtime.catalog.markCopyFailed(backupId)) ? 'DR_COPY_FAILED' : false };
});
