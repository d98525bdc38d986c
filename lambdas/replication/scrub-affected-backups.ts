import { AFFECTED_BACKUPS_LISTED, type ScrubRunRecord } from '../catalog/scrub-record';
import { type DamagedObject } from './scrub-damage';

/**
 * The backups a run's `damage` hits as its record names them (scrub-record.ts, `affectedBackups`): at most
 * AFFECTED_BACKUPS_LISTED, taken in turns from each source, newest first (ids sort by start time), the rest counted in
 * `affectedBackupsNotListed`. `lifeboat status` judges a plan ✗ by its backups among them (plan-status.ts): in turns,
 * every source hit (fewer than AFFECTED_BACKUPS_LISTED of them) keeps its newest, so every plan hit stays ✗; the oldest
 * first, the newest plans' backups were the ones cut. Unbounded, a few plans sharing lost packs passed the item's 400 KB
 * and the record's write failed (review r57W F3).
 */
export function affectedBackupsOf(damage: readonly DamagedObject[]): Pick<ScrubRunRecord, 'affectedBackups' | 'affectedBackupsNotListed'> {
  const bySource = new Map<string, Set<string>>();
  for (const d of damage) {
    for (const a of d.affects) {
      if (a.backupId === undefined) continue;
      const ids = bySource.get(a.source) ?? new Set<string>();
      ids.add(a.backupId);
      bySource.set(a.source, ids);
    }
  }
  const all = new Set([...bySource.values()].flatMap((ids) => [...ids]));
  if (all.size <= AFFECTED_BACKUPS_LISTED) return { affectedBackups: [...all].sort() };
  const queues = [...bySource.values()].map((ids) => [...ids].sort().reverse());
  const listed = new Set<string>();
  for (let turn = 0; listed.size < AFFECTED_BACKUPS_LISTED; turn += 1) {
    for (const queue of queues) {
      const id = queue[turn];
      if (id !== undefined && listed.size < AFFECTED_BACKUPS_LISTED) listed.add(id);
    }
  }
  return { affectedBackups: [...listed].sort(), affectedBackupsNotListed: all.size - listed.size };
}
