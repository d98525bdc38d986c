import { type _Object, type S3Client } from '@aws-sdk/client-s3';
import { type MirrorDifference } from './mirror-record';
import { compareKeys } from '../sources/s3-key-order';
import { listObjectsPage } from '../sources/url-encoded-listing';
import { MAX_UNRESOLVED } from './mirror-verdict';

/** An object as a listing shows it: all the check compares (no object is read). */
export type ListedObject = { key: string; size: number; etag: string; lastModified: number };

export type S3MirrorWindow = {
  compared: number;
  /** How many differences older than the grace. */
  differences: number;
  /** The first of them (at most MAX_DIFFERENCES), in key order. */
  examples: MirrorDifference[];
  /** Differences within the grace: writes (and deletes) still replicating. */
  inFlight: number;
  /** The first of them (at most MAX_UNRESOLVED), with the source write's time when there is one: later runs re-check them (s3-mirror-recheck.ts). */
  inFlightKeys: Array<{ key: string; writtenAt?: number }>;
  /** See MirrorRecord.lagSeconds. */
  lagSeconds: number | null;
  /**
   * The window's last key, of either listing, or '' when the pass is over (the end of both listings; with `deleteMarkers`
   * false, of the source's). With `deleteMarkers` false it may be a key only the mirror has, when the window ended walking
   * past them (WALKED_PER_SAMPLE).
   */
  cursor: string;
};

export type S3MirrorSide = { s3: S3Client; bucket: string };

export type CompareS3MirrorOptions = {
  prefix: string;
  /** Start after this key ('' from the beginning). */
  after: string;
  /**
   * Keys per window. With `deleteMarkers`, of the two listings merged: a key only the mirror has counts as one, so a
   * window's work stays bounded however many of them the mirror holds. Without, of the source's: a key only the mirror
   * has is kept by design and never a difference, so it is walked past uncounted (at most WALKED_PER_SAMPLE × samples
   * of them a window), and the pass ends with the source.
   */
  samples: number;
  /** Whether deletions reach the mirror: then a key only the mirror has is a difference (in flight when first seen). */
  deleteMarkers: boolean;
  /** A difference whose source write (or, for a delete, its first sight) is younger than this is in flight, not a failure. */
  graceSeconds: number;
  now: () => number;
};

/** At most this many differences are kept in the result (the count is exact). */
const MAX_DIFFERENCES = 20;

/**
 * Without delete replication, at most this many keys only the mirror has per sample are walked past uncounted in one
 * window; then the window ends on the last of them. Review r9: unbounded, a mirror keeping 2 M keys the source had
 * deleted before its first key took 2001 list calls in one run, past the function's 5 min at 0.1–0.2 s a page, so no
 * run saved its cursor and no pass ever ended. Ten per sample keeps a mirror with ten times the source's keys one run a
 * window (review R2-F1) and a window's listing within 11 pages of the mirror per 1000 samples.
 */
export const WALKED_PER_SAMPLE = 10;

/**
 * Past 2,000 samples a window walks at most max(20,000, 2 × samples) kept keys, not 10 × samples: review r11 found
 * ten per sample let one window at samples 100,000 walk 1,000,000 keys (1001 list calls), and two such sources in
 * one run passed the function's 5 min again. A flat 20,000 (review r13) cut a window short after about 20,000
 * source keys when kept keys sit between them, so raising `samples` stopped shortening a pass; twice the samples
 * keeps a window's listing within about three times the source's pages.
 */
export const MAX_WALKED_PER_WINDOW = 20_000;

/** The kept keys a window may walk past uncounted. */
export function walkBound(samples: number): number {
  return Math.min(WALKED_PER_SAMPLE * samples, Math.max(MAX_WALKED_PER_WINDOW, 2 * samples));
}

