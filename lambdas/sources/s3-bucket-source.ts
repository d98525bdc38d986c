import { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, GetObjectTaggingCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { compareKeys } from './s3-key-order';
import { type S3HeaderResponse, type S3ObjectHeaders, s3HeadersOfResponse } from './s3-object-headers';
import { listObjectPages } from './url-encoded-listing';
import { isS3PreconditionFailed } from '../../vault';

/** S3's key order, where the listings' callers have always found it. */
export { compareKeys };

/**
 * `lastModified` is ISO 8601 ('' when the endpoint does not say). `storageClass` as the listing or
 * HeadObject says it (absent: STANDARD, or not said); `restored`: an archived object with a restored
 * copy readable now (the listing's RestoreStatus). An archived one not restored is not read (s3-archived-object.ts).
 */
export type S3ObjectSummary = { key: string; size: number; etag: string; lastModified?: string; storageClass?: string; restored?: boolean };

export type S3ObjectSnapshot = S3ObjectSummary & {
  contentType?: string;
  headers: S3ObjectHeaders;
  metadata: Record<string, string>;
  tags: Record<string, string>;
  body: Buffer;
};

/** An object opened for reading: the body streams, so objects of any size fit in a Lambda's memory. */
export type S3ObjectStream = S3ObjectHead & {
  body: AsyncIterable<Buffer>;
  /** Frees the connection when the body will not be read to its end. */
  destroy(): void;
};

/** What GetObject and HeadObject say about an object besides its body. */
export type S3ObjectHead = {
  contentType?: string;
  /** Content-Encoding, Cache-Control, Content-Disposition, Content-Language, Expires, website redirect: those the object has. */
  headers: S3ObjectHeaders;
  metadata: Record<string, string>;
  etag: string;
  size: number;
  lastModified: string;
  /** TagCount: how many tags the object has, as S3 says to a caller allowed to read them (0 when it says nothing). */
  tagCount: number;
  /** x-amz-storage-class, which S3 sends for every class but STANDARD. */
  storageClass?: string;
  /** An archived object with a restored copy readable now (x-amz-restore: ongoing-request="false"). */
  restored?: boolean;
};

/** A key range of one shard: keys k with startAfter < k <= endAt in UTF-8 byte order; absent bounds are open. */
export type S3KeyRange = { startAfter?: string; endAt?: string };

/**
 * The endpoint listed keys out of S3's order (UTF-8 bytes, strictly increasing). Key ranges cannot be
 * trusted then: keys could be skipped or listed twice. Permanent: retrying lists the same way.
 * s3rver (the local cloud) does this for keys where one is a prefix of another ('a', 'a-b', 'a/b').
 */
export class S3ListingOrderError extends Error {
  override readonly name = 'S3ListingOrderError';
  constructor(
    readonly bucket: string,
    readonly previousKey: string,
    readonly key: string,
  ) {
    super(
      `Bucket ${bucket} listed key ${JSON.stringify(key)} after ${JSON.stringify(previousKey)}, which is not S3's order (UTF-8 bytes, ascending); ` +
        'the endpoint is not S3-compatible in its listing order, so the listing cannot be split into key ranges safely.',
    );
  }
}

/**
 * Every key under the source prefix within `range`, in S3's (UTF-8 binary) order, page by page. The
 * server does the range start (StartAfter); the listing stops after `endAt`. Every key is checked to
 * be strictly after the previous one and inside the range, so a server that does not list in S3's
 * order fails with S3ListingOrderError instead of silently skipping or repeating keys.
 */
export async function* listS3Objects(s3: S3Client, bucket: string, prefix: string, range: S3KeyRange = {}): AsyncGenerator<S3ObjectSummary> {
  let previous = range.startAfter;
  // StartAfter stays in every page's request: with a ContinuationToken S3 (and s3rver) resume from the token.
  // RestoreStatus: whether an archived object has a readable restored copy (an endpoint that ignores the header sends none).
  // URL-encoded (url-encoded-listing.ts): as raw XML a key with a CR is listed changed, and read as a key that is not there.
  const pages = listObjectPages(s3, { Bucket: bucket, Prefix: prefix || undefined, StartAfter: range.startAfter, OptionalObjectAttributes: ['RestoreStatus'] });
  for await (const page of pages) {
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      if (previous !== undefined && compareKeys(object.Key, previous) <= 0) throw new S3ListingOrderError(bucket, previous, object.Key);
      previous = object.Key;
      if (range.endAt !== undefined && compareKeys(object.Key, range.endAt) > 0) return;
      const restored = object.RestoreStatus?.IsRestoreInProgress === false && object.RestoreStatus.RestoreExpiryDate !== undefined;
      yield {
        key: object.Key,
        size: object.Size ?? 0,
        etag: object.ETag ?? '',
        lastModified: object.LastModified?.toISOString() ?? '',
        ...(object.StorageClass !== undefined ? { storageClass: object.StorageClass } : {}),
        ...(restored ? { restored } : {}),
      };
    }
  }
}


/** Whether `key` lies in `range` (startAfter exclusive, endAt inclusive, UTF-8 byte order). */
export function isKeyInRange(key: string, range: S3KeyRange): boolean {
  return (range.startAfter === undefined || compareKeys(key, range.startAfter) > 0) && (range.endAt === undefined || compareKeys(key, range.endAt) <= 0);
}

/**
 * Opens one object for streaming. `body` is the SDK's Node Readable (consume it or break out of the
 * loop, which destroys it and frees the connection). `size` is the Content-Length.
 */
