import { groupLost } from './scrub-group-lost';
import { type OutstandingScrubObject, type ScrubRunRecord } from './scrub-record';

/**
 * Whether a listed entry of a record may be one its carried lost groups count: not itself lost (a loss is listed with
 * its verdict), of a group's problem and vaults and within its key range, the group found before the record's run
 * (carried for it, its other copy unread). Counted both listed and in the group, 2 bad objects read "4 still DAMAGED"
 * in `lifeboat status` (review r65A F4) and 4 on the scrub-damage alarm's gauge (review r65J F2): one rule for both.
 */
export function inCarriedLostGroup(record: Pick<ScrubRunRecord, 'startedAt' | 'outstanding'>): (entry: OutstandingScrubObject) => boolean {
  const o = record.outstanding;
  if (o === undefined) return () => false;
  const carried = (o.notListedGroups ?? []).filter((g) => g.since < record.startedAt && groupLost(g, o));
  const isLost = (e: OutstandingScrubObject): boolean => !e.goodCopy && e.otherCopy === undefined;
  return (e) => !isLost(e) && carried.some((g) => g.first !== undefined && g.last !== undefined && g.problem === e.problem && g.vaults.includes(e.vault) && e.key >= g.first && e.key <= g.last);
}
