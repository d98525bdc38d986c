import { type BackupCatalog } from '../catalog/backup-catalog';
import { type BackupRecord, type BackupStrategy } from '../catalog/backup-record';

/** `startedAt`: the parent backup's start, before any of its reads (the S3 reader trusts reused metadata by it: s3-object-entries.ts). */
export type SourceParent = { backupId: string; snapshotId: string; startedAt: string } | null;

export type ParentSelection = {
  /** The strategy applied: incremental/differential with nothing to build on becomes full. */
  strategy: BackupStrategy;
  parentBackupId?: string;
  baseBackupId?: string;
  /** Per source name: the snapshot its shards reuse unchanged entries from. */
  parents: Map<string, SourceParent>;
};

/**
 * Strategies are policies over one mechanism — the parent snapshot a source's shards compare
 * change tokens against (every backup is logically full either way):
 *   full         no parent: every entry is read and hashed again (dedup still avoids re-uploading);
 *   incremental  the source's snapshot in its latest committed backup;
 *   differential the source's snapshot in its latest committed *full* backup.
 * Parents come from the catalog (COMMITTED records only), never from "the latest snapshot in the
 * vault", so a snapshot of a backup that failed half way is never built upon.
 */
export async function selectParents(catalog: BackupCatalog, sourceNames: readonly string[], requested: BackupStrategy): Promise<ParentSelection> {
  const parents = new Map<string, SourceParent>(sourceNames.map((n) => [n, null]));
  if (requested === 'full') return { strategy: 'full', parents };
  const records: BackupRecord[] = [];
  for (const name of sourceNames) {
    const record = await catalog.latestBackupOfSource(name, requested === 'differential' ? { strategy: 'full' } : {});
    const snapshot = record?.sources.find((s) => s.name === name);
    if (!record || !snapshot) continue;
    parents.set(name, { backupId: record.backupId, snapshotId: snapshot.snapshotId, startedAt: record.startedAt });
    records.push(record);
  }
  // The newest of the parents' backups names the run's parent (normally all sources share one).
  const parent = records.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.backupId.localeCompare(a.backupId))[0];
  if (!parent) return { strategy: 'full', parents };
  const baseBackupId = parent.strategy === 'full' ? parent.backupId : parent.baseBackupId;
  return { strategy: requested, parentBackupId: parent.backupId, ...(baseBackupId ? { baseBackupId } : {}), parents };
}
