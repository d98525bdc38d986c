import type S3rver from 's3rver';
import { replyS3Error } from './s3-xml-reply';
import { s3RequestPath } from './s3-request-path';

/** Query parameters of a plain GetObject or HeadObject. */
const OBJECT_PARAMETERS = new Set(['x-id', 'partNumber', 'versionId']);

/**
 * `GetObject` and `HeadObject` with `If-Match: <etag>` for s3rver, which ignores the header: a backup
 * reads the byte ranges of a split object with it, so that every piece is of the version planned
 * (docs/ARCHITECTURE.md, "Objects split by byte ranges"). An object whose ETag is another gets S3's
 * answer, 412 PreconditionFailed (HEAD: the status alone); a missing object is left to s3rver (404).
 */
export function conditionalGetMiddleware(store: S3rver.Store & S3rver.ObjectMetadata): S3rver.Middleware {
  return async (ctx, next) => {
    const ifMatch = ctx.headers['if-match'];
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ifMatch === undefined) return next();
    const query = new URLSearchParams(ctx.querystring);
    // Only the object itself: subresources (?tagging, ?acl, …) and multipart listings are not conditional (x-id: the SDK's operation name).
    if ([...query.keys()].some((name) => !OBJECT_PARAMETERS.has(name) && !name.startsWith('response-'))) return next();
    const { bucket, key } = s3RequestPath(ctx);
    if (!bucket || !key) return next();
    let etag: string;
    try {
      etag = String((await store.getMetadata(bucket, key)).etag);
    } catch {
      return next();
    }
    const wanted = ifMatch.split(',').map((t) => t.trim());
    if (wanted.includes('*') || wanted.includes(etag)) return next();
    if (ctx.method === 'HEAD') {
      ctx.status = 412;
      ctx.body = '';
      return;
    }
    replyS3Error(ctx, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', '<Condition>If-Match</Condition>');
  };
}
