import { readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import type S3rver from 's3rver';
import { replyS3Error } from './s3-xml-reply';
import { s3RequestPath } from './s3-request-path';

type UploadStore = S3rver.Store & { getResourcePath(bucket: string, key: string | undefined, resource: string): string };

/**
 * AbortMultipartUpload (`DELETE /<bucket>/<key>?uploadId=…`), which s3rver answers 405: the upload's
 * parts (s3rver's filesystem store keeps them under the bucket's `uploads` resource, one directory
 * per upload id, with the upload's key beside them) are removed and S3's 204 answered; an unknown
 * upload, or one of another key, is S3's 404 NoSuchUpload. A failed restore's abandon step relies on
 * it (lambdas/restore/abandon-restore.ts).
 */
export function abortMultipartUploadMiddleware(store: S3rver.Store): S3rver.Middleware {
  return async (ctx, next) => {
    const uploadId = ctx.method === 'DELETE' ? new URLSearchParams(ctx.querystring).get('uploadId') : null;
    const { bucket, key } = s3RequestPath(ctx);
    if (uploadId === null || bucket === '' || key === '') return next();
    // s3rver's own upload ids are 32 hex digits: anything else names no upload (and no path outside the store).
    const dir = /^[0-9a-f]{32}$/.test(uploadId) ? path.join((store as UploadStore).getResourcePath(bucket, undefined, 'uploads'), uploadId) : undefined;
    const uploadKey = dir ? await readFile(path.join(dir, 'key'), 'utf8').catch(() => undefined) : undefined;
    if (!dir || uploadKey !== key) {
      replyS3Error(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', `<UploadId>${uploadId.replace(/[^0-9A-Za-z]/g, '')}</UploadId>`);
      return;
    }
    await rm(dir, { recursive: true, force: true });
    ctx.status = 204;
    ctx.body = '';
  };
}
