import { type BackupRecord, type RestorePin } from '../catalog/backup-record';
import { recordInstant } from '../catalog/record-instant';

/**
 * The pins of a backup that still keep it at `now` (their `until` ahead), in the order of their ids so that
 * reasons come out stable. A pin left by a restore that died counts for nothing once its `until` has passed.
 * `until` is judged as recordInstant reads it (a zoneless text as UTC): Date.parse read it in the process's zone, so
 * under Asia/Kolkata a pin lapsed 5h30 early and forget deleted the backup a restore still read (review r65N F1).
 * An `until` that is no time (`forever`, `31/12/2026`) keeps the backup, as retention keeps what it cannot read (an
 * untimed start): NaN is never ahead of now, so such a pin was dropped silently and the backup it pinned forgotten
 * (review r65T F1). pinnedReason says to fix it.
 */
export function livePins(backup: Pick<BackupRecord, 'pins'>, now: Date): RestorePin[] {
  return Object.entries(backup.pins ?? {})
    .filter(([, pin]) => keepsAt(pin, now))
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([, pin]) => pin);
}

function keepsAt(pin: Pick<RestorePin, 'until'>, now: Date): boolean {
  const until = recordInstant(pin.until);
  return Number.isNaN(until) || until > now.getTime();
}
