import { type BackupCatalog, type InvalidBackupItem, logInvalidBackupItem } from '../catalog/backup-catalog';
import { ForgottenRecordUnreadableError } from './forgotten-record-unreadable-error';

/**
 * What a record whose `forgottenAt` is there but is no ISO time (a number, '') counts as: `refuse` stops the read
 * (ForgottenRecordUnreadableError), for a scrub, which would otherwise copy its snapshots back or leave them missing
 * unsaid; `forgotten` counts its snapshots as forgotten, for replication (see snapshotsForgottenInDr).
 */
export type UnreadForgottenAt = 'refuse' | 'forgotten';

/**
 * The snapshot ids of the backups of `plans` that a region's catalog marks `forgottenAt`: the ones its
 * vault's retention forgot (docs/ARCHITECTURE.md, "Retention"). Replication and scrub leave them out
 * of that vault while the other vault keeps them. Every plan: packs, and copies, cross plans.
 *
 * A record that does not validate is not passed over as if absent (review r60N F2: scrub --repair then copied a
 * forgotten one's snapshots back): forgotten, its salvaged snapshot ids are in the set; when the set cannot be told —
 * a forgotten record (or, with `unreadForgottenAt` 'forgotten', one whose `forgottenAt` is there in any form) naming
 * no readable snapshot id for one of its sources, or, with 'refuse' (the default), a `forgottenAt` that is no ISO
 * time — ForgottenRecordUnreadableError names the record and what to fix. A record from before the vault is passed
 * over: the vault holds nothing of it.
 */
export async function forgottenSnapshotsOf(
  catalog: Pick<BackupCatalog, 'listBackupsOfPlan'>,
  plans: Iterable<string>,
  options: { readonly unreadForgottenAt?: UnreadForgottenAt } = {},
): Promise<Set<string>> {
  const unreadForgottenAt = options.unreadForgottenAt ?? 'refuse';
  const forgotten = new Set<string>();
  for (const plan of new Set(plans)) {
    const onInvalid = (invalid: InvalidBackupItem): void => {
      if (!invalid.preVault && (invalid.forgotten || invalid.forgottenUnread === true)) {
        if (!invalid.forgotten && unreadForgottenAt === 'refuse') throw new ForgottenRecordUnreadableError(plan, invalid, 'forgottenAt');
        const without = invalid.sourcesWithoutSnapshotId;
        if (invalid.snapshotIds.length === 0 || without === undefined || without.length > 0) throw new ForgottenRecordUnreadableError(plan, invalid, 'snapshots');
        for (const id of invalid.snapshotIds) forgotten.add(id);
      }
      logInvalidBackupItem(invalid);
    };
    for (const record of await catalog.listBackupsOfPlan(plan, { onInvalid })) if (record.forgottenAt !== undefined) for (const source of record.sources) forgotten.add(source.snapshotId);
  }
  return forgotten;
}
