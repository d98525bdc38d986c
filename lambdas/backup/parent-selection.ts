import { type BackupCatalog } from '../catalog/backup-catalog';
import { type BackupRecord, type BackupStrategy } from '../catalog/backup-record';
import { compareRebuildOrder } from '../catalog/catalog-rebuild-order';

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
 *   differential the source's snapshot in its latest committed *full* backup; a source that no kept full
 *                backup holds (added to the plan since) builds on its snapshot in the latest committed backup
 *                that read it whole (no parentSnapshotId): the first differential after adding it reads it
 *                whole, the next ones only what changed since, as Bacula upgrades a new FileSet to a full.
 * A differential with no full backup left for any source runs as full, so a differential's base is always
 * a full backup. Parents come from the catalog (COMMITTED records only), never from "the latest snapshot in
 * the vault", so a snapshot of a backup that failed half way is never built upon.
 */
export async function selectParents(catalog: BackupCatalog, sourceNames: readonly string[], requested: BackupStrategy): Promise<ParentSelection> {
  const parents = new Map<string, SourceParent>(sourceNames.map((n) => [n, null]));
  if (requested === 'full') return { strategy: 'full', parents };
  const records: BackupRecord[] = [];
  const unbased: string[] = [];
  for (const name of sourceNames) {
    const record = await catalog.latestBackupOfSource(name, requested === 'differential' ? { strategy: 'full' } : {});
    if (record && setParent(parents, name, record)) records.push(record);
    else unbased.push(name);
  }
  // The newest of the parents' backups names the run's parent (normally all sources share one); for a
  // differential only full backups do, so its parent and base stay the full backup the record says. Newest by the
  // instant of the start, as each source's parent was chosen: by the text, a start with an offset lost to an older
  // one (review r65B F2).
  const parent = records.sort((a, b) => compareRebuildOrder(b, a))[0];
  if (!parent) return { strategy: 'full', parents };
  if (requested === 'differential') {
    // Without this a source added after the last full was read whole on every differential.
    for (const name of unbased) {
      const record = await catalog.latestWholeReadOfSource(name);
      if (record) setParent(parents, name, record);
    }
  }
  const baseBackupId = parent.strategy === 'full' ? parent.backupId : parent.baseBackupId;
  return { strategy: requested, parentBackupId: parent.backupId, ...(baseBackupId ? { baseBackupId } : {}), parents };
}

/** Sets the source's parent to its snapshot in `record`; false when the record has none. */
function setParent(parents: Map<string, SourceParent>, name: string, record: BackupRecord): boolean {
  const snapshot = record.sources.find((s) => s.name === name);
  if (!snapshot) return false;
  parents.set(name, { backupId: record.backupId, snapshotId: snapshot.snapshotId, startedAt: record.startedAt });
  return true;
}
