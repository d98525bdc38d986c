import { utimes } from 'node:fs/promises';
import type S3rver from 's3rver';

/** FilesystemStore's copy and the path of an object's files, as confineObjectKeys leaves them. */
type CopyStore = S3rver.Store &
  S3rver.ObjectMetadata & {
    copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacementMetadata: Record<string, unknown> | null): Promise<Record<string, string | number>>;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  };

/**
 * Every CopyObject gives the target a LastModified of now, as S3 does: a copy writes a new object.
 * s3rver takes LastModified from the object file's mtime, and a copy onto itself (the only way to
 * change an object's metadata, Content-Type or other headers: `MetadataDirective: REPLACE`) rewrites
 * only its metadata.json, so the object kept its old LastModified. An S3 source's incremental
 * backup takes an unchanged object's metadata from the parent while ETag, size and LastModified are
 * unchanged (lambdas/sources/s3-object-entries.ts), so on the local cloud it kept the old metadata.
 * The copy's answer (CopyObjectResult's LastModified) is read after the touch, so it says the new time.
 */
export function copyMovesLastModified(s3Store: S3rver.Store): void {
  const store = s3Store as CopyStore;
  const copyObject = store.copyObject.bind(store);
  store.copyObject = async (srcBucket, srcKey, destBucket, destKey, replacementMetadata) => {
    await copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata);
    const now = new Date();
    await utimes(store.getResourcePath(destBucket, destKey, 'object'), now, now);
    return store.getMetadata(destBucket, destKey);
  };
}
