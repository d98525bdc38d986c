import { type BackupCatalog } from '../catalog/backup-catalog';
import { type BackupRecord, type LegalHold } from '../catalog/backup-record';
import { UnknownBackupError } from '../catalog/catalog-errors';
import { InvalidInputError } from '../runtime/errors';
import { isAccountRefusal } from './account-refusal';
import { type VaultHoldResult } from './object-legal-hold';

/** What a hold or release writes in one catalog. */
export type HoldCatalog = Pick<BackupCatalog, 'setHold' | 'clearHold'>;

/**
 * The seam for Object Lock (docs/ARCHITECTURE.md, "Object Lock"): puts (`on`) or lifts the S3
 * legal hold on the objects of a held backup in the vaults (vaultObjectLegalHold), and says per
 * vault what it did. A hold calls it after the catalogs are written (holdBackup); a release before
 * (releaseBackup, which leaves it to its caller).
 */
export type ObjectLegalHold = (record: BackupRecord, on: boolean) => Promise<VaultHoldResult[]>;

export type LegalHoldDeps = {
  /**
   * The primary region's catalog: the hold must land there, or the command fails. Absent when only the DR half
   * is written (`--only dr`, with the DR account's credentials when the DR stack is in another account).
   */
  primary?: HoldCatalog | undefined;
  /** The DR region's catalog, written after the primary's; a failure there is reported, not thrown. */
  dr?: HoldCatalog | undefined;
  /**
   * The DR catalog is another account's (`drAccount`): a refusal there (AccessDenied, ResourceNotFound) comes from
   * credentials of the wrong account and is reported `refused`, since running the command again would change nothing.
   */
  drInAnotherAccount?: boolean | undefined;
  objectLegalHold?: ObjectLegalHold | undefined;
};

/** What a release writes: the catalogs only (releaseBackup). */
export type ReleaseDeps = Omit<LegalHoldDeps, 'objectLegalHold'> & { objectLegalHold?: never };

/** The record as written, and what became of the DR catalog's copy. */
export type LegalHoldOutcome = {
  /**
   * The primary catalog's record as written; with the DR half only, the DR catalog's, and undefined when the DR
   * catalog has none (`dr` is then `absent`).
   */
  record: BackupRecord | undefined;
  /**
   * `written`; `absent` when the DR catalog has no record of the backup yet (not replicated: replication copies the
   * primary's record, hold included); `skipped` when no DR catalog was given; `refused` when the DR catalog is another
   * account's and refused these credentials; `unreachable` when its region did not answer.
   */
  dr: { state: 'written' } | { state: 'absent' } | { state: 'skipped' } | { state: 'refused'; problem: string } | { state: 'unreachable'; problem: string; mayHaveApplied?: boolean };
  /**
   * Per vault, the S3 legal holds on the backup's objects (absent without the Object Lock seam, or without a record).
   * holdBackup's; releaseBackup leaves them to its caller, which lifts them before the catalogs.
   */
  objects?: VaultHoldResult[];
};

/**
 * A new hold (reason, by, at), or `kept`: the hold a backup already has, set again, through catalogs that keep theirs
 * (keepingHolds): a legal reason is not replaced, `kept` goes only where a catalog has none, and the S3 legal holds are
 * set again: what a copy re-made without its hold needs (a scrub's repair, a DR copy deleted and made again).
 */
export type HoldRequest = { reason: string; by: string; at: Date } | { kept: LegalHold };

/**
 * `catalog` whose setHold keeps the hold a record has (reason, by and at) and writes the one given only where it has
 * none: `lifeboat backups hold <id>` without --reason (review r65Q F1: the reason a scrub's line gave replaced a legal
 * case's). Read, then written: a release between the two is undone, as a hold run after it would be.
 */
export function keepingHolds(catalog: HoldCatalog & Pick<BackupCatalog, 'getBackup'>): HoldCatalog {
  return {
    setHold: async (backupId, hold) => catalog.setHold(backupId, (await catalog.getBackup(backupId))?.hold ?? hold),
    clearHold: (backupId) => catalog.clearHold(backupId),
  };
}

