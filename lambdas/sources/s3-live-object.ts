import { type S3Client } from '@aws-sdk/client-s3';
import { headS3Object, type S3ObjectSummary } from './s3-bucket-source';
import { isMissingS3Object } from './s3-missing-object';

/** One object as it is now: its key, ETag, size, LastModified and storage class; undefined when no object has the key any more. */
export type LiveObjectLookup = (key: string) => Promise<S3ObjectSummary | undefined>;

/**
 * The lookup over S3: one HeadObject (IAM: s3:GetObject on the object). A 404 is an object deleted
 * since it was listed. S3 answers a missing key with 404 only to a caller granted s3:ListBucket on the
 * bucket without condition, and with 403 otherwise: the planner of a source with a `prefix` has it
 * only for s3:prefix, so a 403 is checked with a one-key listing (isMissingS3Object). Any other
 * error is the caller's.
 */
export function headLiveObject(s3: S3Client, bucket: string): LiveObjectLookup {
  return async (key) => {
    try {
      const head = await headS3Object(s3, bucket, key);
      return { key, size: head.size, etag: head.etag, lastModified: head.lastModified, ...(head.storageClass !== undefined ? { storageClass: head.storageClass } : {}), ...(head.restored === true ? { restored: true } : {}) };
    } catch (err) {
      if (await isMissingS3Object(s3, bucket, key, err)) return undefined;
      throw err;
    }
  };
}