export async function openS3ObjectStream(s3: S3Client, bucket: string, key: string): Promise<S3ObjectStream> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return {
    body: bodyBuffers(object.Body),
    destroy: () => {
      if (object.Body instanceof Readable) object.Body.destroy();
    },
    ...headOf(object),
  };
}

/**
 * Opens bytes [start, end) of one version of an object: GetObject with Range and If-Match on the
 * ETag listed at planning. An object replaced since fails with S3ObjectChangedError (S3's 412), so
 * the pieces of a split object are all of one version. `size` is the range's length.
 */
export async function openS3ObjectRange(s3: S3Client, bucket: string, key: string, range: { etag: string; start: number; end: number }): Promise<S3ObjectStream> {
  const object = await ifVersion(bucket, key, range.etag, () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${range.start}-${range.end - 1}`, IfMatch: range.etag })));
  return {
    body: bodyBuffers(object.Body),
    destroy: () => {
      if (object.Body instanceof Readable) object.Body.destroy();
    },
    ...headOf(object),
  };
}

/** HeadObject: metadata, content type and the other headers, ETag, size and LastModified without the body; with `etag`, of that version only (else S3ObjectChangedError). */
export async function headS3Object(s3: S3Client, bucket: string, key: string, etag?: string): Promise<S3ObjectHead> {
  if (etag === undefined) return headOf(await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
  return headOf(await ifVersion(bucket, key, etag, () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag }))));
}

/**
 * An object read by byte ranges was replaced after planning (its ETag is no longer the one listed):
 * its pieces cannot be joined into one version, so the shard fails and the backup with it, without
 * committing; the next run plans the new version.
 */
export class S3ObjectChangedError extends Error {
  override readonly name = 'S3ObjectChangedError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly etag: string,
  ) {
    super(
      `Object ${JSON.stringify(key)} in bucket ${bucket} changed while it was backed up in byte ranges: it no longer has ETag ${etag}, the version planned ` +
        '(S3 answered 412 PreconditionFailed to If-Match). This backup fails without committing; run it again to back up the new version.',
    );
  }
}

async function ifVersion<T>(bucket: string, key: string, etag: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (isS3PreconditionFailed(err)) throw new S3ObjectChangedError(bucket, key, etag);
    throw err;
  }
}

function headOf(object: S3HeaderResponse & { ContentType?: string; Metadata?: Record<string, string>; ETag?: string; ContentLength?: number; LastModified?: Date; TagCount?: number; StorageClass?: string; Restore?: string }): S3ObjectHead {
  return {
    ...(object.ContentType !== undefined ? { contentType: object.ContentType } : {}),
    headers: s3HeadersOfResponse(object),
    metadata: object.Metadata ?? {},
    etag: object.ETag ?? '',
    size: object.ContentLength ?? 0,
    lastModified: object.LastModified?.toISOString() ?? '',
    tagCount: object.TagCount ?? 0,
    ...(object.StorageClass !== undefined ? { storageClass: object.StorageClass } : {}),
    ...(object.Restore?.includes('ongoing-request="false"') === true ? { restored: true } : {}),
  };
}

/**
 * The object's tags (GetObjectTagging), as a record. Object.fromEntries defines each tag as an own
 * property: a tag named `__proto__` assigned as `tags[key] = …` would set the prototype and be lost.
 */
export async function readS3ObjectTags(s3: S3Client, bucket: string, key: string): Promise<Record<string, string>> {
  const tagging = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((tagging.TagSet ?? []).flatMap((tag) => (tag.Key !== undefined ? [[tag.Key, tag.Value ?? '']] : [])));
}

/**
 * Reads one small object whole, with its metadata and tags. Use openS3ObjectStream for large ones.
 * The tags cost a GetObjectTagging only when the GetObject says there are some (TagCount). S3 leaves
 * TagCount out for a caller who may not read tags, so such a caller gets every object as untagged:
 * a comparison with a backup that holds tags then reports them as different, never as equal.
 */
export async function readS3Object(s3: S3Client, bucket: string, summary: S3ObjectSummary): Promise<S3ObjectSnapshot> {
  const object = await openS3ObjectStream(s3, bucket, summary.key);
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(chunk);
  const tags = object.tagCount > 0 ? await readS3ObjectTags(s3, bucket, summary.key) : {};
  return {
    ...summary,
    ...(object.contentType !== undefined ? { contentType: object.contentType } : {}),
    headers: object.headers,
    metadata: object.metadata,
    tags,
    body: Buffer.concat(chunks),
  };
}

/**
 * The body as Buffers. The SDK's Node Readable (no encoding, not in object mode) yields Buffers
 * already and is returned as it is: an S3 body arrives in thousands of pieces, and each wrapping
 * async generator would add a promise round per piece.
 */
function bodyBuffers(body: GetObjectCommandOutput['Body']): AsyncIterable<Buffer> {
  if (body instanceof Readable && body.readableEncoding === null && !body.readableObjectMode) return body as AsyncIterable<Buffer>;
  return bodyChunks(body);
}

async function* bodyChunks(body: GetObjectCommandOutput['Body']): AsyncGenerator<Buffer> {
  if (body === undefined) return;
  if (body instanceof Readable) {
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) yield typeof chunk === 'string' ? Buffer.from(chunk) : asBuffer(chunk);
    return;
  }
  // Not Node (a browser-style stream or a Blob): fall back to the SDK's whole-body helper.
  yield asBuffer(await body.transformToByteArray());
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
