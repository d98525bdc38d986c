import { type AffectedSnapshot } from './scrub-damage';

/**
 * At most `limit` of the backups `affects` names, taken in turns from each source, newest first (ids sort by start
 * time), sorted; `all`: how many distinct backups it names. Source names are unique within an environment, so each
 * source is one plan's: in turns, every source hit (fewer than `limit` of them) keeps its newest, and so every plan hit
 * stays ✗ in `lifeboat status` (plan-status.ts). The newest of all instead, an hourly plan's backups crowded out a daily
 * one's that hold data in the same lost pack, and the daily plan read ✓ (reviews r57W F3, f58A); the oldest, a pack's
 * blobs being in every later backup of its source, were often all of a plan's older backups, forgotten first (rY F2).
 */
export function backupsInTurns(affects: readonly Pick<AffectedSnapshot, 'backupId' | 'source'>[], limit: number): { listed: string[]; all: number } {
  const bySource = new Map<string, Set<string>>();
  for (const a of affects) {
    if (a.backupId === undefined) continue;
    const ids = bySource.get(a.source) ?? new Set<string>();
    ids.add(a.backupId);
    bySource.set(a.source, ids);
  }
  const all = new Set([...bySource.values()].flatMap((ids) => [...ids]));
  if (all.size <= limit) return { listed: [...all].sort(), all: all.size };
  const queues = [...bySource.values()].map((ids) => [...ids].sort().reverse());
  const longest = queues.reduce((n, q) => Math.max(n, q.length), 0);
  const listed = new Set<string>();
  for (let turn = 0; turn < longest && listed.size < limit; turn += 1) {
    for (const queue of queues) {
      const id = queue[turn];
      if (id !== undefined && listed.size < limit) listed.add(id);
    }
  }
  return { listed: [...listed].sort(), all: all.size };
}
