import { AFFECTED_BACKUPS_LISTED, type ScrubRunRecord } from '../catalog/scrub-record';
import { type DamagedObject } from './scrub-damage';
import { backupsInTurns } from './backups-in-turns';

/**
 * The backups a run's `damage` hits as its record names them (scrub-record.ts, `affectedBackups`): at most
 * AFFECTED_BACKUPS_LISTED, taken in turns from each plan, newest first (backupsInTurns: each of up to that many plans
 * hit keeps its newest, where the oldest first cut the newest plans' backups), the rest counted in `affectedBackupsNotListed`.
 * `lifeboat status` judges a plan ✗ by its backups among them (plan-status.ts). Unbounded, a few plans sharing lost
 * packs passed the item's 400 KB and the record's write failed (review r57W F3).
 */
export function affectedBackupsOf(damage: readonly DamagedObject[]): Pick<ScrubRunRecord, 'affectedBackups' | 'affectedBackupsNotListed'> {
  const { listed, all } = backupsInTurns(damage.flatMap((d) => d.affects), AFFECTED_BACKUPS_LISTED);
  return { affectedBackups: listed, ...(all > listed.length ? { affectedBackupsNotListed: all - listed.length } : {}) };
}
