import { httpStatusOf, isS3PermissionRefusal, s3ErrorOf } from '../../vault';

/**
 * What a scrub says to do of a 403 that is no want of a permission (`cause`, S3's error), undefined for any other
 * error: other credentials with the permission (the refused read's advice) could not help, and sent the operator to IAM
 * for a clock or a key (review r64B F3). `rerun`: the run to run again ("scrub", or "scrub with repair"); `runner`: what
 * sent the request, whose machine's clock it is (a backup and a catalog rebuild say the same of their 403s: review r65M F2).
 */
export function notPermissionRefusalAdvice(cause: unknown, rerun: string, runner = 'the scrub'): string | undefined {
  const s3 = s3ErrorOf(cause);
  if (httpStatusOf(s3) !== 403 || isS3PermissionRefusal(cause)) return undefined;
  const name = String((s3 as { name?: unknown }).name);
  switch (name) {
    case 'RequestTimeTooSkewed':
      return `S3 refused the request for its time, not for a permission (RequestTimeTooSkewed): the clock of the machine ${runner} ran on is more than 15 minutes off S3's; set it right (NTP), then ${rerun} again`;
    case 'InvalidAccessKeyId':
      return `S3 knows no such access key (InvalidAccessKeyId), whatever its permissions: the credentials are not AWS's (a deleted or mistyped key, another partition's, a local cloud's); ${rerun} again with valid credentials`;
    case 'SignatureDoesNotMatch':
      return `the request's signature does not match its access key (SignatureDoesNotMatch), whatever its permissions: the credentials' secret key is not that key's (or something on the way changed the request); ${rerun} again with the key's own secret`;
    default:
      return `S3 answered 403 ${name}, which is no want of a permission: put right what its words say, then ${rerun} again`;
  }
}
