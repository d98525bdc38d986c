import type S3rver from 's3rver';
import { EMULATED_STORAGE_CLASSES, isArchiveClass, type StorageClassRecord, StorageClassState, thawState } from './storage-class-state';
import { escapeXml, replyS3Error } from './s3-xml-reply';
import { unescapeXml } from './xml-character-references';
import { readRequestText, requestHeader } from './request-reads';

/**
 * Storage classes and thaws for s3rver (docs/LOCAL-CLOUD.md, "Storage classes and thaws"), as S3 documents them:
 * - PutObject honours `x-amz-storage-class` (every class S3 has for general-purpose buckets); an overwrite without
 *   it makes the object STANDARD again; DeleteObject forgets it. (Lifecycle rules are not run: tests and the demo
 *   move objects with `transitionObjects`.)
 * - GET of an object in GLACIER or DEEP_ARCHIVE answers 403 InvalidObjectState, naming the class, unless a thawed
 *   copy exists; GET and HEAD send `x-amz-storage-class` for every class but STANDARD, HEAD also `x-amz-restore`
 *   (`ongoing-request="true"`, then `ongoing-request="false", expiry-date="…"`); ListObjects(V2) report StorageClass.
 * - RestoreObject (POST ?restore): 202 when it starts a thaw, 409 RestoreAlreadyInProgress while one runs, 200 when a
 *   thawed copy exists (its expiry moves to Days from now); 403 InvalidObjectState for an object not archived; 404
 *   NoSuchKey for an absent one. A thaw completes `thawSeconds` after it was asked for, whatever the tier.
 */
export type StorageClassOptions = {
  /** Where the records live (storage-class-state.ts). */
  readonly dir: string;
  /** Seconds a thaw takes. @default LIFEBOAT_LOCAL_THAW_SECONDS, or 2 */
  readonly thawSeconds?: number;
  readonly now?: () => Date;
};

/** The variable that sets the local cloud's thaw time in seconds (a fraction is allowed). */
export const LOCAL_THAW_SECONDS_ENV = 'LIFEBOAT_LOCAL_THAW_SECONDS';
const DEFAULT_THAW_SECONDS = 2;

export function thawSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[LOCAL_THAW_SECONDS_ENV];
  const seconds = text === undefined || text === '' ? DEFAULT_THAW_SECONDS : Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`${LOCAL_THAW_SECONDS_ENV} must be a number of seconds of 0 or more, got ${JSON.stringify(text)}`);
  return seconds;
}

const KNOWN_CLASSES: ReadonlySet<string> = new Set(EMULATED_STORAGE_CLASSES);
const DAY_MS = 86_400_000;





