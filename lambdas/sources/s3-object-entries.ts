import { type S3Client } from '@aws-sdk/client-s3';
import { type EntryMeta, forEachBounded } from '../../vault';
import { type EntrySink, type ShardObservations } from './entry-sink';
import { headS3Object, listS3Objects, openS3ObjectStream, readS3ObjectTags, type S3KeyRange, type S3ObjectHead } from './s3-bucket-source';
import { s3EntryPath } from './s3-entry-path';
import { type S3ObjectHeaders, s3HeadersOfMeta } from './s3-object-headers';
import { type S3ResumePoint } from './shard-resume-point';
import { isMissingS3Object } from './s3-missing-object';
import { archivedRefusalOf, archivedSkipReason, isListedAsArchived } from './s3-archived-object';
import { type ShardRun } from './shard-run';
import { namingS3Source, S3SourceRequests } from './s3-source-read-error';
import { StoppableListing } from './stoppable-listing';

/** Objects read at once by one shard: S3 latency, not bandwidth, bounds small objects. */
const OBJECTS_IN_FLIGHT = 8;

/** `source`: the source's name, which a refused listing or read names (S3SourceReadError). */
export type S3ShardSpec = S3KeyRange & { source?: string; bucket: string; prefix: string; splitKeys?: readonly string[] };

/** The change token of an S3 object: equal ETag and size mean equal content (the next incremental reuses it unread). */
export function s3ChangeToken(head: Pick<S3ObjectHead, 'etag' | 'size'>): string {
  return `${head.etag}:${head.size}`;
}

/**
 * Writes the objects of one key range as `object` entries (docs/ARCHITECTURE.md, "Backups in the
 * vault"): path = the key (escaped only where the vault cannot hold it), meta = key, content type,
 * the other headers the object has (s3-object-headers.ts), user metadata, tags, ETag, size,
 * LastModified; content = the body, streamed.
 *
 * Archived objects (GLACIER, DEEP_ARCHIVE, an Intelligent-Tiering archive tier: s3-archived-object.ts)
 * cannot be read without a restore request: each is left out and named in `observations.skipped`,
 * and the backup commits. One unchanged since the parent is not read anyway, so it stays in the
 * snapshot as the parent has it (HeadObject and GetObjectTagging answer for archived objects).
 *
 * Unchanged objects (same ETag and size as in the parent snapshot) are not downloaded. Their tags
 * are still read, because tagging an object changes neither its ETag nor its LastModified; their
 * metadata and headers are taken from the parent when LastModified is unchanged, else from a
 * HeadObject (replacing metadata with a copy keeps the ETag but moves LastModified; so does a
 * parent entry that predates the recorded headers). LastModified has whole seconds, so a copy in the
 * same second as the write before it does not move it: the parent's metadata is trusted only for an
 * object last written at least REUSED_META_MARGIN_MS before the parent backup started
 * (`parentStartedAt`), whose reads all came later. A copy after the parent's read then lands in a later
 * second; a younger object gets a HeadObject (docs/ARCHITECTURE.md, "S3 metadata reuse").
 *
 * Consistency: each object is read in one GetObject, whose ETag and size go into the entry, so an
 * entry's body, ETag, size and metadata are always one consistent version. Whether it has tags is
 * in that GetObject's answer (TagCount, see TagReads); the tags themselves come from a
 * GetObjectTagging sent after it (for an unchanged object, beside the HeadObject), so an object
 * re-tagged or overwritten while it is read may get the tags of the version just after the one
 * whose body is stored. The listing itself is not a point-in-time view.
 *
 * Resumable (shard-run.ts): `run.resume` continues the range after its last key; asked to stop, it
 * takes no further key, finishes the objects in flight and returns the last key taken (null: the
 * range is done).
 */
