import type S3rver from 's3rver';
import { readRequestText } from './request-reads';
import { s3RequestPath } from './s3-request-path';
import { escapeXml, replyS3Error, replyXml, S3Failure } from './s3-xml-reply';

/**
 * Bucket policies (`?policy`: Put/Get/DeleteBucketPolicy), which s3rver answers 501, and the one kind of statement the
 * local cloud enforces (docs/LOCAL-CLOUD.md, "Bucket policies"): an unconditional Deny of object writes (s3:PutObject,
 * or a wildcard that covers it) to every principal (`"*"` or `{ "AWS": "*" }`) on resources that match the object's
 * ARN. The drill's cleanup seals its scratch buckets so (lambdas/drill/scratch-bucket-seal.ts) before emptying them:
 * a late restore shard's PutObject, CopyObject, CreateMultipartUpload, UploadPart or CompleteMultipartUpload is then
 * refused 403 AccessDenied, as in S3. The local cloud knows no principals, so any other statement (an Allow, a Deny of
 * some principals or with a Condition) is kept and returned but not enforced. Policies are held in memory, per
 * region server, and forgotten with their bucket: not across a restart of the cloud.
 */
export class BucketPolicies {
  private readonly byBucket = new Map<string, string>();

  of(bucket: string): string | undefined {
    return this.byBucket.get(bucket);
  }

  set(bucket: string, policy: string): void {
    this.byBucket.set(bucket, policy);
  }

  forget(bucket: string): void {
    this.byBucket.delete(bucket);
  }
}

type Statement = { Effect?: unknown; Principal?: unknown; Action?: unknown; Resource?: unknown; Condition?: unknown };

function parsePolicy(text: string): Statement[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new S3Failure(400, 'MalformedPolicy', 'Policies must be valid JSON and the first byte must be \'{\'');
  }
  const statements = (parsed as { Statement?: unknown } | null)?.Statement;
  const list = Array.isArray(statements) ? statements : statements !== undefined && statements !== null ? [statements] : [];
  if (list.length === 0 || !list.every((s) => typeof s === 'object' && s !== null)) throw new S3Failure(400, 'MalformedPolicy', 'Missing required field Statement');
  return list as Statement[];
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** IAM's wildcards: `*` any run of characters, `?` one; case-sensitive (`caseless` for action names, which are not). */
function matches(pattern: string, value: string, caseless = false): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, caseless ? 'i' : '').test(value);
}

function everyone(principal: unknown): boolean {
  if (principal === '*') return true;
  return typeof principal === 'object' && principal !== null && strings((principal as { AWS?: unknown }).AWS).includes('*');
}

/** Whether `policy` denies, to everyone and unconditionally, writing the object `key` of `bucket`. */
function deniesObjectWrite(policy: string, bucket: string, key: string): boolean {
  return parsePolicy(policy).some(
    (s) =>
      s.Effect === 'Deny' &&
      s.Condition === undefined &&
      everyone(s.Principal) &&
      strings(s.Action).some((a) => matches(a, 's3:PutObject', true)) &&
      strings(s.Resource).some((r) => matches(r, `arn:aws:s3:::${bucket}/${key}`) || matches(r, `arn:aws-cn:s3:::${bucket}/${key}`) || matches(r, `arn:aws-us-gov:s3:::${bucket}/${key}`)),
  );
}

/** The requests IAM authorizes as s3:PutObject: PutObject, CopyObject, UploadPart(Copy) and the multipart upload's creation and completion. */
function writesObject(ctx: S3rver.Context): boolean {
  const names = [...new URLSearchParams(ctx.querystring).keys()].filter((n) => n !== 'x-id' && !n.toLowerCase().startsWith('x-amz-'));
  if (ctx.method === 'POST') return names.includes('uploads') || names.includes('uploadId');
  if (ctx.method !== 'PUT') return false;
  return names.every((n) => n === 'uploadId' || n === 'partNumber');
}

export function bucketPolicyMiddleware(store: S3rver.Store, policies: BucketPolicies): S3rver.Middleware {
  return async (ctx, next) => {
    const { bucket, key } = s3RequestPath(ctx);
    if (bucket === '') return next();
    const query = new URLSearchParams(ctx.querystring);
    if (key !== '') {
      const policy = policies.of(bucket);
      if (policy !== undefined && writesObject(ctx) && deniesObjectWrite(policy, bucket, key)) {
        return replyS3Error(ctx, 403, 'AccessDenied', `Access Denied: the policy of bucket ${bucket} denies s3:PutObject on s3://${bucket}/${key} to everyone`);
      }
      return next();
    }
    if (!query.has('policy')) {
      await next();
      // A bucket deleted, or made anew, has no policy.
      if ((ctx.method === 'DELETE' && ctx.status === 204) || (ctx.method === 'PUT' && ctx.status === 200 && [...query.keys()].length === 0)) policies.forget(bucket);
      return;
    }
    try {
      if (!(await store.getBucket(bucket))) throw new S3Failure(404, 'NoSuchBucket', 'The specified bucket does not exist');
      if (ctx.method === 'PUT') {
        const text = await readRequestText(ctx.req);
        parsePolicy(text);
        policies.set(bucket, text);
        return replyXml(ctx, 204);
      }
      if (ctx.method === 'GET') {
        const policy = policies.of(bucket);
        if (policy === undefined) throw new S3Failure(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist');
        ctx.status = 200;
        ctx.type = 'application/json';
        ctx.body = policy;
        return;
      }
      if (ctx.method === 'DELETE') {
        policies.forget(bucket);
        return replyXml(ctx, 204);
      }
      throw new S3Failure(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    } catch (err) {
      if (!(err instanceof S3Failure)) throw err;
      return replyS3Error(ctx, err.status, err.code, err.message, `<BucketName>${escapeXml(bucket)}</BucketName>`);
    }
  };
}
