import { type S3Client } from '@aws-sdk/client-s3';
import { type ContentSource, type RecordedContent } from '../../vault';
import { type EntrySink } from './entry-sink';
import { headS3Object, openS3ObjectRange, readS3ObjectTags } from './s3-bucket-source';
import { s3EntryPath } from './s3-entry-path';
import { objectMeta, s3ChangeToken } from './s3-object-entries';
import { isMissingS3Object } from './s3-missing-object';
import { archivedRefusalOf, S3SourceObjectArchivedError } from './s3-archived-object';
import { S3SourceRequests } from './s3-source-read-error';
import { type StoredObjectPiece } from './stored-object-piece';

/** One byte range of a split object, as its s3-range shard spec gives it; `source`, the source's name, is what a refused read names. */
export type S3RangePieceSpec = { source?: string; bucket: string; key: string; etag: string; size: number; start: number; end: number; piece: number; pieces: number };

/** The writer calls a range shard uses: the entry sink's, and storing content without an entry. */
export type PieceSink = EntrySink & { storeContent(content: ContentSource): Promise<RecordedContent> };

/** The endpoint answered a range with another length than asked: the piece cannot be joined into the object. */
export class S3RangeLengthError extends Error {
  override readonly name = 'S3RangeLengthError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly expected: number,
    readonly got: number,
  ) {
    super(`Object ${JSON.stringify(key)} in bucket ${bucket}: a byte range of ${expected} bytes returned ${got}; the endpoint does not honour Range requests, so the object cannot be backed up in pieces.`);
  }
}

/**
 * Backs up one byte range of an object larger than a shard's budget: stores bytes [start, end) of
 * the version planned (GetObject with Range and If-Match on its ETag; a replaced object fails with
 * S3ObjectChangedError naming the key) without recording an entry, and returns the piece for the
 * shard's part; commit joins the pieces in order into one entry. Piece 0 also reads the tags and
 * returns the entry's meta (content type, user metadata, tags, ETag, the whole size, LastModified).
 *
 * Incremental: when the parent snapshot has the object with the same change token (ETag and size),
 * piece 0 records the parent's entry (with tags and metadata read now, as for an unsplit object)
 * and the other pieces read nothing.
 */
export async function addS3RangePiece(s3: S3Client, spec: S3RangePieceSpec, sink: PieceSink): Promise<StoredObjectPiece> {
  const path = s3EntryPath(spec.key);
  const changeToken = s3ChangeToken(spec);
  const base = { path, key: spec.key, piece: spec.piece, pieces: spec.pieces, size: 0, content: [] };
  // The source's own requests: a refused one names the source, bucket and key; the sink's (the vault's) are left as they are.
  const requests = new S3SourceRequests();
  try {
    const prev = await sink.canReuse(path, 'object', changeToken);
    if (prev) {
      if (spec.piece === 0) {
        const head = await requests.send(headS3Object(s3, spec.bucket, spec.key, spec.etag));
        const tags = await requests.send(readS3ObjectTags(s3, spec.bucket, spec.key));
        await sink.add({ path, kind: 'object', meta: objectMeta(spec.key, { ...head, size: spec.size }, tags), changeToken, stored: { size: prev.size, content: prev.content } });
      }
      return { ...base, outcome: 'reused' };
    }
    const tags = spec.piece === 0 ? await requests.send(readS3ObjectTags(s3, spec.bucket, spec.key)) : undefined;
    const object = await requests.send(openS3ObjectRange(s3, spec.bucket, spec.key, spec));
    let recorded: RecordedContent;
    try {
      recorded = await sink.storeContent(() => object.body);
    } finally {
      object.destroy();
    }
    if (recorded.size !== spec.end - spec.start) throw new S3RangeLengthError(spec.bucket, spec.key, spec.end - spec.start, recorded.size);
    const stored = { ...base, outcome: 'stored' as const, size: recorded.size, content: [...recorded.content] };
    // The version is the planned one (If-Match), so its ETag and the whole size are the spec's.
    return tags ? { ...stored, meta: objectMeta(spec.key, { ...object, etag: spec.etag, size: spec.size }, tags), changeToken } : stored;
  } catch (err) {
    // Archived though the planning listing did not say (an Intelligent-Tiering archive tier, or archived since):
    // a piece cannot leave its object out, so the backup fails naming it (the planner does not split listed archived objects).
    const archived = archivedRefusalOf(err);
    if (archived) throw new S3SourceObjectArchivedError(spec.bucket, spec.key, archived);
    // Deleted after planning: the snapshot is of the bucket as read, so commit leaves the object out (a 403 for a
    // role whose ListBucket is conditioned on the source's prefix is checked with a listing: isMissingS3Object).
    if (!(await isMissingS3Object(s3, spec.bucket, spec.key, err))) throw requests.named(err, { ...(spec.source !== undefined ? { source: spec.source } : {}), bucket: spec.bucket, key: spec.key });
    return { ...base, outcome: 'vanished' };
  }
}
