import { type BackupCatalog, type BackupHead } from '../catalog/backup-catalog';
import { VaultError, type VaultNotFoundError } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';

/**
 * The newest backup a vault's region's catalog records as stored in that vault, or undefined when it records none:
 * what tells a vault not created yet from one whose objects were deleted, since both answer openVault alike
 * (VaultNotFoundError: no config, no vault object). prune-vault.ts, scrub-runbook.ts and the CLI's prune and scrub ask it.
 */
export type NewestRecordedBackup = (side: VaultSide) => Promise<BackupHead | undefined>;

/**
 * A vault that does not exist although its region's catalog records backups stored in it: emptied (by hand, by an
 * attacker, by a lifecycle rule), not a fresh environment. The prune and the scrub fail with it, so an alarm sees it;
 * they said "nothing to do yet" before (review 43c F1).
 */
export class VaultMissingError extends VaultError {
  override name = 'VaultMissingError';
}

/** Stored in that vault: committed (the primary), copied and recorded so (`copies.dr`, the DR vault). */
export function isStoredIn(side: VaultSide, head: Pick<BackupHead, 'status' | 'copies'>): boolean {
  return head.status === 'COMMITTED' && (side === 'primary' || head.copies?.dr === 'COMMITTED');
}

/**
 * The newest backup of `plans` that `catalog` records as stored in `side`'s vault: each plan's backups newest first
 * (the byPlan index, a page of a few items at a time), read only as far as the first one stored there. An item whose
 * few fields do not validate is passed over, as the other readers of a plan's newest backups pass over it.
 */
export async function newestBackupRecordedIn(side: VaultSide, catalog: Pick<BackupCatalog, 'newestBackupsOfPlan'>, plans: Iterable<string>): Promise<BackupHead | undefined> {
  let newest: BackupHead | undefined;
  for (const plan of new Set(plans)) {
    for await (const read of catalog.newestBackupsOfPlan(plan)) {
      if (!('head' in read) || !isStoredIn(side, read.head)) continue;
      if (newest === undefined || read.head.startedAt > newest.startedAt) newest = read.head;
      break;
    }
  }
  return newest;
}

/**
 * Resolves when `absent` (openVault's answer for `side`) is a vault not created yet: the catalog records no backup
 * stored in it. Throws VaultMissingError naming the newest one otherwise. Without `newestRecorded` (a caller that
 * has no catalog to ask) it resolves: the vault is taken as not created yet, as before the catalog was asked.
 */
export async function confirmNotCreatedYet(side: VaultSide, absent: VaultNotFoundError, newestRecorded: NewestRecordedBackup | undefined): Promise<void> {
  const newest = await newestRecorded?.(side);
  if (newest === undefined) return;
  const other = side === 'primary' ? 'DR' : 'primary';
  throw new VaultMissingError(
    `The ${side === 'primary' ? 'primary' : 'DR'} vault does not exist (${absent.message}), although its region's catalog records backups ` +
      `${side === 'primary' ? 'committed' : 'copied'} to it, the newest ${newest.backupId} (plan ${newest.plan}, started ${newest.startedAt}): ` +
      'its objects were deleted (the bucket emptied, or a lifecycle rule), so this is no fresh environment. ' +
      'Do not run `lifeboat vault init` there: no recorded backup would open in the vault it makes. ' +
      `Bring the objects back from the bucket's noncurrent versions (vault buckets are versioned); meanwhile restore from the ${other} vault, if it holds them.`,
    { cause: absent },
  );
}
