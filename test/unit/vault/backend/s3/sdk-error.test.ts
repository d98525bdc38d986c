import { describe, expect, it } from '@jest/globals';
import { NoSuchKey, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { httpStatusOf, isS3AccessDenied, isS3NotFound, isS3PreconditionFailed } from '../../../../../vault';

/** An error as the SDK throws it for a response with this status and error code. */
function serviceError(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: name });
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
});
