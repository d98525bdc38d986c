import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';
import { type ObjectKeyLocks } from './object-read-write-lock';

/** What s3rver's filesystem store hands putObject: its S3Object model. */
type StoredObject = { bucket: string; key: string; content: Buffer | Readable; metadata: Record<string, string> };

/** The methods of s3rver's FilesystemStore that write an object's or a part's bytes, and what they use. */
type WritingStore = S3rver.Store & {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  putPart(bucket: string, uploadId: string, partNumber: number | string, content: Readable): Promise<{ size: number; md5: string }>;
};

/**
 * Makes a storage error of an object or part write fail that request (500 InternalError, s3rver's
 * answer to any error a store method rejects with) instead of the whole local cloud. s3rver's
 * putObject and putPart open their file with a write stream that has no 'error' listener: a file
 * that cannot be opened (ENAMETOOLONG, EISDIR, EACCES, ENOSPC) raised an unhandled 'error' event,
 * which ended the cloud process and with it every region's S3 and DynamoDB. These write the same
 * files (the content, then `.md5` and the metadata through s3rver's own putMetadata), through a
 * pipeline whose errors reject; a write also settles only once its bytes are in the file (s3rver's
 * answered a PutObject of a buffer before the file was written).
 *
 * An object's content is written to a temporary file beside it and renamed into place, so the object
 * file never holds a cut body, not even after a write that failed half way; the swap (rename and
 * metadata) holds the key's lock alone, so a GET beside a PUT answers one whole object, with its own
 * length and ETag (object-read-write-lock.ts). The
 * temporary name does not end in s3rver's `._S3rver_object`, so no listing shows it (a killed cloud
 * may leave one; it holds no key).
 */
export function failWritesNotTheCloud(s3Store: S3rver.Store, locks: ObjectKeyLocks): void {
  const store = s3Store as WritingStore;
  store.putObject = async (object) => {
    const file = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(file), { recursive: true });
    // Short, in the object's directory (same file system, so the rename is atomic): the object's own name may already be near NAME_MAX.
    const temporary = join(dirname(file), `.lifeboat-writing-${randomBytes(6).toString('hex')}`);
    let written: { size: number; md5: string };
    try {
      written = await writeContent(temporary, object.content);
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
    // The swap alone holds the key's lock: readers meanwhile answer the old object, then the new one, each whole.
    await locks.exclusive(object.bucket, object.key, async () => {
      await rename(temporary, file);
      await store.putMetadata(object.bucket, object.key, object.metadata, written.md5);
    });
    return written;
  };
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const file = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    await mkdir(dirname(file), { recursive: true });
    const written = await writeContent(file, content);
    await writeFile(`${file}.md5`, written.md5);
    return written;
  };
}

async function writeContent(file: string, content: Buffer | Readable): Promise<{ size: number; md5: string }> {
  const md5 = createHash('md5');
  if (Buffer.isBuffer(content)) {
    await writeFile(file, content);
    return { size: content.length, md5: md5.update(content).digest('hex') };
  }
  let size = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(content, counting, createWriteStream(file));
  return { size, md5: md5.digest('hex') };
}
