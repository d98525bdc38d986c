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
 * some principals or with a non-empty Condition) is kept and returned but not enforced. As S3 does, a policy over 20 KB
 * or a statement without Effect, Action or Resource is refused 400 MalformedPolicy. Policies are held in memory, per
 * region server, and forgotten with their bucket (DeleteBucket, CreateBucket; not a DELETE of another subresource):
 * not across a restart of the cloud.
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

/** S3's limit on a bucket policy's size: a larger one is refused, as a malformed one is. */
export const BUCKET_POLICY_MAX_BYTES = 20 * 1024;

function malformed(message: string): S3Failure {
  return new S3Failure(400, 'MalformedPolicy', message);
}

function parsePolicy(text: string): Statement[] {
  if (Buffer.byteLength(text, 'utf8') > BUCKET_POLICY_MAX_BYTES) throw malformed(`Policy exceeds the maximum allowed document size of ${BUCKET_POLICY_MAX_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('Policies must be valid JSON and the first byte must be \'{\'');
  }
  const statements = (parsed as { Statement?: unknown } | null)?.Statement;
  const list = Array.isArray(statements) ? statements : statements !== undefined && statements !== null ? [statements] : [];
  if (list.length === 0 || !list.every((s) => typeof s === 'object' && s !== null)) throw malformed('Missing required field Statement');
  for (const s of list as Record<string, unknown>[]) {
    // S3 refuses such a statement at PutBucketPolicy; kept, it would be returned as if S3 had accepted it.
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed('Missing or invalid field Effect: each statement needs "Effect": "Allow" or "Deny"');
    if (s.Action === undefined && s.NotAction === undefined) throw malformed('Missing required field Action: each statement needs Action or NotAction');
    if (s.Resource === undefined && s.NotResource === undefined) throw malformed('Missing required field Resource: each statement needs Resource or NotResource');
  }
  return list as Statement[];
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * IAM's wildcards: `*` any run of characters, `?` one; case-sensitive (`caseless` for action names, which are not).
 * Matched in linear time, not by a regular expression: this runs on every object write, and a regex of many `*` can
 * backtrack for seconds on a key that nearly matches, blocking the local S3 (review rL F2).
 */
function matchesWildcard(pattern: string, value: string, caseless = false): boolean {
  const p = caseless ? pattern.toLowerCase() : pattern;
  const v = caseless ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  // The last `*` seen and where in `value` its run ends so far: on a mismatch the star takes one character more.
  let star = -1;
  let starEnd = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      starEnd = vi;
    } else if (star >= 0) {
      pi = star + 1;
      vi = ++starEnd;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** A Condition of no keys (`{}`) conditions nothing, as in IAM. */
function unconditional(condition: unknown): boolean {
  return condition === undefined || (typeof condition === 'object' && condition !== null && !Array.isArray(condition) && Object.keys(condition).length === 0);
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
      unconditional(s.Condition) &&
      everyone(s.Principal) &&
      strings(s.Action).some((a) => matchesWildcard(a, 's3:PutObject', true)) &&
      strings(s.Resource).some((r) => ['aws', 'aws-cn', 'aws-us-gov'].some((partition) => matchesWildcard(r, `arn:${partition}:s3:::${bucket}/${key}`))),
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
      // A bucket deleted (DeleteBucket), or made anew (CreateBucket), has no policy. Both have no subresource: a
      // DELETE of one (?lifecycle, ?cors, ?encryption, ?publicAccessBlock...) leaves the bucket and its policy.
      const bare = [...query.keys()].every((n) => n === 'x-id' || n.toLowerCase().startsWith('x-amz-'));
      if (bare && ((ctx.method === 'DELETE' && ctx.status === 204) || (ctx.method === 'PUT' && ctx.status === 200))) policies.forget(bucket);
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