export async function addS3Shard(
  s3: S3Client,
  spec: S3ShardSpec,
  sink: EntrySink,
  observations: ShardObservations,
  run: ShardRun<S3ResumePoint> & { readonly parentStartedAt?: string } = {},
): Promise<S3ResumePoint | null> {
  const parentStart = run.parentStartedAt === undefined ? undefined : Date.parse(run.parentStartedAt);
  const range = run.resume ? { startAfter: run.resume.lastKey, ...(spec.endAt !== undefined ? { endAt: spec.endAt } : {}) } : spec;
  const place = { ...(spec.source !== undefined ? { source: spec.source } : {}), bucket: spec.bucket, prefix: spec.prefix };
  const objects = new StoppableListing(namingS3Source(listS3Objects(s3, spec.bucket, spec.prefix, range), place), run.shouldStop);
  const split = new Set(spec.splitKeys ?? []);
  const tagReads = new TagReads();
  // The source's own requests: a refused one names the source, bucket and key; the sink's (the vault's) are left as they are.
  const requests = new S3SourceRequests();
  await forEachBounded(objects, OBJECTS_IN_FLIGHT, async (summary) => {
    // Backed up by its s3-range shards (s3-range-piece.ts), joined into one entry at commit.
    if (split.has(summary.key)) return;
    const path = s3EntryPath(summary.key);
    try {
      const listedToken = s3ChangeToken(summary);
      const prev = await sink.canReuse(path, 'object', listedToken);
      if (prev) {
        const headers = s3HeadersOfMeta(prev.meta);
        // A parent entry written before backups recorded the headers (none then) says nothing of them: one HeadObject reads them.
        const sameVersion = headers !== undefined && prev.meta.lastModified === summary.lastModified && summary.lastModified !== undefined && writtenBefore(summary.lastModified, parentStart);
        const [head, tags] = await both(
          sameVersion ? Promise.resolve(headFromMeta(prev.meta, headers)) : requests.send(headS3Object(s3, spec.bucket, summary.key)),
          requests.send(readS3ObjectTags(s3, spec.bucket, summary.key)),
        );
        if (s3ChangeToken(head) === listedToken) {
          // The parent entry itself: the writer asked again could find the parent dropped by now (entry-sink.ts).
          await sink.add({ path, kind: 'object', meta: objectMeta(summary.key, head, tags), changeToken: listedToken, stored: { size: prev.size, content: prev.content }, reused: true });
          return;
        }
      }
      // Archived and not restored (the listing says so): no GetObject, which S3 would refuse. Reported, not backed up (s3-archived-object.ts).
      if (isListedAsArchived(summary)) {
        observations.skipped.push(archivedSkipReason(summary.key, { storageClass: summary.storageClass }));
        return;
      }
      const object = await requests.send(openS3ObjectStream(s3, spec.bucket, summary.key));
      try {
        const tags = tagReads.needed(object) ? await tagReads.read(requests.send(readS3ObjectTags(s3, spec.bucket, summary.key))) : {};
        await sink.add({ path, kind: 'object', meta: objectMeta(summary.key, object, tags), changeToken: s3ChangeToken(object), content: () => object.body });
      } finally {
        // The writer skips the body when the object turned out unchanged after all; free the connection then.
        object.destroy();
      }
    } catch (err) {
      // Archived though the listing did not say (an Intelligent-Tiering archive tier, or archived since it was listed).
      const archived = archivedRefusalOf(err);
      if (archived) {
        observations.skipped.push(archivedSkipReason(summary.key, { ...(summary.storageClass !== undefined ? { storageClass: summary.storageClass } : {}), ...archived }));
        return;
      }
      // Deleted between listing and reading: the backup is of the bucket as it is, so the key is left out. (A 403 may
      // be such a key too, for a role whose ListBucket is conditioned on the source's prefix: isMissingS3Object.)
      if (!(await isMissingS3Object(s3, spec.bucket, summary.key, err))) throw requests.named(err, { ...place, key: summary.key });
      observations.vanished.push(summary.key);
    }
  });
  return objects.stopped && objects.last ? { kind: 's3', lastKey: objects.last.key } : null;
}

/**
 * Margin between an object's LastModified and the parent backup's start for the parent's metadata to be
 * reused unread: a second for LastModified's resolution, the rest for the clocks of S3 and of the
 * function that stamped the start. A younger object costs one HeadObject.
 */
const REUSED_META_MARGIN_MS = 5_000;

/** Whether an object last modified at `lastModified` was written well before the parent started reading (unknown start: yes, as plans stored before it was recorded). */
function writtenBefore(lastModified: string, parentStart: number | undefined): boolean {
  if (parentStart === undefined || Number.isNaN(parentStart)) return true;
  return Date.parse(lastModified) + REUSED_META_MARGIN_MS <= parentStart;
}

/**
 * When an object's tags must be read. GetObject answers TagCount, so an untagged object needs no
 * GetObjectTagging: one request per object instead of two (at a billion objects, a billion GET-class
 * requests less per full backup). S3 sends TagCount only to a caller allowed to read the tags,
 * though, so a role without s3:GetObjectTagging on the source would see every object as untagged
 * and back the tags up as none. Hence each shard run reads the tags of its objects until one such
 * read has succeeded: a missing permission fails the shard with AccessDenied, as before, instead of
 * losing tags quietly.
 */
class TagReads {
  private permitted = false;

  needed(object: { tagCount: number }): boolean {
    return object.tagCount > 0 || !this.permitted;
  }

  async read(tags: Promise<Record<string, string>>): Promise<Record<string, string>> {
    const read = await tags;
    this.permitted = true;
    return read;
  }
}

/**
 * Both results, once both requests have settled (so neither rejection is left unhandled). When
 * either fails, the first one's error wins and a first result that did arrive is handed to
 * `discard` (an opened body is destroyed, freeing its connection).
 */
async function both<A, B>(first: Promise<A>, second: Promise<B>, discard?: (a: A) => void): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') {
    discard?.(a.value);
    throw b.reason;
  }
  return [a.value, b.value];
}

/** An object entry's meta (docs/FORMAT.md §7); in `headers`, each header only when the object has it. */
export function objectMeta(key: string, head: S3ObjectHead, tags: Record<string, string>): EntryMeta {
  return {
    key,
    ...(head.contentType !== undefined ? { contentType: head.contentType } : {}),
    // Always written, {} for none: its presence tells a restore, its check and the next incremental that the headers were recorded.
    headers: head.headers,
    metadata: head.metadata,
    tags,
    etag: head.etag,
    size: head.size,
    lastModified: head.lastModified,
  };
}

function headFromMeta(meta: EntryMeta, headers: S3ObjectHeaders): S3ObjectHead {
  const raw = meta.metadata;
  // Own properties (Object.fromEntries): a metadata name `__proto__` assigned would set the prototype and be lost.
  const metadata: Record<string, string> =
    raw && typeof raw === 'object' && !Array.isArray(raw) ? Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
  return {
    ...(typeof meta.contentType === 'string' ? { contentType: meta.contentType } : {}),
    // Reused only for the same LastModified, which any change of them moves (S3 changes them only by rewriting or copying the object).
    headers,
    metadata,
    etag: typeof meta.etag === 'string' ? meta.etag : '',
    size: typeof meta.size === 'number' ? meta.size : -1,
    lastModified: typeof meta.lastModified === 'string' ? meta.lastModified : '',
    // Unknown from the parent: the tags are read (GetObjectTagging) beside it.
    tagCount: 0,
  };
}
