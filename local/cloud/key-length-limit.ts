import type S3rver from 's3rver';
import { createsObject } from './object-creating-request';
import { s3RequestPath } from './s3-request-path';
import { replyS3Error } from './s3-xml-reply';

/** S3's longest object key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * S3's key length limit, which s3rver lacks: PutObject, CopyObject, CreateMultipartUpload (and a
 * CompleteMultipartUpload, whose upload S3 could not have created) of a key over 1,024 bytes of
 * UTF-8 is 400 KeyTooLongError, as in AWS, before anything is written. Without it a writer that
 * makes keys too long (a restore's target prefix added to a 1,024-byte key) passes every local test
 * and fails in AWS part-way through.
 */
export function keyLengthLimitMiddleware(): S3rver.Middleware {
  return async (ctx, next) => {
    const creates = createsObject(ctx) || (ctx.method === 'POST' && new URLSearchParams(ctx.querystring).has('uploads'));
    if (!creates) return next();
    const { bucket, key } = s3RequestPath(ctx);
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bucket === '' || bytes <= MAX_KEY_BYTES) return next();
    replyS3Error(ctx, 400, 'KeyTooLongError', 'Your key is too long', `<Size>${bytes}</Size><MaxSizeAllowed>${MAX_KEY_BYTES}</MaxSizeAllowed>`);
  };
}
