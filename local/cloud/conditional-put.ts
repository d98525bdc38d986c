import type S3rver from 's3rver';
import { s3RequestPath } from './s3-request-path';
import { createsObject } from './object-creating-request';
import { replyS3Error } from './s3-xml-reply';

/**
 * `If-None-Match: *` for s3rver, which ignores the header and overwrites, on the two requests S3 honours it on:
 * PutObject, and CompleteMultipartUpload (a POST with `uploadId`). The vault's creation relies on it (docs/FORMAT.md
 * §2, exactly one `config` wins), and so does every create-only write of a pack large enough to go up in parts
 * (S3VaultStore.put). Writes of one key with the header are serialised, and a key that exists gets S3's answer,
 * 412 PreconditionFailed; a refused completion leaves its upload as it was (the writer aborts it). A plain PUT
 * racing a conditional one is not serialised (S3 makes no promise there either).
 */
export function conditionalPutMiddleware(store: S3rver.Store): S3rver.Middleware {
  const inFlight = new Map<string, Promise<void>>();
  return async (ctx, next) => {
    if (ctx.headers['if-none-match'] !== '*' || !createsObject(ctx)) return next();
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
