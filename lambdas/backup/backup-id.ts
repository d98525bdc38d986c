import { randomBytes } from 'node:crypto';

/** A sortable, unique backup id: UTC timestamp plus randomness (two runs in one second never collide). */
export function newBackupId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

/** When the backup of `backupId` started, from its stamp (newBackupId), in ms since the epoch; undefined for an id of another form. */
export function backupIdStartedAt(backupId: string): number | undefined {
  const stamp = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(backupId);
  if (!stamp) return undefined;
  const [, year, month, day, hour, minute, second] = stamp;
  const at = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
  return Number.isNaN(at) ? undefined : at;
}
