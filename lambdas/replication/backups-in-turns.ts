import { type AffectedSnapshot } from './scrub-damage';
import { compareByCodeUnit } from './sorted-keys';

/**
 * At most `limit` of the backups `affects` names, taken in turns from each plan (the snapshot's `plan:` tag; a snapshot
 * without one, from its source), newest first (ids sort by start time), sorted; `all`: how many distinct backups it
 * names. In turns, each of up to `limit` plans hit keeps its newest, and so stays ✗ in `lifeboat status` (plan-status.ts);
 * past `limit` plans, those whose newest backup is oldest (then by name) keep none, and read ✓ once the object is carried.
 * The newest of all instead, an hourly plan's backups crowded out a daily one's that hold data in the same lost pack, and
 * the daily plan read ✓ (reviews r57W F3, f58A); taken by source, so did a daily plan's older backups of a source since
 * moved to an hourly plan, a source name being unique only at one time (review r58B F2); the oldest, a pack's blobs being
 * in every later backup of its source, were often all of a plan's older backups, forgotten first (rY F2).
 */
export function backupsInTurns(affects: readonly Pick<AffectedSnapshot, 'backupId' | 'plan' | 'source'>[], limit: number): { listed: string[]; all: number } {
  const byPlan = new Map<string, Set<string>>();
  for (const a of affects) {
    if (a.backupId === undefined) continue;
    // Apart from plans: a source named as a plan is not that plan.
    const turn = a.plan !== undefined ? `plan ${a.plan}` : `source ${a.source}`;
    const ids = byPlan.get(turn) ?? new Set<string>();
    ids.add(a.backupId);
    byPlan.set(turn, ids);
  }
  const all = new Set([...byPlan.values()].flatMap((ids) => [...ids]));
  if (all.size <= limit) return { listed: [...all].sort(), all: all.size };
  const queues = [...byPlan]
    .map(([turn, ids]) => ({ turn, ids: [...ids].sort().reverse() }))
    .sort((a, b) => compareByCodeUnit(b.ids[0] ?? '', a.ids[0] ?? '') || compareByCodeUnit(a.turn, b.turn))
    .map((q) => q.ids);
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
