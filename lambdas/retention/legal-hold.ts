import { type BackupCatalog } from '../catalog/backup-catalog';
import { type BackupRecord, type LegalHold } from '../catalog/backup-record';
import { UnknownBackupError } from '../catalog/catalog-errors';
import { InvalidInputError } from '../runtime/errors';
import { type VaultHoldResult } from './object-legal-hold';

/** What a hold or release writes in one catalog. */
export type HoldCatalog = Pick<BackupCatalog, 'setHold' | 'clearHold'>;

/**
 * The seam for Object Lock (docs/ARCHITECTURE.md, "Object Lock"): puts (`on`) or lifts the S3
 * legal hold on the objects of a held backup in the vaults (vaultObjectLegalHold), and says per
 * vault what it did. Called after the catalogs are written.
 */
export type ObjectLegalHold = (record: BackupRecord, on: boolean) => Promise<VaultHoldResult[]>;

export type LegalHoldDeps = {
  /** The primary region's catalog: the hold must land there, or the command fails. */
  primary: HoldCatalog;
  /** The DR region's catalog, written when it can be reached; a failure there is a warning. */
  dr?: HoldCatalog | undefined;
  objectLegalHold?: ObjectLegalHold | undefined;
};

/** The primary's record as written, and what became of the DR catalog's copy. */
export type LegalHoldOutcome = {
  record: BackupRecord;
  /** `written`; `absent` when the DR catalog has no record of the backup yet (not replicated: replication copies the hold with it); or why it could not be written. */
  dr: { state: 'written' } | { state: 'absent' } | { state: 'skipped' } | { state: 'unreachable'; problem: string };
  /** Per vault, the S3 legal holds on the backup's objects (absent without the Object Lock seam). */
  objects?: VaultHoldResult[];
};

/**
 * Puts a legal hold on a backup: every retention policy keeps it until it is released (see
 * decide-retention.ts). Throws UnknownBackupError naming the id when the primary catalog has no
 * such backup, InvalidInputError for an empty reason.
 */
export async function holdBackup(backupId: string, request: { reason: string; by: string; at: Date }, deps: LegalHoldDeps): Promise<LegalHoldOutcome> {
  const reason = request.reason.trim();
  if (reason === '') throw new InvalidInputError('Invalid hold: reason: say why the backup is held (a case or ticket), e.g. --reason "case 42"');
  const hold: LegalHold = { reason, by: request.by, at: request.at.toISOString() };
  return writeBoth((catalog) => catalog.setHold(backupId, hold), deps, true);
}

/** Lifts a backup's legal hold (a backup without one is fine): retention decides on it again. */
export async function releaseBackup(backupId: string, deps: LegalHoldDeps): Promise<LegalHoldOutcome> {
  return writeBoth((catalog) => catalog.clearHold(backupId), deps, false);
}

async function writeBoth(write: (catalog: HoldCatalog) => Promise<BackupRecord>, deps: LegalHoldDeps, on: boolean): Promise<LegalHoldOutcome> {
  const record = await write(deps.primary);
  let dr: LegalHoldOutcome['dr'] = { state: 'skipped' };
  if (deps.dr) {
    try {
      await write(deps.dr);
      dr = { state: 'written' };
    } catch (err) {
      if (err instanceof UnknownBackupError) dr = { state: 'absent' };
      else dr = { state: 'unreachable', problem: err instanceof Error ? err.message : String(err) };
    }
  }
  if (!deps.objectLegalHold) return { record, dr };
  return { record, dr, objects: await deps.objectLegalHold(record, on) };
}
