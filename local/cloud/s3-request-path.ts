import type S3rver from 's3rver';

/**
 * The bucket and key a path-style S3 request names (`/bucket/key…`), as the local cloud's
 * middlewares in front of s3rver read them: the key URL-decoded, '' for a request on the bucket
 * itself (or on no bucket: bucket '').
 */
export function s3RequestPath(ctx: S3rver.Context): { bucket: string; key: string } {
  const [bucket = '', ...keyParts] = ctx.path.slice(1).split('/');
  return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(keyParts.join('/')) };
}
