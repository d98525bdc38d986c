import { type NotListedGroup, type OutstandingScrub, type OutstandingScrubObject } from './scrub-record';

/** No good copy, and no copy in the other vault not yet verified (archived, unread, refused). */
const hasNoCopy = (o: OutstandingScrubObject): boolean => !o.goodCopy && o.otherCopy === undefined;

/**
 * Whether a record's group of unlisted objects holds some with no copy in either vault. A group from before `lost` was
 * kept is judged by the record's last listed object (listed with no copy first, so one with a copy means every unlisted
 * one has one too), or lost when none is listed. One rule for every reader: the carrying of groups (scrub-outstanding.ts),
 * the earlier losses a one-vault run keeps (earlier-losses.ts) and `lifeboat status` (plan-status.ts); earlier-losses
 * took only `lost === true`, so a group from before the flag was no loss to a run while status showed it DAMAGED
 * (review r65A F6).
 */
export function groupLost(group: Pick<NotListedGroup, 'lost'>, outstanding: Pick<OutstandingScrub, 'objects'>): boolean {
  if (group.lost !== undefined) return group.lost;
  const last = outstanding.objects.at(-1);
  return last === undefined || hasNoCopy(last);
}
