import { type BackupCatalog } from '../catalog/backup-catalog';
import { type RestorePin } from '../catalog/backup-record';
import { describeTarget, type ResolvedRestore } from './resolved-restore';
import { releaseRestoreTarget } from './target-claim';
import { errorAsText } from '../runtime/error-as-text';

/**
 * Restore pins (docs/RUNBOOKS.md, "Running restores"): the resolve step pins the backup it restores in
 * the catalog it read, so that the `<prefix>-prune` workflow's Forget keeps it while the restore runs
 * (BackupCatalog.pinBackup, decide-retention.ts); the verify step (success) and the abandon step (the
 * failure path) unpin it. A restore, a drill and a failover run these same steps.
 */

/**
 * How long a pin lasts, in seconds: the restore workflow's timeout (lib/constructs/restore-functions.ts
 * sets it on the resolve function), so that no execution outlives its pin and a pin left by a restore that
 * died in between stops counting when its execution can no longer be running.
 */
export const RESTORE_PIN_SECONDS_ENV = 'LIFEBOAT_RESTORE_PIN_SECONDS';

/** A resolve function deployed without the variable: the longest restore timeout (72 hours, with an archive tier), which outlives every execution. */
export const DEFAULT_RESTORE_PIN_SECONDS = 72 * 60 * 60;

/**
 * Only a restore that reads the vault of the catalog's region is pinned: the forget that deletes from that
 * vault reads that catalog. The other region's vault has its own catalog and its own forget, which a pin
 * here would not reach (a restore of the primary region from the DR vault is not pinned).
 */
export function pinsItsBackup(restore: Pick<ResolvedRestore, 'vault'>, homeVault: 'primary' | 'dr'): boolean {
  return restore.vault === homeVault;
}

/** The pin of restore `restoreId`, made at `now`, lasting `seconds`, by the resolve invocation whose nonce is `nonce` (RestorePin.nonce). */
export function restorePinOf(restoreId: string, now: Date, seconds: number, nonce?: string): RestorePin {
  return { until: new Date(now.getTime() + seconds * 1000).toISOString(), by: `restore ${restoreId}`, at: now.toISOString(), ...(nonce !== undefined ? { nonce } : {}) };
}

/**
 * What the last steps of a restore do with its pin and with its claim on its target (target-claim.ts): remove
 * them, never failing the restore. Whatever their nonce: verify, abandon and the release step of a restore that
 * never planned run after the restore's last resolve invocation, so both are theirs to end. `target`: the claim's
 * target; absent, only the pin is removed.
 */
export type ReleaseRestorePin = (restore: Pick<ResolvedRestore, 'restoreId' | 'backupId' | 'vault'> & { target?: ResolvedRestore['target'] | undefined }) => Promise<void>;

/**
 * Best effort: an unpin that fails is logged through `warn` and does not fail the restore (its data is
 * restored and verified, or its failure is what matters); the pin then counts until its `until`. The same for
 * the target's claim, which is in the same catalog whichever vault the restore read (the resolve step took it
 * there): one not released holds the target until its `until`.
 */
export function releaseRestorePin(catalog: Pick<BackupCatalog, 'unpinBackup' | 'releaseTarget'>, homeVault: 'primary' | 'dr', warn: (message: string) => void): ReleaseRestorePin {
  return async (restore) => {
    if (pinsItsBackup(restore, homeVault)) {
      try {
        await catalog.unpinBackup(restore.backupId, restore.restoreId);
      } catch (err) {
        warn(`Could not remove the pin of restore ${restore.restoreId} from backup ${restore.backupId} (${errorAsText(err)}); retention keeps the backup until the pin's time has passed.`);
      }
    }
    if (restore.target === undefined) return;
    try {
      await releaseRestoreTarget(catalog, restore.target, restore.restoreId);
    } catch (err) {
      warn(`Could not release the claim of restore ${restore.restoreId} on ${describeTarget(restore.target)} (${errorAsText(err)}); other restores into it are refused until the claim's time has passed.`);
    }
  };
}
