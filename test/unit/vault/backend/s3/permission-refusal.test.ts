import { describe, expect, it } from '@jest/globals';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { isS3AccessDenied, isS3PermissionRefusal } from '../../../../../vault';

/** An error as the SDK throws it for a response with this status and error code. */
function serviceError(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

describe('a permission refusal (review r64B F3)', () => {
  it('is an AccessDenied, or a bodiless 403 whose name says nothing else', () => {
    expect(isS3PermissionRefusal(serviceError('AccessDenied', 403))).toBe(true);
    expect(isS3PermissionRefusal(serviceError('Unknown', 403, 'UnknownError'))).toBe(true);
    expect(isS3PermissionRefusal(serviceError('Forbidden', 403, ''))).toBe(true);
  });

  it('is not a 403 for the clock or the credentials, which isS3AccessDenied still takes for one (its callers go on past them)', () => {
    for (const name of ['RequestTimeTooSkewed', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled']) {
      expect(isS3PermissionRefusal(serviceError(name, 403))).toBe(false);
      expect(isS3AccessDenied(serviceError(name, 403))).toBe(true);
    }
    expect(isS3PermissionRefusal(serviceError('SlowDown', 503))).toBe(false);
    expect(isS3PermissionRefusal(new Error('Access Denied'))).toBe(false);
  });

  it("reads S3's error under a wrapper that keeps it as its cause (the runtime's ExpectedBucketOwner check)", () => {
    const wrapped = (cause: unknown): Error => Object.assign(new Error('bucket b: S3 answered GetObject with 403', { cause }), { name: 'BucketOwnerMismatchError', $metadata: { httpStatusCode: 403 } });
    expect(isS3PermissionRefusal(wrapped(serviceError('AccessDenied', 403)))).toBe(true);
    expect(isS3PermissionRefusal(wrapped(serviceError('RequestTimeTooSkewed', 403)))).toBe(false);
  });
});