/**
 * Puts a legal hold on a backup: every retention policy keeps it until it is released (see
 * decide-retention.ts). Throws UnknownBackupError naming the id when the primary catalog has no
 * such backup, InvalidInputError for an empty reason.
 */
export async function holdBackup(backupId: string, request: HoldRequest, deps: LegalHoldDeps): Promise<LegalHoldOutcome> {
  const reason = 'kept' in request ? request.kept.reason.trim() : request.reason.trim();
  if (reason === '') throw new InvalidInputError('Invalid hold: reason: say why the backup is held (a case or ticket), e.g. --reason "case 42"');
  const hold: LegalHold = 'kept' in request ? request.kept : { reason, by: request.by, at: request.at.toISOString() };
  const written = await writeBoth((catalog) => catalog.setHold(backupId, hold), deps);
  if (!deps.objectLegalHold || !written.record) return written;
  return { ...written, objects: await deps.objectLegalHold(written.record, true) };
}

/**
 * Lifts a backup's legal hold in the catalogs (a backup without one is fine): retention decides on it again. Not the
 * S3 legal holds of its objects: their release is the caller's, and comes first (`lifeboat backups release`,
 * cli/commands/retention-commands.ts). A vault with Object Lock lets only its break-glass principal lift a hold
 * (docs/SECURITY.md, "Vault buckets"), so an operator's release is refused there: refused before the catalogs are
 * written, it leaves the backup held everywhere; after, it would leave the catalogs released and the objects held in
 * S3 only. Hence no ObjectLegalHold here (ReleaseDeps): the one order a release may take is its caller's.
 */
export async function releaseBackup(backupId: string, deps: ReleaseDeps): Promise<LegalHoldOutcome> {
  return writeBoth((catalog) => catalog.clearHold(backupId), deps);
}

/** The primary catalog (which must take the write), then the DR one (whose failure is reported). */
async function writeBoth(write: (catalog: HoldCatalog) => Promise<BackupRecord>, deps: Omit<LegalHoldDeps, 'objectLegalHold'>): Promise<LegalHoldOutcome> {
  if (!deps.primary && !deps.dr) throw new InvalidInputError('Invalid legal hold: neither the primary nor the DR catalog was given; name at least one half (--only primary|dr)');
  const primaryRecord = deps.primary ? await write(deps.primary) : undefined;
  let drRecord: BackupRecord | undefined;
  let dr: LegalHoldOutcome['dr'] = { state: 'skipped' };
  if (deps.dr) {
    try {
      drRecord = await write(deps.dr);
      dr = { state: 'written' };
    } catch (err) {
      dr = drFailure(err, deps.drInAnotherAccount === true);
    }
  }
  return { record: primaryRecord ?? drRecord, dr };
}

function drFailure(err: unknown, inAnotherAccount: boolean): LegalHoldOutcome['dr'] {
  if (err instanceof UnknownBackupError) return { state: 'absent' };
  const problem = err instanceof Error ? err.message : String(err);
  if (inAnotherAccount && isAccountRefusal(err)) return { state: 'refused', problem };
  return writeMayHaveApplied(err) ? { state: 'unreachable', problem, mayHaveApplied: true } : { state: 'unreachable', problem };
}

/**
 * Whether a write that failed may have applied all the same: DynamoDB answered with a fault of its own (a 5xx), or the
 * request left and its answer never came (a timeout, a connection reset), as against a connection never made. The
 * DR half's line then says the copy may or may not be held, not that it is not (review r63O F4).
 */
function writeMayHaveApplied(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { $fault: fault, $metadata: metadata, code } = err as { $fault?: unknown; $metadata?: { httpStatusCode?: unknown }; code?: unknown };
  const status = metadata?.httpStatusCode;
  if (fault === 'server' || (typeof status === 'number' && status >= 500) || code === 'ECONNRESET') return true;
  return err.name === 'TimeoutError' && !NOT_CONNECTED.test(err.message);
}

/** A timeout's words when the connection was never made (Node's `connect ETIMEDOUT`, the SDK's connection timeout): nothing was sent. */
const NOT_CONNECTED = /^connect |without establishing a connection/i;
