import { HeadObjectCommand, type HeadObjectCommandOutput, type _Object, type S3Client } from '@aws-sdk/client-s3';
import { type S3BucketSourceConfig } from '../../config/lifeboat-config';
import { s3EntryPath } from '../sources/s3-entry-path';
import { listObjectsPage } from '../sources/url-encoded-listing';
import { type BackupLeftOut } from '../restore/backup-left-out';
import { httpStatusOf, isS3NotFound, type ManifestEntry } from '../../vault';
import { isArchiveStorageClass } from '../sources/s3-archived-object';

/**
 * The other direction of the drill's live comparison (audit b1-3): sampling the manifest and looking its entries up
 * in the live bucket never meets an object the backup lacks. Here live objects are listed, from a few random starts,
 * and each one that already existed when the backup started is looked up in the backup's manifest. A false alarm here
 * fails a drill of a good backup, and drills that fail for nothing teach operators to ignore them: an object whose
 * absence has another explanation than a faulty backup is skipped and counted, never reported.
 */

/**
 * Slack between an object's LastModified and the backup's start. LastModified keeps whole seconds; S3's clock and the
 * function's that stamped the start are both Amazon Time Sync's; and the backup lists each key range only after its
 * plan step, itself after the start. An object written closer to the start than this is not looked for.
 */
export const LAST_MODIFIED_MARGIN_MS = 1_000;

/**
 * A multipart object's LastModified is when its upload was initiated, not completed (S3 User Guide, object metadata):
 * one begun before the backup may have been completed after the backup listed its key. Such an object is looked for
 * only when its upload began this long before the backup; a multipart upload running for a day is not expected.
 */
export const MULTIPART_UPLOAD_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Listings the sample is drawn from: each from its own random start, so one run does not look at one key range alone. */
const LISTINGS = 3;

/** The keys a ListObjectsV2 page may return. */
const MAX_KEYS_PER_PAGE = 1000;

/**
 * The sample's outcome: how many live objects were looked up in the backup, skipped, the ones the backup lacks, and
 * `notes`: why objects absent from the backup were not reported, or why none were looked for.
 */
export type LiveObjectsMissing = { checked: number; skipped: number; missing: string[]; notes: string[] };

/** Where the backup listed its objects, as its snapshot recorded (plan-backup.ts: snapshotSource); absent in a snapshot that recorded none. */
export type RecordedS3Source = { bucket?: string; prefix?: string };

/** Where live objects are listed: under what both the backup and the configuration cover, or why nowhere (a note). */
export type ListingScope = { bucket: string; prefix: string } | { notListed: string };

/**
 * The bucket and prefix the backup listed are its snapshot's, not the configuration's, which may have changed since:
 * listing under the configuration's alone would report every object the backup never was meant to hold. Listed under
 * the longer prefix when one starts with the other (what both cover); not at all when the bucket changed or the prefixes
 * are unrelated. A snapshot that recorded neither (none Lifeboat writes) is taken as of the configuration's.
 */
export function listingScope(config: Pick<S3BucketSourceConfig, 'bucket' | 'prefix'>, recorded: RecordedS3Source): ListingScope {
  const bucket = recorded.bucket ?? config.bucket;
  if (bucket !== config.bucket) return { notListed: `live objects not looked up in the backup: it is of bucket ${bucket}, the configuration now names ${config.bucket}` };
  const prefix = recorded.prefix ?? config.prefix;
  if (prefix.startsWith(config.prefix)) return { bucket, prefix };
  if (config.prefix.startsWith(prefix)) return { bucket, prefix: config.prefix };
  return { notListed: `live objects not looked up in the backup: it was taken under prefix ${JSON.stringify(prefix)}, the configuration now says ${JSON.stringify(config.prefix)}` };
}

