import { createRequire } from 'node:module';
import type S3rver from 's3rver';

type TaggingModule = { TaggingConfiguration: { validate(xml: string): unknown } };
type TaggingStore = S3rver.Store & { putSubresource(bucket: string, key: string, resource: unknown): Promise<void> };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * PutObject's `x-amz-tagging` header (URL-encoded `key=value&…`) for s3rver, which takes tags only through
 * PutObjectTagging: once the object is stored, its tag set is stored as PutObjectTagging would. Packs carry their
 * plan's tier tag this way (docs/ARCHITECTURE.md, "Storage tiers"). Tags of a multipart upload are not kept.
 */
export function putObjectTaggingMiddleware(store: S3rver.Store): S3rver.Middleware {
  const { TaggingConfiguration } = createRequire(__filename)('s3rver/lib/models/config') as TaggingModule;
  return async (ctx, next) => {
    const value = ctx.headers['x-amz-tagging'];
    const tagging = Array.isArray(value) ? value[0] : value;
    const query = new URLSearchParams(ctx.querystring);
    const plain = [...query.keys()].every((name) => name === 'x-id');
    if (ctx.method !== 'PUT' || tagging === undefined || !plain || ctx.headers['x-amz-copy-source'] !== undefined) return next();
    const [bucket = '', ...keyParts] = ctx.path.slice(1).split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    await next();
    if (ctx.status !== 200 || bucket === '' || key === '') return;
    const tags = [...new URLSearchParams(tagging)].map(([k, v]) => `<Tag><Key>${escapeXml(k)}</Key><Value>${escapeXml(v)}</Value></Tag>`).join('');
    await (store as TaggingStore).putSubresource(bucket, key, TaggingConfiguration.validate(`<Tagging><TagSet>${tags}</TagSet></Tagging>`));
  };
}
