import { compareKeys, type S3KeyRange, S3ListingOrderError, type S3ObjectSummary } from './s3-bucket-source';
import { isListedAsArchived } from './s3-archived-object';
import { type LiveObjectLookup } from './s3-live-object';
import { type S3ShardSize } from './s3-shard-size';

/**
 * One key range cut from a listing: `closed` ranges end at a listed key; the last range of a source is
 * open above. `split`: the range ends at an object larger than a shard's bytes, which the range does
 * not count (keys, bytes) and whose backup is split by byte ranges (s3-object-pieces.ts).
 */
export type CutKeyRange = { range: S3KeyRange; keys: number; bytes: number; closed: boolean; split?: S3ObjectSummary };

/** Whether an object of `bytes` is larger than a shard's bytes: the size above which an object is read by byte ranges. */
export function exceedsShardBytes(bytes: number, size: S3ShardSize): boolean {
  return bytes > Math.max(1, size.bytes);
}

/**
 * Cuts a listing (ascending UTF-8 key order) into key ranges as it streams, holding no key but
 * the last one: a range closes at the key where the keys or bytes since the previous boundary
 * reach `size`, so it is (previous boundary, key]. The first range starts after `startAfter`
 * (absent = open below: keys written below every listed key after planning are covered); the
 * range yielded when the listing ends is open above, for the same reason — the ranges partition
 * the whole key space, whatever is written after planning.
 *
 * An object larger than `size.bytes` closes the range at its key with `split` set: the consumer plans
 * it as byte-range pieces and the range's shard skips it. An archived one (GLACIER, DEEP_ARCHIVE, not
 * restored) is counted in its range like any object instead: the range's shard reports it as not
 * backed up (or reuses it from the parent, unchanged) without reading its bytes.
 *
 * `lookUp`, for a listing that is a report of the past (an S3 Inventory): the pieces of a split object
 * are pinned to its ETag (If-Match), so an ETag from the report would fail every run once the object
 * was rewritten. Each object the listing gives above `size.bytes` is then looked up now, and `split`
 * carries the live ETag and size. It still closes its range, whatever the answer, so that every
 * lookup is followed by a closed range (where the consumer may stop): an object now at or under the
 * bytes is counted in that range and read whole by its shard; one gone since is counted in nothing
 * (the range covers its key; its shard finds it absent, or backs up whatever is there by then).
 *
 * The consumer may stop after any closed range (the generator is then closed and the listing
 * stops); listing again with StartAfter = that range's endAt continues with the same boundaries.
 * Keys out of order fail with S3ListingOrderError: a range boundary would skip or repeat keys.
 */
export async function* cutS3KeyRanges(
  objects: AsyncIterable<S3ObjectSummary>,
  size: S3ShardSize,
  options: { bucket: string; startAfter?: string; lookUp?: LiveObjectLookup },
): AsyncGenerator<CutKeyRange> {
  const keysPerShard = Math.max(1, size.keys);
  const bytesPerShard = Math.max(1, size.bytes);
  let boundary = options.startAfter;
  let previous = options.startAfter;
  let keys = 0;
  let bytes = 0;
  for await (const object of objects) {
    if (previous !== undefined && compareKeys(object.key, previous) <= 0) throw new S3ListingOrderError(options.bucket, previous, object.key);
    previous = object.key;
    // Without an ETag (an inventory report without the column, and no lookup) the pieces could not
    // pin one version: such an object is read whole by its key range.
    // Nor is an archived one split: its key range leaves it out and reports it (s3-object-entries.ts), which pieces cannot.
    if (exceedsShardBytes(object.size, size) && (options.lookUp !== undefined || object.etag !== '') && !isListedAsArchived(object)) {
      const range: S3KeyRange = { ...(boundary !== undefined ? { startAfter: boundary } : {}), endAt: object.key };
      const live = options.lookUp ? await options.lookUp(object.key) : object;
      // The range closes at it so that the pieces and the range that skips the key are planned
      // together (a continuation resumes after both).
      if (live !== undefined && exceedsShardBytes(live.size, size) && live.etag !== '' && !isListedAsArchived(live)) yield { range, keys, bytes, closed: true, split: live };
      else yield { range, keys: live ? keys + 1 : keys, bytes: live ? bytes + live.size : bytes, closed: true };
      boundary = object.key;
      keys = 0;
      bytes = 0;
      continue;
    }
    keys++;
    bytes += object.size;
    if (keys >= keysPerShard || bytes >= bytesPerShard) {
      yield { range: { ...(boundary !== undefined ? { startAfter: boundary } : {}), endAt: object.key }, keys, bytes, closed: true };
      boundary = object.key;
      keys = 0;
      bytes = 0;
    }
  }
  yield { range: boundary !== undefined ? { startAfter: boundary } : {}, keys, bytes, closed: false };
}
