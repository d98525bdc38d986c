import { HeadObjectCommand, ListObjectsV2Command, type _Object, type S3Client } from '@aws-sdk/client-s3';
import { type S3BucketSourceConfig } from '../../config/lifeboat-config';
import { s3EntryPath } from '../sources/s3-entry-path';
import { type BackupLeftOut } from '../restore/backup-left-out';
import { isS3NotFound, type ManifestEntry } from '../../vault';

/**
 * The other direction of the drill's live comparison (audit b1-3): sampling the manifest and looking its entries up
 * in the live bucket never meets an object the backup lacks. Here live objects are listed, from a few random starts,
 * and each one that already existed when the backup started is looked up in the backup's manifest.
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

/** Classes whose objects a backup leaves out, unread and reported (lambdas/sources/s3-archived-object.ts): absent from the manifest, yet not missing. */
const ARCHIVE_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** The sample's outcome: how many live objects were looked up in the backup, skipped, and the ones the backup lacks. */
export type LiveObjectsMissing = { checked: number; skipped: number; missing: string[] };

export type MissingObjectsQuery = {
  liveS3: S3Client;
  source: S3BucketSourceConfig;
  /** The backup's manifest: the entry at a path (ManifestReader.find). */
  find: (path: string) => Promise<ManifestEntry | undefined>;
  /** When the backup started (snapshotStartedAt). */
  backupStartedAt: string;
  /** What the backup's own record says it left out (archived objects, with their keys among the examples). */
  backupLeftOut: BackupLeftOut | undefined;
  /** Keys of the backup to start listings after: spread over the source (the entries its forward sample tried). */
  startKeys: readonly string[];
  /** Manifest paths the forward sample read from the manifest: in the backup, so not looked up again. */
  known: ReadonlySet<string>;
  /** How many live objects to look up at most. */
  samples: number;
  /** A number in [0, 1): Math.random, or a fixed sequence in tests. */
  random: () => number;
};

/** Whether the backup may have left the object out as archived, having said so: its class, or its key among the record's examples. */
function leftOutAsArchived(object: _Object, key: string, leftOut: BackupLeftOut | undefined): boolean {
  if (object.StorageClass !== undefined && ARCHIVE_CLASSES.has(object.StorageClass)) return true;
  return leftOut !== undefined && 'skippedExamples' in leftOut && leftOut.skippedExamples.some((line) => line.startsWith(`${key}: `));
}

/** Whether the live object was in the bucket, whole, before the backup started (so its listing must have met it). */
function existedBeforeBackup(object: _Object, startedAt: number): boolean {
  if (object.LastModified === undefined) return false;
  const multipart = object.ETag?.includes('-') === true;
  return object.LastModified.getTime() + LAST_MODIFIED_MARGIN_MS + (multipart ? MULTIPART_UPLOAD_WINDOW_MS : 0) <= startedAt;
}

/**
 * An object of an Intelligent-Tiering archive tier: the listing does not tell (its class is INTELLIGENT_TIERING), a
 * HEAD does (ArchiveStatus). Asked only of an object absent from the backup; true too when it is gone since listed.
 */
async function archivedTierOrGone(liveS3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    const head = await liveS3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ArchiveStatus !== undefined;
  } catch (err) {
    if (isS3NotFound(err)) return true;
    throw err;
  }
}

/**
 * Up to `samples` live objects under the source's prefix, from LISTINGS listings each after a random key of the
 * backup (or from the prefix's start), wrapping to the start when one ends early, each looked up in the backup's
 * manifest. Skipped, not looked up: objects written since the backup started (or within the margins above), and
 * archived ones the backup leaves out. Errors are S3's, for the caller to classify.
 */
export async function liveObjectsMissingFromBackup(query: MissingObjectsQuery): Promise<LiveObjectsMissing> {
  const { liveS3, source, samples, random } = query;
  const result: LiveObjectsMissing = { checked: 0, skipped: 0, missing: [] };
  const startedAt = Date.parse(query.backupStartedAt);
  if (samples <= 0 || Number.isNaN(startedAt)) return result;
  const seen = new Set<string>();
  const perListing = Math.min(MAX_KEYS_PER_PAGE, Math.ceil(samples / LISTINGS));
  const list = async (startAfter: string | undefined, maxKeys: number): Promise<{ objects: _Object[]; ended: boolean }> => {
    const page = await liveS3.send(new ListObjectsV2Command({ Bucket: source.bucket, MaxKeys: maxKeys, ...(source.prefix !== '' ? { Prefix: source.prefix } : {}), ...(startAfter !== undefined ? { StartAfter: startAfter } : {}) }));
    return { objects: page.Contents ?? [], ended: page.IsTruncated !== true };
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
    if (object.StorageClass === 'INTELLIGENT_TIERING' && (await archivedTierOrGone(liveS3, source.bucket, key))) {
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
  return result;
}