export type MissingObjectsQuery = {
  liveS3: S3Client;
  source: S3BucketSourceConfig;
  /** The bucket and prefix the backup listed (its snapshot's source). */
  recorded: RecordedS3Source;
  /** The backup's manifest: the entry at a path (ManifestReader.find). */
  find: (path: string) => Promise<ManifestEntry | undefined>;
  /** When the backup started (snapshotStartedAt). */
  backupStartedAt: string;
  /** What the backup's own record says it left out (archived objects, counted, the first few named among the examples). */
  backupLeftOut: BackupLeftOut | undefined;
  /** Keys of the backup to start listings after: spread over the source (the entries its forward sample tried). */
  startKeys: readonly string[];
  /** Manifest paths the forward sample read from the manifest: in the backup, so not looked up again. */
  known: ReadonlySet<string>;
  /** How many live objects to look up at most. */
  samples: number;
  /** A number in [0, 1): Math.random, or a fixed sequence in tests. */
  random: () => number;
  /** Told each time the live bucket answers a request (a page, a HEAD's response or HTTP error): how live-sample.ts tells a silent region. */
  answered?: () => void;
};

/**
 * Whether the backup may have left the object out as archived, having said so: its class (one a backup leaves out,
 * unread and reported: s3-archived-object.ts), or its key among the record's examples.
 */
function leftOutAsArchived(object: _Object, key: string, leftOut: BackupLeftOut | undefined): boolean {
  if (isArchiveStorageClass(object.StorageClass)) return true;
  return leftOut !== undefined && 'skippedExamples' in leftOut && leftOut.skippedExamples.some((line) => line.startsWith(`${key}: `));
}

/**
 * Whether the record may have left an archived object out without naming it: it keeps only the first few examples
 * (commit-backup.ts), so an Intelligent-Tiering object restored since (as the skip reason advises: no ArchiveStatus any
 * more, its LastModified unchanged) may be one of those it counted, not named; or the record could not be read.
 */
function leftOutUnnamed(leftOut: BackupLeftOut | undefined): boolean {
  if (leftOut === undefined) return false;
  return 'unknown' in leftOut || leftOut.skipped > leftOut.skippedExamples.length;
}

/** Whether the live object was in the bucket, whole, before the backup started (so its listing must have met it). */
function existedBeforeBackup(object: Pick<_Object, 'LastModified' | 'ETag'>, startedAt: number): boolean {
  if (object.LastModified === undefined) return false;
  const multipart = object.ETag?.includes('-') === true;
  return object.LastModified.getTime() + LAST_MODIFIED_MARGIN_MS + (multipart ? MULTIPART_UPLOAD_WINDOW_MS : 0) <= startedAt;
}

/**
 * The object as it is now, asked of an object absent from the backup before it is reported: what the listing does
 * not say (an Intelligent-Tiering archive tier's ArchiveStatus, a replica's ReplicationStatus). 'gone' when deleted
 * since listed; 'refused' when S3 refuses the HEAD (403), which leaves the object unexplained, so not reported.
 */
async function headOfAbsent(liveS3: S3Client, bucket: string, key: string, answered: () => void): Promise<HeadObjectCommandOutput | 'gone' | 'refused'> {
  try {
    const head = await liveS3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    answered();
    return head;
  } catch (err) {
    if (httpStatusOf(err) !== undefined) answered();
    if (isS3NotFound(err)) return 'gone';
    if (httpStatusOf(err) === 403) return 'refused';
    throw err;
  }
}

/** "1 live object", "2 live objects". */
function liveObjects(n: number): string {
  return `${n} live object${n === 1 ? '' : 's'}`;
}

/**
 * Up to `samples` live objects under the backup's prefix (listingScope), from LISTINGS listings each after a random
 * key of the backup (or from the prefix's start), wrapping to the start when one ends early, each looked up in the
 * backup's manifest. Skipped, not looked up: objects written since the backup started (or within the margins above),
 * and archived ones the backup leaves out. One absent from the backup is asked of S3 again (HEAD) and not reported
 * when it is gone, archived, a replica (S3 replication, Batch Replication, keeps the source's LastModified: it may
 * have arrived after the backup), written since, or an Intelligent-Tiering object the record may have left out
 * unnamed. Listings are URL-encoded (url-encoded-listing.ts), as the backup's: a raw one reads a key `cr\rkey` as
 * `cr\nkey`. Errors are S3's, for the caller to classify.
 */