export function storageClassMiddleware(store: S3rver.Store, options: StorageClassOptions): S3rver.Middleware {
  const state = new StorageClassState(options.dir);
  const thawMs = (options.thawSeconds ?? thawSecondsFromEnv()) * 1000;
  const now = options.now ?? (() => new Date());
  return async (ctx, next) => {
    const query = new URLSearchParams(ctx.querystring);
    const [bucket = '', ...keyParts] = ctx.path.slice(1).split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    if (bucket === '') return next();
    // Bucket listings: the StorageClass of each object.
    if (key === '' && ctx.method === 'GET' && !['tagging', 'versioning', 'location', 'lifecycle', 'policy', 'uploads', 'object-lock', 'acl', 'cors', 'website'].some((s) => query.has(s))) {
      await next();
      if (typeof ctx.body === 'string' && ctx.body.includes('<Contents>') && (await state.hasAny(bucket))) ctx.body = await withStorageClasses(ctx.body, bucket, state);
      return;
    }
    if (key === '') return next();
    // The SDK adds x-id=<operation> to every request; anything else (tagging, acl, uploadId, ...) is a subresource.
    const plainObjectRequest = [...query.keys()].every((name) => name === 'x-id' || name === 'versionId');

    if (ctx.method === 'POST' && query.has('restore')) {
      const body = await readRequestText(ctx.req);
      if (!(await store.existsObject(bucket, key))) return replyS3Error(ctx, 404, 'NoSuchKey', 'The specified key does not exist.', `<Key>${escapeXml(key)}</Key>`);
      const record = await state.object(bucket, key);
      if (!record || !isArchiveClass(record.storageClass)) return replyS3Error(ctx, 403, 'InvalidObjectState', "Restore is not allowed for the object's current storage class");
      const days = Number(/<Days>\s*(\d+)\s*<\/Days>/.exec(body)?.[1] ?? Number.NaN);
      if (!Number.isInteger(days) || days < 1) return replyS3Error(ctx, 400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema (Days must be a positive integer)');
      const tier = unescapeXml(/<Tier>\s*([^<]*?)\s*<\/Tier>/.exec(body)?.[1] ?? 'Standard');
      if (!['Expedited', 'Standard', 'Bulk'].includes(tier)) return replyS3Error(ctx, 400, 'MalformedXML', `The XML you provided was not well-formed or did not validate against our published schema (Tier ${tier})`);
      if (tier === 'Expedited' && record.storageClass === 'DEEP_ARCHIVE') return replyS3Error(ctx, 400, 'InvalidArgument', 'Expedited retrieval is not supported for the DEEP_ARCHIVE storage class');
      const at = now();
      const thaw = thawState(record, at);
      if (thaw === 'in-progress') return replyS3Error(ctx, 409, 'RestoreAlreadyInProgress', 'Object restore is already in progress');
      if (thaw === 'ready' && record.thaw) {
        await state.setObject(bucket, key, { ...record, thaw: { ...record.thaw, expiresAt: new Date(at.getTime() + days * DAY_MS).toISOString() } });
        ctx.status = 200;
        ctx.body = '';
        return;
      }
      const readyAt = at.getTime() + thawMs;
      await state.setObject(bucket, key, {
        storageClass: record.storageClass,
        thaw: { requestedAt: at.toISOString(), readyAt: new Date(readyAt).toISOString(), expiresAt: new Date(readyAt + days * DAY_MS).toISOString(), tier },
      });
      ctx.status = 202;
      ctx.body = '';
      return;
    }

    if (ctx.method === 'PUT' && plainObjectRequest && requestHeader(ctx.headers, 'x-amz-copy-source') === undefined) {
      const requested = requestHeader(ctx.headers, 'x-amz-storage-class') ?? 'STANDARD';
      if (!KNOWN_CLASSES.has(requested)) return replyS3Error(ctx, 400, 'InvalidStorageClass', 'The storage class you specified is not valid');
      // Kept here, not by s3rver (which refuses GLACIER_IR): one place knows each object's class.
      delete ctx.headers['x-amz-storage-class'];
      await next();
      if (ctx.status === 200) await state.setObject(bucket, key, requested === 'STANDARD' ? undefined : { storageClass: requested });
      return;
    }

    if (ctx.method === 'DELETE' && plainObjectRequest) {
      await next();
      if (ctx.status === 204 || ctx.status === 200) await state.setObject(bucket, key, undefined);
      return;
    }

    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && plainObjectRequest) {
      const record = await state.object(bucket, key);
      if (!record) return next();
      const thaw = thawState(record, now());
      if (ctx.method === 'GET' && isArchiveClass(record.storageClass) && thaw !== 'ready' && (await store.existsObject(bucket, key))) {
        return replyS3Error(ctx, 403, 'InvalidObjectState', "The operation is not valid for the object's storage class", `<StorageClass>${record.storageClass}</StorageClass>`);
      }
      await next();
      if (ctx.status !== 200 && ctx.status !== 206) return;
      ctx.set('x-amz-storage-class', record.storageClass);
      if (ctx.method === 'HEAD' && record.thaw && thaw !== 'none') {
        ctx.set('x-amz-restore', thaw === 'in-progress' ? 'ongoing-request="true"' : `ongoing-request="false", expiry-date="${new Date(record.thaw.expiresAt).toUTCString()}"`);
      }
      return;
    }
    return next();
  };
}

/** Rewrites each listed object's `<StorageClass>` (s3rver always says STANDARD) from the records. */
async function withStorageClasses(xml: string, bucket: string, state: StorageClassState): Promise<string> {
  const parts = xml.split(/(<Contents>[\s\S]*?<\/Contents>)/);
  const rewritten = await Promise.all(
    parts.map(async (part) => {
      if (!part.startsWith('<Contents>')) return part;
      const key = /<Key>([^<]*)<\/Key>/.exec(part)?.[1];
      if (key === undefined) return part;
      const record: StorageClassRecord | undefined = await state.object(bucket, unescapeXml(key));
      if (!record) return part;
      return part.replace(/<StorageClass>[^<]*<\/StorageClass>/, `<StorageClass>${record.storageClass}</StorageClass>`);
    }),
  );
  return rewritten.join('');
}
