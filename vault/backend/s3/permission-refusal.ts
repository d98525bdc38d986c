import { httpStatusOf } from './sdk-error';

/**
 * S3's own error under any wrapper: the Lambda runtime's ExpectedBucketOwner check turns a permission refusal's 403
 * (AccessDenied, a HEAD's bare 403) into a BucketOwnerMismatchError (lambdas/runtime/expected-bucket-owner.ts) and
 * keeps S3's as its cause, whose name is the only word of what the 403 was; any other 403 reaches the caller bare.
 */
export function s3ErrorOf(err: unknown): unknown {
  let s3: unknown = err;
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) if (httpStatusOf(e) !== undefined) s3 = e;
  return s3;
}

/**
 * The names the SDK gives a 403 without a body (a HEAD's): no code to read, so no word that it is not a refusal. The
 * SDK names it "Unknown" (older ones the status, or "Forbidden").
 */
const BODILESS_403_NAMES: ReadonlySet<string> = new Set(['Unknown', 'UnknownError', 'Forbidden', '403']);

/**
 * A 403 for want of a permission (IAM, a bucket policy, a KMS key: S3 answers a refused kms:Decrypt AccessDenied too):
 * AccessDenied by name, or a bodiless 403 that names nothing else. isS3AccessDenied takes any 403, so it also took
 * RequestTimeTooSkewed (the caller's clock), InvalidAccessKeyId and SignatureDoesNotMatch (its credentials) for a
 * refusal, whose advice (credentials with the permission) could not help (review r64B F3). Its callers that go on past
 * a refusal keep it; a caller that names the refusal asks this.
 */
export function isS3PermissionRefusal(err: unknown): boolean {
  const s3 = s3ErrorOf(err);
  const name = (s3 as { name?: unknown } | null | undefined)?.name;
  if (name === 'AccessDenied') return true;
  return httpStatusOf(s3) === 403 && (typeof name !== 'string' || BODILESS_403_NAMES.has(name));
}
