import { type Readable } from 'node:stream';
import type S3rver from 's3rver';
import { readRecordFile, writeRecordFile } from './json-state-files';
import { MAX_LIFECYCLE_BYTES, parseLifecycleConfiguration } from './lifecycle-configuration-xml';
import { escapeXml, replyS3Error, replyXml, S3Failure } from './s3-xml-reply';

/**
 * Bucket lifecycle configurations, which s3rver lacks (it answers 501), kept as S3 keeps them
 * (docs/LOCAL-CLOUD.md, "Bucket lifecycle configuration"): Put/Get/DeleteBucketLifecycle (`?lifecycle`; Get of a
 * bucket without one is 404 NoSuchLifecycleConfiguration). The rules are checked and stored as they were put, in
 * the form they are read back (lifecycle-configuration-xml.ts), and never run:
 * nothing expires, transitions or aborts an upload locally (a test moves objects itself: transition-objects.ts).
 * DeleteBucket forgets the bucket's. Kept per region in `<data-dir>/s3/<region>-bucket-lifecycle.json`.
 */
export class BucketLifecycleState {
  private readonly configurations: Map<string, string>;

  constructor(private readonly file: string) {
    this.configurations = new Map(Object.entries(readRecordFile<string>(file, (value): value is string => typeof value === 'string')));
  }

  /** The bucket's `<LifecycleConfiguration>` document as it was put, if it has one. */
  of(bucket: string): string | undefined {
    return this.configurations.get(bucket);
  }

  set(bucket: string, configuration: string): void {
    this.configurations.set(bucket, configuration);
    this.save();
  }

  forget(bucket: string): void {
    if (this.configurations.delete(bucket)) this.save();
  }

  private save(): void {
    writeRecordFile(this.file, this.configurations);
  }
}

/** The request's body, refused past MAX_LIFECYCLE_BYTES as S3 refuses an oversized document, without reading on. */
async function readLifecycleBody(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    bytes += piece.length;
    if (bytes > MAX_LIFECYCLE_BYTES) throw new S3Failure(400, 'MaxMessageLengthExceeded', `Your request was too big: a lifecycle configuration of at most ${MAX_LIFECYCLE_BYTES} bytes is kept`);
    chunks.push(piece);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function bucketLifecycleMiddleware(store: S3rver.Store, state: BucketLifecycleState): S3rver.Middleware {
  return async (ctx, next) => {
    const path = ctx.path.slice(1);
    const bucket = path.split('/')[0] ?? '';
    if (bucket === '' || path.slice(bucket.length).replace(/^\/+/, '') !== '') return next();
    const query = new URLSearchParams(ctx.querystring);
    if ([...query.keys()].length === 0) {
      await next();
      if (ctx.method === 'DELETE' && ctx.status === 204) state.forget(bucket);
      return;
    }
    if (!query.has('lifecycle')) return next();
    try {
      if (!(await store.getBucket(bucket))) throw new S3Failure(404, 'NoSuchBucket', 'The specified bucket does not exist');
      return await lifecycleRequest(ctx, bucket, state);
    } catch (err) {
      if (!(err instanceof S3Failure)) throw err;
      return replyS3Error(ctx, err.status, err.code, err.message, `<BucketName>${escapeXml(bucket)}</BucketName>`);
    }
  };
}

async function lifecycleRequest(ctx: S3rver.Context, bucket: string, state: BucketLifecycleState): Promise<void> {
  if (ctx.method === 'GET') {
    const configuration = state.of(bucket);
    if (configuration === undefined) throw new S3Failure(404, 'NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist');
    return replyXml(ctx, 200, configuration);
  }
  if (ctx.method === 'PUT') {
    state.set(bucket, parseLifecycleConfiguration(await readLifecycleBody(ctx.req)));
    return replyXml(ctx, 200);
  }
  if (ctx.method === 'DELETE') {
    state.forget(bucket);
    return replyXml(ctx, 204);
  }
  throw new S3Failure(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
}
