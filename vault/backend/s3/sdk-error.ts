/**
 * What Lifeboat reads of an AWS SDK v3 error. The SDK names an error after the service's error code
 * when the response has a body, but a HEAD request has none: its error is named only after the
 * status ("NotFound", "Forbidden"), so each test below also looks at `$metadata.httpStatusCode`.
 */
type SdkErrorShape = { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null | undefined;

export function httpStatusOf(err: unknown): number | undefined {
  const status = (err as SdkErrorShape)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function nameOf(err: unknown): unknown {
  return (err as SdkErrorShape)?.name;
}

/** The object (or the bucket, for a HEAD) is not there: GetObject's NoSuchKey, HeadObject's NotFound, any 404. */
export function isS3NotFound(err: unknown): boolean {
  const name = nameOf(err);
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatusOf(err) === 404;
}

/** 412: a conditional request's condition (If-None-Match: *, If-Match: <etag>) did not hold. */
export function isS3PreconditionFailed(err: unknown): boolean {
  return nameOf(err) === 'PreconditionFailed' || httpStatusOf(err) === 412;
}

/** 403: the request was refused (IAM, a bucket policy, a KMS key policy). */
export function isS3AccessDenied(err: unknown): boolean {
  return nameOf(err) === 'AccessDenied' || httpStatusOf(err) === 403;
}

/**
 * 403 AccessDenied "Access Denied because object protected by object lock.": S3 refused to delete a locked version (or
 * to shorten its retention). It speaks of the object's lock, not of who may call S3, so it is told apart from a denial
 * by IAM or a bucket's owner by its message: S3 sends the same code for both. Anchored to S3's wording (the local
 * cloud's adds its reason in brackets after it): a denial whose message merely quotes "object lock" somewhere, a key or
 * a policy's, is a denial still (review r61Q F4), and expectBucketOwner must not let a foreign bucket's 403 through.
 */
const OBJECT_LOCK_REFUSAL = /^Access Denied because object protected by object lock(?:[.\s(]|$)/i;

export function isS3ObjectLockRefusal(err: unknown): boolean {
  return err instanceof Error && httpStatusOf(err) === 403 && OBJECT_LOCK_REFUSAL.test(err.message);
}
