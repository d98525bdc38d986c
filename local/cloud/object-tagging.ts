import { createRequire } from 'node:module';
import type S3rver from 's3rver';
import { s3RequestPath } from './s3-request-path';

type TaggingModule = { TaggingConfiguration: { validate(xml: string): unknown } };
/** s3rver's tagging subresource as its store returns it: the parsed XML (a lone Tag is an object, several an array). */
type StoredTagging = { toJSON(): { Tagging?: { TagSet?: { Tag?: unknown } | '' } } };
type TaggingStore = S3rver.Store & {
  putSubresource(bucket: string, key: string, resource: unknown): Promise<void>;
  getSubresource(bucket: string, key: string, type: 'tagging'): Promise<StoredTagging | null>;
  deleteSubresource(bucket: string, key: string, type: 'tagging'): Promise<void>;
};

/** Query parameters that leave a GET or HEAD a plain read of the object (not of a subresource such as ?tagging). */
const PLAIN_READ_PARAMETERS = new Set(['x-id', 'partNumber', 'versionId']);

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Object tags as S3 keeps them, where s3rver does not (it keeps a tag set only through PutObjectTagging, in a
 * file beside the object that outlives the object):
 *
 * - The `x-amz-tagging` header (URL-encoded `key=value&…`) of PutObject and of CreateMultipartUpload. PutObject: once
 *   the object is stored, its tag set is stored as PutObjectTagging would. CreateMultipartUpload: the tags are kept with
 *   the upload id and given to the object when CompleteMultipartUpload stores it, as S3 does (the S3 API reference,
 *   CreateMultipartUpload, `x-amz-tagging`: "The tag-set for the object"; the upload's object carries it once
 *   completed). Packs carry their plan's tier tag this way, also the large ones written in parts (docs/ARCHITECTURE.md,
 *   "Storage tiers"). Uploads are kept in memory: an upload begun before the cloud restarted completes without its tags.
 * - A write makes a new object with only the tags it names: a PutObject or a completed upload without the header leaves
 *   the key untagged, and a CopyObject takes the source's tags (`x-amz-tagging-directive` COPY, the default) or the
 *   header's (REPLACE). DeleteObject removes the tag set with the object. s3rver kept the old tag set in both cases, so a
 *   key overwritten or deleted and written again showed the tags of an object that no longer existed.
 * - GetObject and HeadObject answer `x-amz-tagging-count` (the SDK's TagCount) for an object with tags, as S3 does for
 *   a caller allowed to read them: readers skip GetObjectTagging for untagged objects (lambdas/sources/s3-object-entries.ts,
 *   lambdas/restore/restored-entry-check.ts).
 */
export function objectTaggingMiddleware(store: S3rver.Store): S3rver.Middleware {
  const { TaggingConfiguration } = createRequire(__filename)('s3rver/lib/models/config') as TaggingModule;
  const tagging = store as TaggingStore;
  /** Upload id → the tagging header of its CreateMultipartUpload. */
  const uploadTags = new Map<string, string>();
  const storeTags = async (bucket: string, key: string, header: string | undefined): Promise<void> => {
    const tags = [...new URLSearchParams(header ?? '')];
    if (tags.length === 0) return tagging.deleteSubresource(bucket, key, 'tagging');
    const xml = tags.map(([k, v]) => `<Tag><Key>${escapeXml(k)}</Key><Value>${escapeXml(v)}</Value></Tag>`).join('');
    await tagging.putSubresource(bucket, key, TaggingConfiguration.validate(`<Tagging><TagSet>${xml}</TagSet></Tagging>`));
  };
  const copyTags = async (source: { bucket: string; key: string }, bucket: string, key: string): Promise<void> => {
    const tags = await tagging.getSubresource(source.bucket, source.key, 'tagging');
    if (tags) await tagging.putSubresource(bucket, key, tags);
    else await tagging.deleteSubresource(bucket, key, 'tagging');
  };
  return async (ctx, next) => {
    const value = ctx.headers['x-amz-tagging'];
    const header = Array.isArray(value) ? value[0] : value;
    const query = new URLSearchParams(ctx.querystring);
    const { bucket, key } = s3RequestPath(ctx);
    if (bucket === '' || key === '') return next();

    if (ctx.method === 'POST' && query.has('uploads')) {
      await next();
      const uploadId = ctx.status === 200 && typeof ctx.body === 'string' ? /<UploadId>([^<]+)<\/UploadId>/.exec(ctx.body)?.[1] : undefined;
      if (header !== undefined && uploadId !== undefined) uploadTags.set(uploadId, header);
      return;
    }
    const uploadId = ctx.method === 'POST' ? query.get('uploadId') : null;
    if (uploadId !== null) {
      await next();
      if (ctx.status !== 200) return;
      const uploaded = uploadTags.get(uploadId);
      uploadTags.delete(uploadId);
      await storeTags(bucket, key, uploaded);
      return;
    }

    const names = [...query.keys()];
    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && names.every((name) => PLAIN_READ_PARAMETERS.has(name) || name.startsWith('response-'))) {
      await next();
      if (ctx.status !== 200 && ctx.status !== 206) return;
      const count = tagCount(await tagging.getSubresource(bucket, key, 'tagging'));
      if (count > 0) ctx.set('x-amz-tagging-count', String(count));
      return;
    }
    if (!names.every((name) => name === 'x-id')) return next();
    if (ctx.method === 'DELETE') {
      await next();
      if (ctx.status === 204) await tagging.deleteSubresource(bucket, key, 'tagging');
      return;
    }
    if (ctx.method !== 'PUT') return next();
    await next();
    if (ctx.status !== 200) return;
    const copySource = ctx.headers['x-amz-copy-source'];
    const source = typeof copySource === 'string' ? copySourceOf(copySource) : undefined;
    const directive = ctx.headers['x-amz-tagging-directive'];
    if (source && directive !== 'REPLACE') await copyTags(source, bucket, key);
    else await storeTags(bucket, key, header);
  };
}

function tagCount(stored: StoredTagging | null): number {
  const tagSet = stored?.toJSON().Tagging?.TagSet;
  const tag = typeof tagSet === 'object' ? tagSet.Tag : undefined;
  return tag === undefined ? 0 : Array.isArray(tag) ? tag.length : 1;
}

/** `x-amz-copy-source`: `[/]bucket/key[?versionId=…]`, the key URL-encoded. */
function copySourceOf(header: string): { bucket: string; key: string } | undefined {
  const [path = ''] = header.replace(/^\//, '').split('?');
  const slash = path.indexOf('/');
  if (slash <= 0) return undefined;
  return { bucket: decodeURIComponent(path.slice(0, slash)), key: decodeURIComponent(path.slice(slash + 1)) };
}
