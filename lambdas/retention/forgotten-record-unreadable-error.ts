import { type InvalidBackupItem } from '../catalog/backup-catalog';

/**
 * What the backups of a catalog that its vault's retention forgot cannot be read in full: one of its backup records does
 * not validate, and either its `forgottenAt` is there but is no ISO time (whether retention forgot it cannot be told), or
 * it was forgotten but names no readable snapshot id for each of its sources (which snapshots retention deleted cannot be
 * told). Passing over it, as listBackupsOfPlan does by default, dropped its snapshots out of the forgotten set, and scrub
 * --repair copied them back from the other vault, undoing the forget (review r60N F2). The reader stops instead.
 */
export class ForgottenRecordUnreadableError extends Error {
  override name = 'ForgottenRecordUnreadableError';
  constructor(
    readonly plan: string,
    readonly invalid: InvalidBackupItem,
    /** What cannot be told: whether it was forgotten (`forgottenAt`), or which snapshots it names (`snapshots`). */
    readonly unread: 'forgottenAt' | 'snapshots',
  ) {
    super(forgottenRecordUnreadableMessage(plan, invalid, unread));
  }
}

function forgottenRecordUnreadableMessage(plan: string, invalid: InvalidBackupItem, unread: 'forgottenAt' | 'snapshots'): string {
  const item = `${invalid.key.pk} / ${invalid.key.sk}`;
  const backup = invalid.backupId !== undefined ? `backup ${invalid.backupId}, ` : '';
  const what = `catalog item ${item} in table ${invalid.error.table} (${backup}plan ${plan}) does not validate (${invalid.error.problems.join('; ')})`;
  const without = invalid.sourcesWithoutSnapshotId ?? [];
  const forgotten = invalid.forgotten ? 'forgotten by retention' : 'its `forgottenAt` there but no ISO time';
  const why =
    unread === 'forgottenAt'
      ? 'and its `forgottenAt` is no ISO time, so whether retention forgot it, deleting its snapshots on purpose, cannot be told'
      : without.length > 0
        ? `and, ${forgotten}, names no snapshot this version can read for ${without.length === 1 ? 'source' : 'sources'} ${without.map((s) => `"${s}"`).join(', ')}, so which snapshots retention deleted cannot be told`
        : `and, ${forgotten}, names no snapshot this version can read in its \`sources\`, so which snapshots retention deleted cannot be told`;
  return (
    `the snapshots retention forgot cannot all be read: ${what} ${why}; ` +
    'taking them for missing would copy them back from the other vault, or to the DR vault, undoing the forget. ' +
    'If a newer Lifeboat wrote the record, upgrade Lifeboat. Otherwise fix the item: its `forgottenAt` is the ISO time retention forgot it (remove the attribute if it did not), ' +
    'and each of its `sources` has its `snapshotId`; `lifeboat doctor` lists the catalog items that do not validate. Do not delete the item: its snapshots would then count as missing.'
  );
}
