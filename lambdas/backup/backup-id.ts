import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * A backup id as newBackupId makes it (`20261124T100000Z-1a2b3c4d`: its start, then 8 hex digits). The one pattern
 * every input that names a backup checks against (restore, failover, drill requests and `lifeboat drill run`), so
 * that none refuses an id another takes.
 */
export const BACKUP_ID = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;

/** An example of BACKUP_ID, for a message that says what an id must look like. */
export const BACKUP_ID_EXAMPLE = '20261124T100000Z-1a2b3c4d';

/** What a workflow input's `backupId` must be, refused with a message that shows one. */
export const backupIdSchema = z.string().regex(BACKUP_ID, `must be a backup id such as ${BACKUP_ID_EXAMPLE}`);

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
