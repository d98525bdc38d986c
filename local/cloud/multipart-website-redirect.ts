import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type S3rver from 's3rver';
import { replyS3Error } from './s3-xml-reply';
import { s3RequestPath } from './s3-request-path';

type UploadStore = S3rver.Store & { getResourcePath(bucket: string, key: string | undefined, resource: string): string };

const HEADER = 'x-amz-website-redirect-location';

/**
 * `x-amz-website-redirect-location` on CreateMultipartUpload (`POST /<bucket>/<key>?uploads`), which
 * S3 takes and s3rver refuses with InvalidArgument "not supported for this operation" (it allows it
 * on PUT only). A restore sets the header recorded by the backup on the multipart upload of a large
 * or split object, as on a PutObject (lambdas/restore/s3-object-header-input.ts). The header is taken
 * off the request before s3rver sees it and, once the upload exists, written into the upload's stored
 * headers (s3rver keeps them in `uploads/<id>/metadata` and gives the completed object those it
 * keeps for objects, this one included), so GET and HEAD of the completed object answer it. The
 * value must start with `/`, `http://` or `https://`, as S3 (and s3rver on PUT) require.
 */
export function multipartWebsiteRedirectMiddleware(store: S3rver.Store): S3rver.Middleware {
  return async (ctx, next) => {
    const value = ctx.headers[HEADER];
    if (ctx.method !== 'POST' || typeof value !== 'string' || !new URLSearchParams(ctx.querystring).has('uploads')) return next();
    const { bucket, key } = s3RequestPath(ctx);
    if (bucket === '' || key === '') return next();
    if (!/^(https?:\/)?\//.test(value)) {
      replyS3Error(ctx, 400, 'InvalidArgument', "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.");
      return;
    }
    delete ctx.headers[HEADER];
    await next();
    const uploadId = ctx.status === 200 && typeof ctx.body === 'string' ? /<UploadId>([0-9a-f]{32})<\/UploadId>/.exec(ctx.body)?.[1] : undefined;
    if (uploadId === undefined) return;
    const stored = path.join((store as UploadStore).getResourcePath(bucket, undefined, 'uploads'), uploadId, 'metadata');
    const headers = JSON.parse(await readFile(stored, 'utf8')) as Record<string, unknown>;
    await writeFile(stored, JSON.stringify({ ...headers, [HEADER]: value }));
  };
}
