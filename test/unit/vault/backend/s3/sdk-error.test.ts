import { describe, expect, it } from '@jest/globals';
import { NoSuchKey, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { httpStatusOf, isS3AccessDenied, isS3NotFound, isS3ObjectLockRefusal, isS3PreconditionFailed } from '../../../../../vault';

/** An error as the SDK throws it for a response with this status and error code. */
function serviceError(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

describe('AWS SDK error tests', () => {
  it('reads the HTTP status, and nothing from errors that carry none', () => {
    expect(httpStatusOf(serviceError('SlowDown', 503))).toBe(503);
    expect(httpStatusOf(new Error('plain'))).toBeUndefined();
    expect(httpStatusOf(undefined)).toBeUndefined();
    expect(httpStatusOf({ $metadata: { httpStatusCode: '404' } })).toBeUndefined();
  });

  it('knows a missing object by its code, by a HEAD request\'s bare status name, or by 404 alone', () => {
    expect(isS3NotFound(new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'gone' }))).toBe(true);
    expect(isS3NotFound(new NotFound({ $metadata: { httpStatusCode: 404 }, message: '' }))).toBe(true);
    expect(isS3NotFound(serviceError('UnknownError', 404))).toBe(true);
    expect(isS3NotFound(serviceError('AccessDenied', 403))).toBe(false);
    expect(isS3NotFound(null)).toBe(false);
  });

  it('tells a failed condition and a refusal apart from other errors', () => {
    expect(isS3PreconditionFailed(serviceError('PreconditionFailed', 412))).toBe(true);
    expect(isS3PreconditionFailed(serviceError('ConditionalRequestConflict', 409))).toBe(false);
    expect(isS3AccessDenied(serviceError('AccessDenied', 403))).toBe(true);
    expect(isS3AccessDenied(serviceError('Forbidden', 403))).toBe(true);
    expect(isS3AccessDenied(serviceError('NoSuchBucket', 404))).toBe(false);
  });

  // Review r61Q F4: any 403 whose message said "object lock" anywhere (a key or a policy quoting it) passed for the lock's
  // refusal, and expectBucketOwner let such a denial through instead of naming the bucket's owner.
  it("knows Object Lock's refusal by S3's own wording only, and the local cloud's with its reason after it", () => {
    expect(isS3ObjectLockRefusal(serviceError('AccessDenied', 403, 'Access Denied because object protected by object lock.'))).toBe(true);
    expect(isS3ObjectLockRefusal(serviceError('AccessDenied', 403, 'Access Denied because object protected by object lock (GOVERNANCE until 2027-01-01T00:00:00.000Z)'))).toBe(true);
    expect(isS3ObjectLockRefusal(serviceError('AccessDenied', 403, 'Access Denied because object protected by object lock'))).toBe(true);
    expect(isS3ObjectLockRefusal(serviceError('AccessDenied', 403, 'User: arn:aws:sts::1:assumed-role/x is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::vault/data/object lock" because no identity-based policy allows it'))).toBe(false);
    expect(isS3ObjectLockRefusal(serviceError('AccessDenied', 403, 'Access Denied (explicit deny in a resource-based policy DenyObjectLockChanges: object lock)'))).toBe(false);
    expect(isS3ObjectLockRefusal(serviceError('AccessDenied', 403, 'Access Denied because object protected by object locksmith'))).toBe(false);
    expect(isS3ObjectLockRefusal(serviceError('AccessDenied', 403, 'Access Denied'))).toBe(false);
    expect(isS3ObjectLockRefusal(serviceError('InvalidRequest', 400, 'Access Denied because object protected by object lock.'))).toBe(false);
  });
});
