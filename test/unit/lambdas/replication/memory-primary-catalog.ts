import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type PrimaryCatalog } from '../../../../lambdas/replication/replicate-backup';

/** The primary catalog calls replication and the scrub make, over a map; `reads` lists the plans whose records were read. */
export class MemoryPrimaryCatalog implements PrimaryCatalog, Pick<BackupCatalog, 'putRebuiltBackup' | 'indexCommittedBackup'> {
  readonly records = new Map<string, BackupRecord>();
  readonly reads: string[] = [];
  getBackup(backupId: string): Promise<BackupRecord | undefined> {
    return Promise.resolve(this.records.get(backupId));
  }
  listBackupsOfPlan(plan: string): Promise<BackupRecord[]> {
    this.reads.push(plan);
    return Promise.resolve([...this.records.values()].filter((r) => r.plan === plan));
  }
  markCopied(backupId: string): Promise<boolean> {
    const record = this.records.get(backupId);
    if (!record || record.copies?.dr === 'COMMITTED') return Promise.resolve(false);
    this.records.set(backupId, { ...record, copies: { primary: 'COMMITTED', dr: 'COMMITTED' } });
    return Promise.resolve(true);
  }
  putRebuiltBackup(record: BackupRecord): Promise<boolean> {
    if (this.records.has(record.backupId)) return Promise.resolve(false);
    this.records.set(record.backupId, record);
    return Promise.resolve(true);
  }
  indexCommittedBackup(): Promise<void> {
    return Promise.resolve();
  }
}

/** A backup record of plan `files` (unless said otherwise) with one source `src` per snapshot id. */
export function catalogRecord(backupId: string, status: BackupRecord['status'], snapshotIds: readonly string[], extra: Partial<BackupRecord> = {}): BackupRecord {
  return {
    backupId,
    plan: 'files',
    environment: 'dev',
    sourceNames: ['src'],
    sources: snapshotIds.map((snapshotId) => ({ name: 'src', type: 'filesystem', snapshotId, rootHash: '', entries: 0, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 })),
    strategy: 'full',
    status,
    startedAt: '2026-03-01T00:00:00.000Z',
    shardCount: 1,
    ...extra,
  };
}
