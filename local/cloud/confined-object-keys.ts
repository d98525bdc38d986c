import { rmdir, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { type Readable } from 'node:stream';
import type S3rver from 's3rver';
import { keyDirectory, keyResourcePath } from './object-key-paths';
import { listKeys, type KeyListingOptions } from './object-listing';

type S3ErrorModel = new (code: string, message: string, detail?: Record<string, string>) => Error;
const S3Error = createRequire(__filename)('s3rver/lib/models/error') as S3ErrorModel;
type S3ObjectModel = new (bucket: string, key: string, content: null, metadata: Record<string, string | number>) => unknown;
const S3Object = createRequire(__filename)('s3rver/lib/models/object') as S3ObjectModel;

/** The methods of s3rver's FilesystemStore that turn a request's bucket, key or upload id into a path. */
type FilesystemStore = S3rver.Store &
  S3rver.ObjectMetadata & {
    readonly rootDirectory: string;
    getBucketPath(bucket: string): string;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    listObjects(bucket: string, options: KeyListingOptions): Promise<{ objects: unknown[]; commonPrefixes: string[]; isTruncated: boolean }>;
    deleteObject(bucket: string, key: string): Promise<void>;
    putPart(bucket: string, uploadId: unknown, partNumber: unknown, content: Readable): Promise<unknown>;
    putObjectMultipart(bucket: string, uploadId: unknown, parts: unknown): Promise<unknown>;
  };

/** How many objects' metadata a listing reads at once (a page has up to 1000). */
const METADATA_READS = 16;

/**
 * Keeps every path s3rver's filesystem store derives from a request inside the bucket it names,
 * and every key verbatim (docs/LOCAL-CLOUD.md, "Object keys on disk"). s3rver joins the key's
 * segments into a path, so `../other-bucket/x` was written into another bucket, deeper `..` out of
 * the data directory, and `a/../b` stored, and listed, as `b`. Here:
 * - keys become paths only through object-key-paths.ts (each store method that reads or writes an
 *   object's files goes through getResourcePath), and listings read them back through
 *   object-listing.ts;
 * - a delete removes the object's files and the directories it left empty up to, never beyond, the
 *   bucket's own;
 * - a bucket name that is not one plain directory name (`..`, `.`, a `/`) is refused before it is a
 *   path (S3 allows none of them; a path-style request could still send them percent-encoded);
 * - an upload id or part number that is not s3rver's form is refused before it is a path (both come
 *   from the query string as the client wrote them).
 */
export function confineObjectKeys(s3Store: S3rver.Store): void {
  const store = s3Store as FilesystemStore;
  const bucketPath = (bucket: string): string => {
    if (bucket === '' || bucket === '.' || bucket === '..' || /[/\\\0]/.test(bucket)) {
      throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', { BucketName: bucket });
    }
    return join(store.rootDirectory, bucket);
  };
  const getMetadata = store.getMetadata.bind(store);

  store.getBucketPath = bucketPath;
  store.getResourcePath = (bucket, key = '', resource) => keyResourcePath(bucketPath(bucket), key, resource);

  store.listObjects = async (bucket, options) => {
    const listing = await listKeys(bucketPath(bucket), options);
    const objects = new Array<unknown>(listing.keys.length);
    let next = 0;
    const reader = async (): Promise<void> => {
      for (let index = next++; index < listing.keys.length; index = next++) {
        const key = listing.keys[index] as string;
        // An object deleted since the directories were read is left out, as s3rver does.
        const metadata = await getMetadata(bucket, key).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        });
        if (metadata) objects[index] = new S3Object(bucket, key, null, metadata);
      }
    };
    await Promise.all(Array.from({ length: Math.min(METADATA_READS, listing.keys.length) }, reader));
    return { objects: objects.filter((o) => o !== undefined), commonPrefixes: listing.commonPrefixes, isTruncated: listing.isTruncated };
  };

  store.deleteObject = async (bucket, key) => {
    // Its tags go with it, as in S3 (s3rver left them, and with them the key's directories).
    await Promise.all(
      ['object', 'object.md5', 'metadata.json', 'tagging.xml'].map((resource) =>
        unlink(store.getResourcePath(bucket, key, resource)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        }),
      ),
    );
    const bucketDir = bucketPath(bucket);
    // rmdir removes only an empty directory: one a concurrent write just filled stays.
    for (let dir = keyDirectory(bucketDir, key); dir.startsWith(bucketDir + sep); dir = dirname(dir)) {
      const removed = await rmdir(dir).then(
        () => true,
        () => false,
      );
      if (!removed) break;
    }
  };

  const putPart = store.putPart.bind(store);
  const putObjectMultipart = store.putObjectMultipart.bind(store);
  store.putPart = (bucket, uploadId, partNumber, content) => {
    const refusal = uploadIdRefusal(uploadId) ?? partNumberRefusal(partNumber);
    if (refusal) {
      content.resume();
      return Promise.reject(refusal);
    }
    return putPart(bucket, uploadId, partNumber, content);
  };
  store.putObjectMultipart = (bucket, uploadId, parts) => {
    const refusal = uploadIdRefusal(uploadId);
    return refusal ? Promise.reject(refusal) : putObjectMultipart(bucket, uploadId, parts);
  };
}

/** s3rver's upload ids are 32 hex digits (controllers/object.js); anything else names no upload. */
function uploadIdRefusal(uploadId: unknown): Error | undefined {
  if (typeof uploadId === 'string' && /^[0-9a-f]{32}$/.test(uploadId)) return undefined;
  return new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', {
    UploadId: String(uploadId),
  });
}

function partNumberRefusal(partNumber: unknown): Error | undefined {
  if (typeof partNumber === 'string' && /^[1-9]\d{0,4}$/.test(partNumber) && Number(partNumber) <= 10000) return undefined;
  return new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: String(partNumber) });
}
