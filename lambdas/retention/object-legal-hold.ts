import { setBackupLegalHold, snapshotKey, type Vault } from '../../vault';
import { type BackupCatalog, type InvalidBackupItem, logInvalidBackupItem } from '../catalog/backup-catalog';
import { type BackupRecord } from '../catalog/backup-record';
import { UnreadableHeldRecordError } from '../catalog/catalog-errors';
import { type VaultSide } from '../runtime/runtime-config';
import { isAccountRefusal } from './account-refusal';
import { type ObjectLegalHold } from './legal-hold';

/** One vault a held backup's objects may be in, opened only when its bucket has Object Lock. */
export type LockableVault = {
  readonly side: VaultSide;
  /** Whether the vault's bucket has Object Lock (GetObjectLockConfiguration): S3 refuses a legal hold elsewhere. */
  readonly objectLockEnabled: () => Promise<boolean>;
  readonly open: () => Promise<Vault>;
};

/** What became of the S3 legal holds in one vault. */
export type VaultHoldResult =
  | { readonly vault: VaultSide; readonly state: 'changed'; readonly objects: number; readonly keptForOtherHolds: number }
  /** The bucket has no Object Lock: the catalog's hold is all there is (retention keeps the backup). */
  | { readonly vault: VaultSide; readonly state: 'no-object-lock' }
  /** The vault holds none of the backup's snapshots (the DR vault before replication; a backup forgotten there). */
  | { readonly vault: VaultSide; readonly state: 'not-in-vault' }
  /** Only the DR vault: its region did not answer; the command is run again later. */
  | { readonly vault: VaultSide; readonly state: 'unreachable'; readonly problem: string };

/** The primary vault's objects could not be (un)held although its catalog now says so: run the command again. */
export class ObjectLegalHoldError extends Error {
  override readonly name = 'ObjectLegalHoldError';
}

/**
 * The Object Lock side of `lifeboat backups hold|release` (docs/ARCHITECTURE.md, "Object Lock"): after
 * the catalogs (a hold) or before them (a release, so that a vault refusing it leaves the backup held
 * everywhere), sets (or releases) the S3 legal hold on every object the backup's snapshots reference,
 * in each vault whose bucket has Object Lock, so that no retention expiry — not even the break-glass
 * role's GOVERNANCE bypass — deletes them. A release keeps the hold on what another held backup
 * references (`heldSnapshots`: the snapshots of every held backup but this one, per vault: a backup held in the DR
 * catalog only, `--only dr`, needs the DR vault's objects and nothing of the primary's).
 *
 * The primary vault must answer (ObjectLegalHoldError otherwise: re-running the command is safe); the
 * DR vault is reported `unreachable` instead, as the DR catalog is. In each vault only the backup's
 * snapshots present there are held (the DR vault may not have them yet: the next hold after
 * replication covers them).
 */
export function vaultObjectLegalHold(deps: {
  vaults: readonly LockableVault[];
  /**
   * The snapshots whose objects stay held in `vault`: those of the backups its catalogs hold. A failure to read them
   * refuses that vault's release (the primary's fails the command, the DR one's is reported `unreachable`).
   */
  heldSnapshots: (except: string, vault: VaultSide) => Promise<string[]>;
  /**
   * S3 refused (isAccountRefusal: a policy's deny) to lift an object's legal hold in `vault`: returns the error thrown
   * in its place, which says whose credentials the release takes (a vault with Object Lock reserves it to its
   * break-glass principal, cli/commands/legal-hold-release-refusal.ts). Only the release itself: a refused read before
   * it (the Object Lock configuration, the key, a snapshot) is another permission's, and so is a refused hold, which
   * is open to operators.
   */
  releaseRefused?: (vault: VaultSide, err: unknown) => Error;
}): ObjectLegalHold {
  return async (record, on) => {
    // Read once, and only when a vault has Object Lock: a plain vault needs no catalog query. Every vault's list is read
    // at the first need, so that a record no one can read (UnreadableHeldRecordError) stops the release before any
    // vault's hold is lifted; any other failure stays that vault's.
    let held: Map<VaultSide, Promise<string[]>> | undefined;
    const stillHeld = async (side: VaultSide): Promise<string[]> => {
      if (on) return [];
      if (!held) {
        const lists = new Map(deps.vaults.map((v) => [v.side, deps.heldSnapshots(record.backupId, v.side)] as const));
        held = lists;
        const failures = (await Promise.allSettled(lists.values())).map((s): unknown => (s.status === 'rejected' ? s.reason : undefined));
        const unreadable = failures.find((f): f is UnreadableHeldRecordError => f instanceof UnreadableHeldRecordError);
        if (unreadable) throw unreadable;
      }
      return (await held.get(side)) ?? [];
    };
    const results: VaultHoldResult[] = [];
    for (const vault of deps.vaults) {
      try {
        results.push(await holdInVault(vault, record, on, stillHeld, deps.releaseRefused));
      } catch (err) {
        // A record that may need the objects cannot be read: no outage, and running again changes nothing until it is fixed.
        if (err instanceof UnreadableHeldRecordError) throw err;
        const problem = err instanceof Error ? err.message : String(err);
        if (vault.side === 'dr') results.push({ vault: 'dr', state: 'unreachable', problem });
        else if (on) throw new ObjectLegalHoldError(`the catalog holds backup ${record.backupId}, but the S3 legal holds of its objects in the ${vault.side} vault could not be set (${problem}); run the command again`, { cause: err });
        // A release lifts the S3 holds before the catalogs (releaseBackup): they are not released yet.
        else throw new ObjectLegalHoldError(`the S3 legal holds of the objects of backup ${record.backupId} in the ${vault.side} vault could not be released (${problem}), so the catalogs were not changed; run the command again`, { cause: err });
      }
    }
    return results;
  };
}

