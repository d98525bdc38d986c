import { type BackupCatalog, type InvalidBackupItem, logInvalidBackupItem, logInvalidItemLine } from '../catalog/backup-catalog';
import { shownCatalogName } from '../catalog/shown-catalog-name';
import { shownItemName } from '../catalog/shown-item-key';

/** A record a catalog marks forgotten that does not validate and whose `sources` do not all give a snapshot id. */
export type DamagedForgottenRecord = {
  readonly plan: string;
  /** Its backup id, else its item's key. */
  readonly record: string;
};

export type ForgottenSnapshotsOptions = {
  /** Told each forgotten record whose snapshot ids do not all read (as it is met): its readers say so where the operator looks. */
  readonly onDamaged?: (damaged: DamagedForgottenRecord) => void;
};

/**
 * The snapshot ids of the backups of `plans` that a region's catalog marks `forgottenAt`: the ones its
 * vault's retention forgot (docs/ARCHITECTURE.md, "Retention"). Replication and scrub leave them out
 * of that vault while the other vault keeps them. Every plan: packs, and copies, cross plans.
 *
 * A record that does not validate is not passed over as if absent (review r60N F2: scrub --repair then copied a
 * forgotten one's snapshots back). One rule says whether it is forgotten, the prune's check's (marksForget): only a
 * `forgottenAt` that is a non-empty string is a forget; absent, null, '' or false is none (review r61A F2: a live
 * backup's lost snapshot was then neither repaired nor copied to DR), nor is a number, a map, a list or true, whose
 * meaning cannot be told (review r61L: counted so, a live backup's lost snapshot was left missing too; read as live, it
 * costs at most a forgotten snapshot copied back). A forgotten one's snapshot ids are the `snapshotId`s that read in
 * its `sources`. When they are not all of them (an entry without an id), the ones that read are in the set and
 * `onDamaged` is told, and the read goes on: stopping would fail the scheduled scrub, and replication of every backup
 * of every plan, for one damaged old record (review r61A F1, F3), while going on costs at most the snapshots it lacks
 * an id for copied back into the vault that forgot them: storage, no backup lost. The prune does not take them away
 * again: it keeps what every listed snapshot references, and retention forgets only records not yet forgotten, so such
 * a snapshot stays, as one copied back in Forget's window does (docs/ARCHITECTURE.md, "Replication to the DR vault"),
 * until its `snapshots/<id>` is deleted by hand once the record is mended (`lifeboat doctor` lists it). A record from
 * before the vault is passed over: the vault holds nothing of it.
 */
export async function forgottenSnapshotsOf(catalog: Pick<BackupCatalog, 'listBackupsOfPlan'>, plans: Iterable<string>, options: ForgottenSnapshotsOptions = {}): Promise<Set<string>> {
  const forgotten = new Set<string>();
  for (const plan of new Set(plans)) {
    const onInvalid = (invalid: InvalidBackupItem): void => {
      if (invalid.preVault || !invalid.forgotten) {
        logInvalidBackupItem(invalid);
        return;
      }
      for (const id of invalid.snapshotIds) forgotten.add(id);
      const complete = invalid.snapshotIdsComplete === true;
      if (!complete) options.onDamaged?.({ plan, record: invalid.backupId ?? `${invalid.key.pk} / ${invalid.key.sk}` });
      logCountedForgotten(invalid, complete);
    };
    for (const record of await catalog.listBackupsOfPlan(plan, { onInvalid })) if (record.forgottenAt !== undefined) for (const source of record.sources) forgotten.add(source.snapshotId);
  }
  return forgotten;
}

/**
 * What `lifeboat scrub` and replication say of a damaged forgotten record: which, what it costs, how to mend it. The
 * record is its backupId or `<pk> / <sk>`, the item's own text: cut at 40 each (shownItemName), as the doctor and the
 * refusals show it: cut at 200, it could spell another record's delete (review r63K F4).
 */
export function damagedForgottenRecordLine({ plan, record }: DamagedForgottenRecord): string {
  return `forgotten record ${shownItemName(record)} of plan ${shownCatalogName(plan)} does not name all its snapshots: its snapshots may be copied back; mend it: lifeboat doctor`;
}

/** logInvalidBackupItem's line for a record counted, not passed over (review r61A F6), escaped the same (f62P). */
function logCountedForgotten(invalid: InvalidBackupItem, complete: boolean): void {
  const ids = complete ? '' : '; its `sources` do not all give a snapshot id, so those they lack may be copied back';
  logInvalidItemLine(invalid, `counted as forgotten (damaged: ${invalid.error.message})${ids}`);
}
