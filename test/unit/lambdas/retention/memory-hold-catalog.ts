import { type BackupRecord, type LegalHold } from '../../../../lambdas/catalog/backup-record';
import { UnknownBackupError } from '../../../../lambdas/catalog/catalog-errors';
import { type HoldCatalog } from '../../../../lambdas/retention/legal-hold';

/** The record of a COMMITTED backup that holds no legal hold; a memoryHoldCatalog's records are this one under their ids. */
export const UNHELD_BACKUP: BackupRecord = { backupId: 'b-1', plan: 'p', environment: 'dev', sourceNames: ['s'], sources: [], strategy: 'full', status: 'COMMITTED', startedAt: '2026-03-01T00:00:00.000Z', shardCount: 1 };

/** A catalog's setHold and clearHold over records in memory (`records`, one per id of `ids`): an unknown id is refused as the catalog refuses it. */
export function memoryHoldCatalog(ids: string[]): HoldCatalog & { records: Map<string, BackupRecord> } {
  const records = new Map(ids.map((id) => [id, { ...UNHELD_BACKUP, backupId: id }]));
  const update = (id: string, hold: LegalHold | undefined): Promise<BackupRecord> => {
    const record = records.get(id);
    if (!record) return Promise.reject(new UnknownBackupError(id));
    const { hold: _old, ...rest } = record;
    const next = hold ? { ...rest, hold } : rest;
    records.set(id, next);
    return Promise.resolve(next);
  };
  return { records, setHold: (id, hold) => update(id, hold), clearHold: (id) => update(id, undefined) };
}
