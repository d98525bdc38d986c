import { createRequire } from 'node:module';
import type S3rver from 's3rver';
import { s3RequestPath } from './s3-request-path';

type TaggingModule = { TaggingConfiguration: { validate(xml: string): unknown } };
type TaggingStore = S3rver.Store & { putSubresource(bucket: string, key: string, resource: unknown): Promise<void> };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The `x-amz-tagging` header (URL-encoded `key=value&…`) of PutObject and of CreateMultipartUpload for s3rver, which
 * takes tags only through PutObjectTagging. PutObject: once the object is stored, its tag set is stored as
 * PutObjectTagging would. CreateMultipartUpload: the tags are kept with the upload id and given to the object when
 * CompleteMultipartUpload stores it, as S3 does (the S3 API reference, CreateMultipartUpload, `x-amz-tagging`: "The tag-set
 * for the object"; the upload's object carries it once completed). Packs carry their plan's tier tag this way, also the
 * large ones written in parts (docs/ARCHITECTURE.md, "Storage tiers"). Uploads are kept in memory: an upload begun before
 * the cloud restarted completes without its tags.
 */
export function putObjectTaggingMiddleware(store: S3rver.Store): S3rver.Middleware {
  const { TaggingConfiguration } = createRequire(__filename)('s3rver/lib/models/config') as TaggingModule;
  /** Upload id → the tagging header of its CreateMultipartUpload. */
  const uploadTags = new Map<string, string>();
  const storeTags = async (bucket: string, key: string, tagging: string): Promise<void> => {
    const tags = [...new URLSearchParams(tagging)].map(([k, v]) => `<Tag><Key>${escapeXml(k)}</Key><Value>${escapeXml(v)}</Value></Tag>`).join('');
    await (store as TaggingStore).putSubresource(bucket, key, TaggingConfiguration.validate(`<Tagging><TagSet>${tags}</TagSet></Tagging>`));
  };
  return async (ctx, next) => {
    const value = ctx.headers['x-amz-tagging'];
    const tagging = Array.isArray(value) ? value[0] : value;
    const query = new URLSearchParams(ctx.querystring);
    const { bucket, key } = s3RequestPath(ctx);
    if (bucket === '' || key === '') return next();

    if (ctx.method === 'POST' && query.has('uploads')) {
      await next();
      const uploadId = ctx.status === 200 && typeof ctx.body === 'string' ? /<UploadId>([^<]+)<\/UploadId>/.exec(ctx.body)?.[1] : undefined;
      if (tagging !== undefined && uploadId !== undefined) uploadTags.set(uploadId, tagging);
      return;
    }
    const uploadId = ctx.method === 'POST' ? query.get('uploadId') : null;
    if (uploadId !== null) {
      await next();
      const uploaded = uploadTags.get(uploadId);
      if (ctx.status !== 200 || uploaded === undefined) return;
      uploadTags.delete(uploadId);
      await storeTags(bucket, key, uploaded);
      return;
    }

    const plain = [...query.keys()].every((name) => name === 'x-id');
    if (ctx.method !== 'PUT' || tagging === undefined || !plain || ctx.headers['x-amz-copy-source'] !== undefined) return next();
    await next();
    if (ctx.status === 200) await storeTags(bucket, key, tagging);
  };
}
