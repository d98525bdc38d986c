import { listedOutstanding, type ScrubRunRecord } from './scrub-record';
import { inCarriedLostGroup } from './scrub-carried-group-entries';

/**
 * How many objects a scrub record leaves damaged or missing in a vault, whichever run found them: the keys its
 * `outstanding` names (listed, copied in, kept by id: an object damaged in both vaults counts once, as status counts it),
 * and those it counts past its lists (`notListed`, and the copied-in ones it only counts). The latest record is the vaults' known damage (scrub-record.ts), so this is more
 * than 0 exactly while `lifeboat status` shows the scrub's outcome REPAIRABLE or DAMAGED or "N still …" (plan-status.ts),
 * whichever run found them; it is the scrub-damage alarm's gauge, which the watchdog publishes from the latest record
 * (lambdas/operations/scrub-watch.ts). A record written before `outstanding` was kept counts its run's unrepaired objects.
 */
export function scrubOutstandingObjects(record: Pick<ScrubRunRecord, 'startedAt' | 'outstanding' | 'unrepaired'>): number {
  const o = record.outstanding;
  if (o === undefined) return record.unrepaired;
  // One listed within a carried lost group's range may be one the group counts: counted once, in the group, as status
  // counts it (review r65J F2: 4 for 2).
  const inCarried = inCarriedLostGroup(record);
  return new Set(listedOutstanding(o).filter((entry) => !inCarried(entry)).map((entry) => entry.key)).size + o.notListed + (o.copiedInNotListed?.count ?? 0);
}