export async function liveObjectsMissingFromBackup(query: MissingObjectsQuery): Promise<LiveObjectsMissing> {
  const { liveS3, samples, random, answered = () => undefined } = query;
  const result: LiveObjectsMissing = { checked: 0, skipped: 0, missing: [], notes: [] };
  const startedAt = Date.parse(query.backupStartedAt);
  if (samples <= 0 || Number.isNaN(startedAt)) return result;
  const scope = listingScope(query.source, query.recorded);
  if ('notListed' in scope) {
    result.notes.push(scope.notListed);
    return result;
  }
  const seen = new Set<string>();
  let replicas = 0;
  let refused = 0;
  const perListing = Math.min(MAX_KEYS_PER_PAGE, Math.ceil(samples / LISTINGS));
  const list = async (startAfter: string | undefined, maxKeys: number): Promise<{ objects: _Object[]; ended: boolean }> => {
    const page = await listObjectsPage(liveS3, { Bucket: scope.bucket, MaxKeys: maxKeys, ...(scope.prefix !== '' ? { Prefix: scope.prefix } : {}), ...(startAfter !== undefined ? { StartAfter: startAfter } : {}) });
    answered();
    return { objects: page.Contents ?? [], ended: page.IsTruncated !== true };
  };
  /** Whether an object absent from the backup has an explanation other than a faulty backup (see above). */
  const explained = async (object: _Object, key: string): Promise<boolean> => {
    const head = await headOfAbsent(liveS3, scope.bucket, key, answered);
    if (head === 'gone') return true;
    if (head === 'refused') {
      refused++;
      return true;
    }
    if (head.ReplicationStatus === 'REPLICA') {
      replicas++;
      return true;
    }
    if (head.ArchiveStatus !== undefined || !existedBeforeBackup({ LastModified: head.LastModified ?? object.LastModified, ETag: head.ETag ?? object.ETag }, startedAt)) return true;
    return object.StorageClass === 'INTELLIGENT_TIERING' && leftOutUnnamed(query.backupLeftOut);
  };
  const look = async (object: _Object): Promise<void> => {
    const key = object.Key;
    if (key === undefined || seen.has(key) || seen.size >= samples) return;
    seen.add(key);
    if (query.known.has(s3EntryPath(key))) return;
    if (!existedBeforeBackup(object, startedAt) || leftOutAsArchived(object, key, query.backupLeftOut)) {
      result.skipped++;
      return;
    }
    result.checked++;
    if ((await query.find(s3EntryPath(key))) !== undefined) return;
    if (await explained(object, key)) {
      result.checked--;
      result.skipped++;
      return;
    }
    result.missing.push(`${JSON.stringify(key)}: in the live bucket since ${object.LastModified?.toISOString() ?? '?'}, before the backup started (${query.backupStartedAt}), but not in the backup`);
  };
  const picked = new Set<number>();
  let lastListed: string | undefined;
  for (let listing = 0; listing < LISTINGS && seen.size < samples; listing++) {
    // Index 0 stands for the prefix's start: a key before the backup's first is reachable too. A start
    // drawn twice (a backup of few keys) continues the previous listing instead of repeating it.
    const pick = Math.floor(random() * (query.startKeys.length + 1));
    const startAfter = picked.has(pick) ? lastListed : pick === 0 ? undefined : query.startKeys[pick - 1];
    picked.add(pick);
    const first = await list(startAfter, perListing);
    lastListed = first.objects.at(-1)?.Key ?? lastListed;
    for (const object of first.objects) await look(object);
    const short = perListing - first.objects.length;
    if (startAfter !== undefined && first.ended && short > 0) for (const object of (await list(undefined, short)).objects) await look(object);
  }
  if (replicas > 0) result.notes.push(`${liveObjects(replicas)} absent from the backup not reported: S3 replicas (ReplicationStatus REPLICA) keep their source's LastModified, so may have arrived after the backup`);
  if (refused > 0) result.notes.push(`${liveObjects(refused)} absent from the backup not reported: S3 refused to describe ${refused === 1 ? 'it' : 'them'} (HEAD 403), so whether ${refused === 1 ? 'it is a replica' : 'they are replicas'} could not be told`);
  return result;
}
