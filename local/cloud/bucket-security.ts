import type S3rver from 's3rver';
import { type BucketDefaultEncryption, type BucketSecurityState, NEW_BUCKET_SECURITY, type PublicAccessBlock, SSE_S3_DEFAULT } from './bucket-security-state';
import { escapeXml, replyS3Error, replyXml, S3_XMLNS, S3Failure } from './s3-xml-reply';
import { readRequestText } from './request-reads';

/**
 * Default encryption and Block Public Access of buckets, which s3rver lacks (it answers 501), as S3
 * implements them (docs/LOCAL-CLOUD.md, "Bucket encryption and Block Public Access"):
 * Put/Get/DeleteBucketEncryption (`?encryption`; Delete returns the bucket to SSE-S3, as in S3 since
 * 2023) and Put/Get/DeletePublicAccessBlock (`?publicAccessBlock`; Get of a bucket without one is 404
 * NoSuchPublicAccessBlockConfiguration). CreateBucket gives a bucket what AWS gives a new one (SSE-S3,
 * all four Block Public Access settings on); DeleteBucket forgets it. The local cloud keeps the
 * settings; it does not encrypt objects nor check public access (nothing is public locally).
 */
const FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
const ALGORITHMS: readonly BucketDefaultEncryption['sseAlgorithm'][] = ['AES256', 'aws:kms', 'aws:kms:dsse'];


function tag(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1]?.trim();
}



function parseEncryption(xml: string): BucketDefaultEncryption {
  const rule = /<Rule>([\s\S]*?)<\/Rule>/.exec(xml)?.[1];
  if (rule === undefined) throw new S3Failure(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  const algorithm = tag(rule, 'SSEAlgorithm');
  if (!ALGORITHMS.includes(algorithm as BucketDefaultEncryption['sseAlgorithm'])) {
    throw new S3Failure(400, 'MalformedXML', `The SSEAlgorithm ${JSON.stringify(algorithm)} is not one of ${ALGORITHMS.join(', ')}`);
  }
  const key = tag(rule, 'KMSMasterKeyID');
  if (key !== undefined && algorithm === 'AES256') throw new S3Failure(400, 'InvalidArgument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse');
  return { sseAlgorithm: algorithm as BucketDefaultEncryption['sseAlgorithm'], ...(key ? { kmsMasterKeyId: key } : {}), bucketKeyEnabled: tag(rule, 'BucketKeyEnabled') === 'true' };
}

function encryptionXml(rule: BucketDefaultEncryption): string {
  const key = rule.kmsMasterKeyId ? `<KMSMasterKeyID>${escapeXml(rule.kmsMasterKeyId)}</KMSMasterKeyID>` : '';
  return `<ServerSideEncryptionConfiguration xmlns="${S3_XMLNS}"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${rule.sseAlgorithm}</SSEAlgorithm>${key}</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>${rule.bucketKeyEnabled}</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`;
}

function parseBlock(xml: string): PublicAccessBlock {
  if (!xml.includes('<PublicAccessBlockConfiguration')) throw new S3Failure(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  // A setting the request leaves out is off, as in S3.
  const flag = (name: (typeof FLAGS)[number]): boolean => tag(xml, name) === 'true';
  return { BlockPublicAcls: flag('BlockPublicAcls'), IgnorePublicAcls: flag('IgnorePublicAcls'), BlockPublicPolicy: flag('BlockPublicPolicy'), RestrictPublicBuckets: flag('RestrictPublicBuckets') };
}

function blockXml(block: PublicAccessBlock): string {
  return `<PublicAccessBlockConfiguration xmlns="${S3_XMLNS}">${FLAGS.map((f) => `<${f}>${block[f]}</${f}>`).join('')}</PublicAccessBlockConfiguration>`;
}

export function bucketSecurityMiddleware(store: S3rver.Store, state: BucketSecurityState): S3rver.Middleware {
  return async (ctx, next) => {
    const path = ctx.path.slice(1);
    const bucket = path.split('/')[0] ?? '';
    if (bucket === '' || path.slice(bucket.length).replace(/^\/+/, '') !== '') return next();
    const query = new URLSearchParams(ctx.querystring);
    const subresources = [...query.keys()];
    if (subresources.length === 0) {
      await next();
      if (ctx.method === 'PUT' && ctx.status === 200) state.update(bucket, () => NEW_BUCKET_SECURITY);
      if (ctx.method === 'DELETE' && ctx.status === 204) state.forget(bucket);
      return;
    }
    const encryption = query.has('encryption');
    if (!encryption && !query.has('publicAccessBlock')) return next();
    try {
      if (!(await store.getBucket(bucket))) throw new S3Failure(404, 'NoSuchBucket', 'The specified bucket does not exist');
      if (encryption) return await encryptionRequest(ctx, bucket, state);
      return await blockRequest(ctx, bucket, state);
    } catch (err) {
      if (!(err instanceof S3Failure)) throw err;
      return replyS3Error(ctx, err.status, err.code, err.message, `<BucketName>${escapeXml(bucket)}</BucketName>`);
    }
  };
}

async function encryptionRequest(ctx: S3rver.Context, bucket: string, state: BucketSecurityState): Promise<void> {
  if (ctx.method === 'GET') return replyXml(ctx, 200, encryptionXml(state.of(bucket).encryption ?? SSE_S3_DEFAULT));
  if (ctx.method === 'PUT') {
    const rule = parseEncryption(await readRequestText(ctx.req));
    state.update(bucket, (current) => ({ ...current, encryption: rule }));
    return replyXml(ctx, 200);
  }
  if (ctx.method === 'DELETE') {
    state.update(bucket, (current) => ({ ...current, encryption: SSE_S3_DEFAULT }));
    return replyXml(ctx, 204);
  }
  throw new S3Failure(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
}

async function blockRequest(ctx: S3rver.Context, bucket: string, state: BucketSecurityState): Promise<void> {
  if (ctx.method === 'GET') {
    const block = state.of(bucket).publicAccessBlock;
    if (!block) throw new S3Failure(404, 'NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found');
    return replyXml(ctx, 200, blockXml(block));
  }
  if (ctx.method === 'PUT') {
    const block = parseBlock(await readRequestText(ctx.req));
    state.update(bucket, (current) => ({ ...current, publicAccessBlock: block }));
    return replyXml(ctx, 200);
  }
  if (ctx.method === 'DELETE') {
    state.update(bucket, ({ publicAccessBlock: _removed, ...rest }) => rest);
    return replyXml(ctx, 204);
  }
  throw new S3Failure(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
}