async function* listFrom(side: S3MirrorSide, prefix: string, after: string): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  do {
    const page = await listObjectsPage(side.s3, { Bucket: side.bucket, Prefix: prefix || undefined, ...(token ? { ContinuationToken: token } : after ? { StartAfter: after } : {}) });
    for (const o of page.Contents ?? []) if (o.Key !== undefined) yield listedObjectOf(o.Key, o);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** A listing's entry for `key` as the check compares it. */
export function listedObjectOf(key: string, o: _Object): ListedObject {
  return { key, size: o.Size ?? 0, etag: o.ETag ?? '', lastModified: o.LastModified?.getTime() ?? 0 };
}

/** A difference whose source write (`writtenAt`) is younger than the grace: still replicating, not a failure. */
export function isInFlight(writtenAt: number, now: number, graceSeconds: number): boolean {
  return now - writtenAt < graceSeconds * 1000;
}

/**
 * The reason of a key only the mirror has, with delete replication on. Its hint: S3 Replication does not replicate the
 * delete markers a lifecycle expiration rule of the source adds (audit aS6-1), so such a source's expired objects stay in
 * the mirror, and the runbook says what to mirror it with instead.
 */
export const DELETED_FROM_SOURCE_REASON = 'in the mirror but deleted from the source (by its lifecycle rule? S3 does not replicate those: docs/RUNBOOKS.md, Status, Mirrors)';

/**
 * How a key's two listings differ: only the source has it, only the mirror has it (a difference when
 * deletions are replicated), or another size or ETag. `writtenAt` is the source write's time, to tell
 * a write still replicating (within the grace) from a failure. Undefined when they agree.
 */
export function listedDifference(a: ListedObject | undefined, b: ListedObject | undefined, deleteMarkers: boolean): { reason: string; writtenAt: number | undefined } | undefined {
  if (a && !b) return { reason: 'missing in the mirror', writtenAt: a.lastModified };
  if (!a && b) return deleteMarkers ? { reason: DELETED_FROM_SOURCE_REASON, writtenAt: undefined } : undefined;
  if (a && b && (a.size !== b.size || a.etag !== b.etag)) return { reason: `differs: source ${a.size} bytes ETag ${a.etag}, mirror ${b.size} bytes ETag ${b.etag}`, writtenAt: a.lastModified };
  return undefined;
}

/**
 * One window of a source bucket compared with its mirror, from the two listings merged in key order:
 * a key only the source has, or with another size or ETag in the mirror, is a difference (in flight
 * when the source wrote it within the grace); a key only the mirror has is one when deletions are
 * replicated (in flight when first seen). In-flight keys are listed for later runs to re-check: one
 * that keeps differing past the grace becomes a difference there. The window ends after `samples`
 * keys of the merged listings (a key both have counts once); the next starts after its last key, of
 * either listing. The pass ends only when both listings are exhausted: a window that ends on the
 * source's last key leaves the mirror's later keys to the next window (audit b5-2: they were never
 * compared, so a delete that never reached the mirror was never reported when the source's key count
 * was a multiple of `samples`). Without delete replication (`deleteMarkers` false) the mirror keeps
 * what the source deleted: its keys only the mirror has can never differ, so they count toward no
 * window and the pass ends with the source's last key (review R2-F1: counting them made a pass walk the
 * mirror's whole kept history, many windows long, so it ended too rarely for a failover's RPO). Their walk is bounded
 * though (WALKED_PER_SAMPLE): a window that reaches the bound ends on the last key walked, which lies between the last
 * source key compared and the next, so the next window's source listing starts at that next key and skips nothing.
 */
export async function compareS3Mirror(source: S3MirrorSide, mirror: S3MirrorSide, options: CompareS3MirrorOptions): Promise<S3MirrorWindow> {
  const now = options.now();
  const src = listFrom(source, options.prefix, options.after);
  const mir = listFrom(mirror, options.prefix, options.after);
  // The mirror first: its region's answer that the mirror bucket does not exist must not be lost to the source
  // region's being unreachable (the check would keep the last clean pass and a failover would take a mirror that is
  // not there). A source missing as well is the plan's error, so the source's answer then wins.
  let b: ListedObject | undefined;
  try {
    b = (await mir.next()).value as ListedObject | undefined;
  } catch (mirrorErr) {
    if ((mirrorErr as Error).name !== 'NoSuchBucket') throw mirrorErr;
    try {
      await src.next();
    } catch (sourceErr) {
      if ((sourceErr as Error).name === 'NoSuchBucket') throw sourceErr;
    }
    throw mirrorErr;
  }
  let a = (await src.next()).value as ListedObject | undefined;
  const differences: MirrorDifference[] = [];
  let differenceCount = 0;
  let inFlight = 0;
  let compared = 0;
  // Keys only the mirror has count (and keep the pass going) only when they can be differences.
  const mirrorOnlyCounts = options.deleteMarkers;
  let taken = 0;
  let walked = 0;
  const maxWalked = walkBound(options.samples);
  let lastKey = '';
  let oldestPending: number | undefined;
  let slowest: number | undefined;
  const inFlightKeys: Array<{ key: string; writtenAt?: number }> = [];
  const differ = (key: string, reason: string, writtenAt: number | undefined): void => {
    // A listing cannot date a delete: a key only the mirror has is taken as deleted when first seen, so it is in
    // flight for the grace (its delete marker replicating) and a later run's re-check decides (s3-mirror-recheck.ts).
    if (isInFlight(writtenAt ?? now, now, options.graceSeconds)) {
      inFlight += 1;
      if (inFlightKeys.length < MAX_UNRESOLVED) inFlightKeys.push({ key, ...(writtenAt !== undefined ? { writtenAt } : {}) });
    } else {
      differenceCount += 1;
      if (differences.length < MAX_DIFFERENCES) differences.push({ key, reason });
    }
    if (writtenAt !== undefined) oldestPending = Math.min(oldestPending ?? writtenAt, writtenAt);
  };
  while (taken < options.samples && walked < maxWalked && (a || (mirrorOnlyCounts && b))) {
    const order = a && b ? compareKeys(a.key, b.key) : a ? -1 : 1;
    if (order < 0 && a) {
      const d = listedDifference(a, undefined, options.deleteMarkers);
      if (d) differ(a.key, d.reason, d.writtenAt);
      lastKey = a.key;
      taken += 1;
      compared += 1;
      a = (await src.next()).value as ListedObject | undefined;
    } else if (order > 0 && b) {
      if (mirrorOnlyCounts) {
        const d = listedDifference(undefined, b, options.deleteMarkers);
        if (d) differ(b.key, d.reason, d.writtenAt);
        taken += 1;
      } else {
        walked += 1;
      }
      lastKey = b.key;
      b = (await mir.next()).value as ListedObject | undefined;
    } else if (a && b) {
      const d = listedDifference(a, b, options.deleteMarkers);
      if (d) differ(a.key, d.reason, d.writtenAt);
      else slowest = Math.max(slowest ?? 0, b.lastModified - a.lastModified);
      lastKey = a.key;
      taken += 1;
      compared += 1;
      a = (await src.next()).value as ListedObject | undefined;
      b = (await mir.next()).value as ListedObject | undefined;
    }
  }
  await Promise.all([src.return(undefined), mir.return(undefined)]);
  const lagMs = oldestPending !== undefined ? now - oldestPending : slowest;
  return {
    compared,
    differences: differenceCount,
    examples: differences,
    inFlight,
    inFlightKeys,
    lagSeconds: lagMs === undefined ? (differenceCount > 0 ? null : 0) : Math.max(0, lagMs) / 1000,
    cursor: a || (mirrorOnlyCounts && b) ? lastKey : '',
  };
}
