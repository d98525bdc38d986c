import { httpStatusOf, isS3PermissionRefusal, s3ErrorOf } from '../../vault';
import { BucketOwnerMismatchError } from '../runtime/expected-bucket-owner';

/**
 * What a scrub's read stops with for `err`, a read's error that is no refusal: a 403 that is no want of a permission
 * (RequestTimeTooSkewed, InvalidAccessKeyId, SignatureDoesNotMatch) stops it with S3's own error. In a Lambda the
 * runtime wrapped every vault 403 in BucketOwnerMismatchError (until fix f65D; now only a permission refusal's), whose message said "403 AccessDenied … check its IAM
 * policy" of a clock off by more than 15 minutes (review r64K F2): S3's error it keeps as its cause is thrown instead.
 * Any other error as it is.
 */
export function notRefusalAsSaid(err: unknown): unknown {
  if (!(err instanceof BucketOwnerMismatchError) || isS3PermissionRefusal(err)) return err;
  const s3 = s3ErrorOf(err);
  return s3 !== err && httpStatusOf(s3) === 403 ? s3 : err;
}
