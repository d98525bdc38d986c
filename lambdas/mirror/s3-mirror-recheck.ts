import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { type MirrorDifference } from './mirror-record';
import { isInFlight, listedDifference, listedObjectOf, type ListedObject, type S3MirrorSide } from './s3-mirror-comparison';

/** The key as a listing shows it, or undefined when absent: a listing of the key as prefix starts with the key itself (ListBucket is all the check may do). */
async function listedKey(side: S3MirrorSide, key: string): Promise<ListedObject | undefined> {
  const page = await side.s3.send(new ListObjectsV2Command({ Bucket: side.bucket, Prefix: key, MaxKeys: 1 }));
  const o = page.Contents?.[0];
  return o?.Key === key ? listedObjectOf(key, o) : undefined;
}

/**
 * The keys an earlier check found different, compared again one by one, as the window compares them.
 * A key whose source was written again within the grace is still open (its reason says it is in
 * flight): the mirror is not known to hold the data until its copy is seen equal.
 */
export async function recheckS3Keys(
  source: S3MirrorSide,
  mirror: S3MirrorSide,
  keys: readonly string[],
  options: { deleteMarkers: boolean; graceSeconds: number; now: () => number },
): Promise<Array<{ key: string; difference?: MirrorDifference }>> {
  const results: Array<{ key: string; difference?: MirrorDifference }> = [];
  // One key at a time: the list is bounded (MAX_UNRESOLVED) and each check is two small listings.
  for (const key of keys) {
    const [a, b] = await Promise.all([listedKey(source, key), listedKey(mirror, key)]);
    const d = listedDifference(a, b, options.deleteMarkers);
    if (!d) {
      results.push({ key });
      continue;
    }
    const inFlight = isInFlight(d.writtenAt, options.now(), options.graceSeconds);
    results.push({ key, difference: { key, reason: inFlight ? `${d.reason} (written again within the grace: still replicating)` : d.reason } });
  }
  return results;
}