async function holdInVault(
  lockable: LockableVault,
  record: BackupRecord,
  on: boolean,
  stillHeld: (side: VaultSide) => Promise<string[]>,
  releaseRefused: ((vault: VaultSide, err: unknown) => Error) | undefined,
): Promise<VaultHoldResult> {
  const side = lockable.side;
  if (!(await lockable.objectLockEnabled())) return { vault: side, state: 'no-object-lock' };
  const vault = await lockable.open();
  const present = async (ids: readonly string[]): Promise<string[]> => (await Promise.all(ids.map(async (id) => ((await vault.store.has(snapshotKey(id))) ? id : null)))).filter((id): id is string => id !== null);
  const snapshots = await present(record.sources.map((s) => s.snapshotId));
  if (snapshots.length === 0) return { vault: side, state: 'not-in-vault' };
  const holdError = !on && releaseRefused ? (err: unknown): unknown => (isAccountRefusal(err) ? releaseRefused(side, err) : err) : undefined;
  const change = await setBackupLegalHold(vault, snapshots, on, { stillHeld: await present(await stillHeld(side)), ...(holdError ? { holdError } : {}) });
  if (!change.supported) return { vault: side, state: 'no-object-lock' };
  return { vault: side, state: 'changed', objects: change.objects, keptForOtherHolds: change.keptForOtherHolds };
}

/**
 * The snapshot ids of every backup of `plans` that has a legal hold, but `except`: packs are shared
 * between the plans of a vault, so a release keeps what any of them references. A record that cannot be read
 * (listBackupsOfPlan passes it over) and has a `hold` attribute refuses the release (UnreadableHeldRecordError):
 * which objects its snapshots need cannot be told, and passing over it would release them. Not one from before
 * the vault (the vault holds nothing of it), nor one without a hold. `rebuild`: that catalog's rebuild command line, which
 * the refusal names for an item deleted rather than fixed.
 */
export async function heldSnapshotsOf(catalog: Pick<BackupCatalog, 'listBackupsOfPlan'>, plans: readonly string[], except: string, rebuild?: string): Promise<string[]> {
  const ids: string[] = [];
  const unreadable: InvalidBackupItem[] = [];
  const onInvalid = (invalid: InvalidBackupItem): void => {
    logInvalidBackupItem(invalid);
    // The key, not the salvaged backupId: an item whose backupId names another backup (damaged) is still its key's
    // backup, and its hold keeps that backup's packs.
    if (invalid.mayBeHeld && !invalid.preVault && invalid.key.pk !== `BACKUP#${except}`) unreadable.push(invalid);
  };
  for (const plan of plans) for (const record of await catalog.listBackupsOfPlan(plan, { onInvalid })) if (record.hold && record.backupId !== except) ids.push(...record.sources.map((s) => s.snapshotId));
  if (unreadable.length > 0) throw new UnreadableHeldRecordError(except, unreadable.map((u) => u.error), rebuild);
  return ids;
}
