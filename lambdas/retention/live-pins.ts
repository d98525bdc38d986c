import { type BackupRecord, type RestorePin } from '../catalog/backup-record';

/**
 * The pins of a backup that still keep it at `now` (their `until` ahead), in the order of their ids so that
 * reasons come out stable. A pin left by a restore that died counts for nothing once its `until` has passed.
 */
export function livePins(backup: Pick<BackupRecord, 'pins'>, now: Date): RestorePin[] {
  return Object.entries(backup.pins ?? {})
    .filter(([, pin]) => Date.parse(pin.until) > now.getTime())
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([, pin]) => pin);
}
