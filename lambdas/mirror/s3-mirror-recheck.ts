import { type MirrorDifference, type PendingKey } from './mirror-record';
import { isInFlight, listedDifference, listedObjectOf, type ListedObject, type S3MirrorSide } from './s3-mirror-comparison';
import { listObjectsPage } from '../sources/url-encoded-listing';

/** The key as a listing shows it, or undefined when absent: a listing of the key as prefix starts with the key itself (ListBucket is all the check may do). */
async function listedKey(side: S3MirrorSide, key: string): Promise<ListedObject | undefined> {
  const page = await listObjectsPage(side.s3, { Bucket: side.bucket, Prefix: key, MaxKeys: 1 });
  const o = page.Contents?.[0];
  return o?.Key === key ? listedObjectOf(key, o) : undefined;
}

/** A key to re-check: an open difference (with when it was found, when known), or a key a check saw in flight (`pending`). */
export type RecheckedKey = { key: string; foundAt?: string; pending?: PendingKey };

/**
 * A re-checked key: equal (neither field), a difference (`difference`, with when it was first seen when it was
 * pending), or in flight (`pending`: the same object when replication of the key has not moved since, a new one
 * when the mirror received a newer copy and what differs now is in flight again).
 */
export type S3Recheck = { key: string; difference?: MirrorDifference; pending?: PendingKey };

/**
 * The keys an earlier check found different, or saw in flight, compared again one by one, as the window
 * compares them. A difference whose source was written again within the grace is still open (its reason
 * says it is in flight): the mirror is not known to hold the data until its copy is seen equal.
 *
 * A key seen in flight becomes a difference once the grace has passed since the write it waited for (for
 * a delete, which a listing cannot date, since it was first seen) while the mirror has received no copy
 * written since: the source's latest write alone cannot tell, as a key rewritten more often than the
 * grace is always "just written", whatever the age of the mirror's copy. Nor can the mirror copy's age
 * alone (a key unchanged for a month and overwritten a minute ago has a month-old mirror copy and is
 * replicating normally), so the key is followed across runs. A mirror copy at least as new as that write
 * (for a delete: the copy gone, or a newer one) shows replication of the key moving: what differs now is
 * judged afresh, as the window would.
 *
 * So is an open difference whose mirror copy is newer than when the difference was found: a key rewritten
 * faster than it replicates is never seen equal, and after one stall longer than the grace it would stay a
 * difference for ever, with a growing lag, though replication has recovered. What differs now is judged
 * afresh: within the grace it is in flight again (`pending`, followed as any), beyond it still a difference.
 */
export async function recheckS3Keys(
  source: S3MirrorSide,
  mirror: S3MirrorSide,
  keys: readonly RecheckedKey[],
  options: { deleteMarkers: boolean; graceSeconds: number; now: () => number },
): Promise<S3Recheck[]> {
  const results: S3Recheck[] = [];
  // One key at a time: the list is bounded (MAX_UNRESOLVED) and each check is two small listings.
  for (const { key, foundAt, pending } of keys) {
    const [a, b] = await Promise.all([listedKey(source, key), listedKey(mirror, key)]);
    const d = listedDifference(a, b, options.deleteMarkers);
    if (!d) {
      results.push({ key });
      continue;
    }
    const now = options.now();
    // What differs now, judged as the window would: in flight (followed from now) or a difference.
    const afresh = (): S3Recheck =>
      isInFlight(d.writtenAt ?? now, now, options.graceSeconds)
        ? { key, pending: { key, foundAt: new Date(now).toISOString(), ...(d.writtenAt !== undefined ? { writtenAt: new Date(d.writtenAt).toISOString() } : {}) } }
        : { key, difference: { key, reason: d.reason } };
    if (!pending) {
      const moved = foundAt !== undefined && b !== undefined && b.lastModified > Date.parse(foundAt);
      const judged = moved ? afresh() : undefined;
      if (judged?.pending) {
        results.push(judged);
        continue;
      }
      const inFlight = d.writtenAt !== undefined && isInFlight(d.writtenAt, now, options.graceSeconds);
      results.push({ key, difference: { key, reason: inFlight ? `${d.reason} (written again within the grace: still replicating)` : d.reason } });
      continue;
    }
    const since = Date.parse(pending.writtenAt ?? pending.foundAt);
    // Replication of the key has not moved: the write waited for has no copy in the mirror, or the deleted key's copy is still there.
    const stuck = pending.writtenAt !== undefined ? b === undefined || b.lastModified < since : b !== undefined && b.lastModified < since;
    if (stuck) {
      if (isInFlight(since, now, options.graceSeconds)) {
        results.push({ key, pending });
      } else {
        const waited =
          pending.writtenAt !== undefined
            ? `the mirror has received no copy since the source's write of ${pending.writtenAt}, first seen in flight ${pending.foundAt}`
            : `still in the mirror since first seen ${pending.foundAt}`;
        results.push({ key, difference: { key, reason: `${d.reason} (${waited}: longer than the grace of ${options.graceSeconds} s)`, foundAt: pending.foundAt } });
      }
      continue;
    }
    results.push(afresh());
  }
  return results;
}
