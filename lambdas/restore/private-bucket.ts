import { CreateBucketCommand, HeadBucketCommand, PutBucketEncryptionCommand, PutPublicAccessBlockCommand, type S3Client } from '@aws-sdk/client-s3';
import { bucketLocation } from '../runtime/bucket-location';
import { ensureAbortIncompleteUploadsRule } from './target-upload-lifecycle';
import { httpStatusOf } from '../../vault';

/**
 * A new bucket in `region` for restored data (a failover's targets, a drill's scratch buckets):
 * Block Public Access on and SSE-S3 by default. AWS applies both to every new bucket since April
 * 2023; they are set explicitly so the bucket does not depend on an account-level default, and so
 * it passes the restore's own target check (target-bucket-protection.ts). An S3 endpoint that
 * implements neither call (501 NotImplemented; the local cloud before it emulated them) is skipped.
 * Then its lifecycle configuration: one rule that aborts incomplete multipart uploads (target-upload-lifecycle.ts),
 * put only where the bucket has no configuration but that rule: an own bucket found here may be an operator's with
 * rules of their own, which a Put would replace. Resolves true when the bucket has the rule, false when its
 * configuration was left alone. Not skipped on any error, NotImplemented included: a bucket without the rule could
 * keep a timed-out restore's upload for good.
 *
 * Idempotent for the caller's own bucket (a retried step finds it): "already owned by you", and
 * "already exists" from an endpoint that says so for the owner too (s3rver) when the caller may read
 * it. A name another account holds rethrows S3's BucketAlreadyExists. An own bucket is not necessarily this
 * run's: another failover or drill of the same name may have made it. That is sound only because nothing is
 * written into a restore target before its restore holds the target's claim (lambdas/restore/target-claim.ts,
 * taken by the resolve step, which then checks the bucket is empty): an empty bucket made twice mixes nothing.
 */
export async function createPrivateBucket(s3: S3Client, region: string, bucket: string): Promise<boolean> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ...bucketLocation(region) }));
  } catch (err) {
    if (!(await isOwnBucket(s3, bucket, err))) throw err;
  }
  await unlessNotImplemented(
    s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      }),
    ),
  );
  await unlessNotImplemented(
    s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } })),
  );
  return ensureAbortIncompleteUploadsRule(s3, bucket);
}

/** CreateBucket failed because the bucket exists: is it the caller's (another account's answers HeadBucket with 403)? */
async function isOwnBucket(s3: S3Client, bucket: string, err: unknown): Promise<boolean> {
  const name = err instanceof Error ? err.name : '';
  if (name === 'BucketAlreadyOwnedByYou') return true;
  if (name !== 'BucketAlreadyExists') return false;
  return s3.send(new HeadBucketCommand({ Bucket: bucket })).then(
    () => true,
    () => false,
  );
}

async function unlessNotImplemented(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if ((err as Error).name === 'NotImplemented' && httpStatusOf(err) === 501) return;
    throw err;
  }
}
