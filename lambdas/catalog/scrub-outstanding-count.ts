import { listedOutstanding, type ScrubRunRecord } from './scrub-record';

/**
 * How many objects a scrub record leaves damaged or missing in a vault, whichever run found them: the keys its
 * `outstanding` names (listed, copied in, kept by id: an object damaged in both vaults counts once, as status counts it),
 * and those it counts past its lists (`notListed`, and the copied-in ones it only counts). The latest record is the vaults' known damage (scrub-record.ts), so this is more
 * than 0 exactly while `lifeboat status` shows the scrub's outcome REPAIRABLE or DAMAGED or "N still …" (plan-status.ts),
 * whichever run found them; it is the scrub-damage alarm's gauge, which the watchdog publishes from the latest record
 * (lambdas/operations/scrub-watch.ts). A record written before `outstanding` was kept counts its run's unrepaired objects.
 */
export function scrubOutstandingObjects(record: Pick<ScrubRunRecord, 'outstanding' | 'unrepaired'>): number {
  const o = record.outstanding;
  if (o === undefined) return record.unrepaired;
  return new Set(listedOutstanding(o).map((entry) => entry.key)).size + o.notListed + (o.copiedInNotListed?.count ?? 0);
}
