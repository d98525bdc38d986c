import type S3rver from 's3rver';
import { s3RequestPath } from './s3-request-path';
import { replyS3Error } from './s3-xml-reply';

/**
 * `PutObject` with `If-None-Match: *` for s3rver, which ignores the header and overwrites: the
 * vault's creation relies on it (docs/FORMAT.md §2, exactly one `config` wins). Writes of one key
 * with the header are serialised, and a key that exists gets S3's answer, 412 PreconditionFailed.
 * A plain PUT racing a conditional one is not serialised (S3 makes no promise there either).
 */
export function conditionalPutMiddleware(store: S3rver.Store): S3rver.Middleware {
  const inFlight = new Map<string, Promise<void>>();
  return async (ctx, next) => {
    const query = new URLSearchParams(ctx.querystring);
    if (ctx.method !== 'PUT' || ctx.headers['if-none-match'] !== '*' || query.has('uploadId') || query.has('partNumber')) return next();
    const { bucket, key } = s3RequestPath(ctx);
    if (!bucket || !key) return next();
    const id = `${bucket}/${key}`;
    const before = inFlight.get(id) ?? Promise.resolve();
    let done!: () => void;
    const mine = before.then(() => new Promise<void>((resolve) => (done = resolve)));
    inFlight.set(id, mine);
    await before;
    try {
      if (await store.existsObject(bucket, key)) {
        replyS3Error(ctx, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', '<Condition>If-None-Match</Condition>');
        return;
      }
      await next();
    } finally {
      done();
      if (inFlight.get(id) === mine) inFlight.delete(id);
    }
  };
}
