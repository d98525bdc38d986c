import { type InvalidLiveBackupItem } from '../catalog/backup-catalog';
import { type VaultSide } from '../runtime/runtime-config';

/**
 * The prune of a vault stops before it lists, sweeps or condemns anything: its region's catalog holds a committed
 * backup record, not forgotten, that does not validate and names no snapshot id this version can read (review r59H
 * F1). Which snapshots that backup needs cannot be told, so neither can whether the vault still holds them: pruning
 * on could condemn its data while the record still stands.
 */
export class RecordedBackupUnreadableError extends Error {
  override name = 'RecordedBackupUnreadableError';
  constructor(
    readonly vault: VaultSide,
    readonly plan: string,
    readonly invalid: InvalidLiveBackupItem,
  ) {
    super(recordedBackupUnreadableMessage(vault, plan, invalid));
  }
}

function recordedBackupUnreadableMessage(vault: VaultSide, plan: string, invalid: InvalidLiveBackupItem): string {
  const label = vault === 'primary' ? 'primary' : 'DR';
  const item = `${invalid.key.pk} / ${invalid.key.sk}`;
  return (
    `prune of the ${label} vault stops before it deletes or condemns anything: catalog item ${item} in table ${invalid.error.table} ` +
    `(plan ${plan}) records a committed backup, not forgotten, but does not validate (${invalid.error.problems.join('; ')}) and names no snapshot ` +
    "this version can read in its `sources`, so prune cannot tell which of the vault's data that backup needs. " +
    'If a newer Lifeboat wrote the record, upgrade Lifeboat and prune with it. Otherwise fix the item: each of its `sources` needs its `snapshotId`; ' +
    "if its backup is gone, set the item's `forgottenAt` (an ISO time) instead. Until then, every prune of this vault stops here."
  );
}
