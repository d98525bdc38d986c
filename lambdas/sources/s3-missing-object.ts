import { type S3Client } from '@aws-sdk/client-s3';
import { isS3AccessDenied, isS3NotFound } from '../../vault';
import { listObjectsPage } from './url-encoded-listing';

/** 403 InvalidObjectState: an archived object that is there; no listing can say more. */
function isArchivedRefusal(err: unknown): boolean {
  return err instanceof Error && err.name === 'InvalidObjectState';
}

/**
 * Whether a GET or HEAD of `key` failed because no object has the key (any more). S3 answers a missing key with
 * 404 only to a caller allowed s3:ListBucket on the bucket without condition, and with 403 otherwise: a role
 * whose ListBucket is conditioned on s3:prefix (an S3 source with a `prefix`, lib/constructs/source-access.ts;
 * the restore functions' vault listing, lib/constructs/restore-functions.ts) gets 403 — surfaced as
 * BucketOwnerMismatchError by the ExpectedBucketOwner middleware — because a GET carries no s3:prefix. So a 403
 * is checked with a one-key listing (Prefix: the key, MaxKeys: 1), which carries s3:prefix and is allowed: the
 * key listed first is the key itself when the object exists. Absent → true (as a 404). Listed, or a listing that
 * fails too → false, and the caller rethrows its original error: an object that is there and refused (a bucket
 * policy, a KMS key, a bucket of another owner) still fails loudly.
 */
export async function isMissingS3Object(s3: S3Client, bucket: string, key: string, err: unknown): Promise<boolean> {
  if (isS3NotFound(err)) return true;
  if (!isS3AccessDenied(err) || isArchivedRefusal(err)) return false;
  try {
    const listed = (await listObjectsPage(s3, { Bucket: bucket, Prefix: key, MaxKeys: 1 })).Contents ?? [];
    if (listed.some((o) => o.Key === key)) return false;
    // Only a listing that kept to the prefix proves the key absent: an endpoint that ignores Prefix proves nothing.
    return listed.every((o) => o.Key?.startsWith(key) === true);
  } catch {
    // The listing's own failure says nothing about the key: the original refusal is the error to report.
    return false;
  }
}
