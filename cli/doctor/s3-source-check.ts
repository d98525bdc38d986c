import { GetBucketLocationCommand, HeadBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type S3BucketSourceConfig } from '../../config/lifeboat-config';
import { type CheckResult, fail, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError, errorHeaderOf, httpStatusOf } from './sdk-error';
import { partitionOf } from '../../config/aws-partition';
import { environmentPrefix } from '../../lib/stacks/resource-names';
import { KEY_USER_TAG } from '../../lib/constructs/security-options';
import { bucketKeyResult } from './bucket-key-check';
import { type KmsClients } from './source-key';
import { regionUnansweredResult } from './unanswered-region';

export type S3SourceCheckOptions = {
  /**
   * The local cloud runs one S3 server per region, so a bucket is in the region whose server has it
   * (its GetBucketLocation always answers us-east-1). In AWS bucket names are global and
   * GetBucketLocation tells the region.
   */
  regionPerServer: boolean;
  /** In AWS: KMS, to tell an undeclared key of the bucket's default encryption customer managed or AWS managed. */
  kms?: KmsClients;
};

/** GetBucketLocation's LocationConstraint as a region: empty is us-east-1, `EU` the old name of eu-west-1. */
function regionOfLocation(constraint: string | undefined): string {
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

async function bucketRegion(s3: S3Client, bucket: string, owner: string): Promise<string | undefined> {
  try {
    return regionOfLocation((await s3.send(new GetBucketLocationCommand({ Bucket: bucket, ExpectedBucketOwner: owner }))).LocationConstraint);
  } catch {
    return undefined;
  }
}

/**
 * Only locates the bucket, so it sends no ExpectedBucketOwner: a local DR server with `drAccount` owns its buckets as
 * that account and would answer 403, hiding a bucket created in the wrong region. Ownership is judged in the primary region.
 */
async function bucketIsIn(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch {
    return false;
  }
}

/** Whether `account` owns the bucket: a HeadBucket that `account` as ExpectedBucketOwner lets through. */
async function ownedBy(s3: S3Client, bucket: string, account: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: account }));
    return true;
  } catch {
    return false;
  }
}

/**
 * Group 4, an S3 source: the bucket exists in the primary region (HeadBucket, then GetBucketLocation),
 * is owned by the account the backup requires, the caller may list it (one ListObjectsV2 of one key
 * under the source's prefix) and its default encryption's key is the declared one (bucket-key-check.ts).
 * The backup functions run in the primary region and read the bucket there, each call with
 * ExpectedBucketOwner = the source's `account`, else the environment's (lambdas/runtime/expected-bucket-owner.ts):
 * every call here sends the same (but the local DR-region locator), so a bucket another account owns answers 403 here
 * as it does them. For a source naming another account, that 403 is told from a bucket the environment's account owns
 * by one more HeadBucket.
 */
export async function checkS3Source(s3: (region: string) => S3Client, ctx: DoctorContext, source: S3BucketSourceConfig, options: S3SourceCheckOptions): Promise<CheckResult> {
  const name = `source ${source.name}`;
  const { primaryRegion, drRegion } = ctx.environment;
  const field = `${ctx.sourceField(source.name)}.bucket`;
  const primary = s3(primaryRegion);
  const owner = source.account ?? ctx.environment.account;
  const bucketArn = `arn:${partitionOf(primaryRegion)}:s3:::${source.bucket}`;
  // A bucket of another account admits, as docs/DEPLOYMENT.md has its policy written, only Lifeboat's tagged roles:
  // the operator's 403 there says nothing about the backup's access, and no grant on the operator's side changes it.
  const crossAccount = ctx.request.mode === 'aws' && owner !== ctx.environment.account;
  const unreadableCrossAccount = (operation: string) =>
    warn(
      name,
      `bucket ${source.bucket} of account ${owner} answered ${operation} with 403: its policy as docs/DEPLOYMENT.md writes it admits only Lifeboat's roles (tagged ${KEY_USER_TAG}=${environmentPrefix(ctx.environment)}), not the doctor's caller, so the doctor cannot read it; a bucket that account ${owner} does not own answers the same`,
      `with account ${owner}'s credentials, check that ${source.bucket} exists in ${primaryRegion} and that its policy has the statement of docs/DEPLOYMENT.md, "An S3 source in another account" (aws s3api get-bucket-policy --bucket ${source.bucket}); the next backup of the source proves the read`,
    );
  const elsewhere = (region: string) =>
    fail(name, `bucket ${source.bucket} is in ${region}, not in the primary region ${primaryRegion}`, `back up a bucket of ${primaryRegion} (replicate or copy ${source.bucket} there) and name it in ${field}, or move the environment's primaryRegion`);

  try {
    await primary.send(new HeadBucketCommand({ Bucket: source.bucket, ExpectedBucketOwner: owner }));
  } catch (err) {
    // Before the statuses: a 403 may be STS's, asked for the credentials' role, and S3 was then not asked (review r63N F1).
    const unanswered = regionUnansweredResult(name, primaryRegion, err, `cannot read bucket ${source.bucket}`);
    if (unanswered !== undefined) return unanswered;
    const status = httpStatusOf(err);
    if (status === 301) {
      const region = errorHeaderOf(err, 'x-amz-bucket-region') ?? (await bucketRegion(primary, source.bucket, owner));
      return elsewhere(region ?? 'another region');
    }
    if (status === 404) {
      if (options.regionPerServer && (await bucketIsIn(s3(drRegion), source.bucket))) return elsewhere(drRegion);
      return fail(name, `bucket ${source.bucket} does not exist in ${primaryRegion}`, `create bucket ${source.bucket} in ${primaryRegion}, or correct ${field} in ${ctx.request.configFile}`);
    }
    if (status === 403) {
      if (crossAccount) {
        // The caller is of the environment's account (the credentials check): if that account owns the bucket, the 403
        // came from the `account` the source names, and every backup call gets it too (BucketOwnerMismatch).
        if (await ownedBy(primary, source.bucket, ctx.environment.account)) {
          return fail(
            name,
            `bucket ${source.bucket} is owned by the environment's account ${ctx.environment.account}, not by account ${owner}, which ${ctx.sourceField(source.name)}.account names: the backups send ExpectedBucketOwner ${owner} and every read of the bucket is refused`,
            `remove ${ctx.sourceField(source.name)}.account from ${ctx.request.configFile}, or set it to ${ctx.environment.account}`,
          );
        }
        return unreadableCrossAccount('HeadBucket');
      }
      return fail(
        name,
        `bucket ${source.bucket}: the caller may not read it, or account ${owner} does not own it (HeadBucket with ExpectedBucketOwner ${owner} answered 403; the backups send the same)`,
        `if ${source.bucket} is another account's bucket, set ${ctx.sourceField(source.name)}.account to its owner (docs/DEPLOYMENT.md, "An S3 source in another account") or correct ${field}; else allow s3:ListBucket on ${bucketArn} to the caller (and check the bucket policy)`,
      );
    }
    return fail(name, `bucket ${source.bucket}: ${describeError(err)}`, 'run the doctor again; if it persists, check the network and the S3 endpoint');
  }

  if (!options.regionPerServer) {
    const region = await bucketRegion(primary, source.bucket, owner);
    if (region !== undefined && region !== primaryRegion) return elsewhere(region);
  }

  const under = source.prefix ? ` under ${source.prefix}` : '';
  let empty: CheckResult | undefined;
  try {
    const listed = await primary.send(new ListObjectsV2Command({ Bucket: source.bucket, Prefix: source.prefix || undefined, MaxKeys: 1, ExpectedBucketOwner: owner }));
    if ((listed.KeyCount ?? listed.Contents?.length ?? 0) === 0) {
      empty = warn(name, `bucket ${source.bucket} in ${primaryRegion} has no object${under}: a backup would be empty`, `check ${ctx.sourceField(source.name)}.prefix and that data is written to s3://${source.bucket}/${source.prefix}`);
    }
  } catch (err) {
    const unanswered = regionUnansweredResult(name, primaryRegion, err, `bucket ${source.bucket} could not be listed${under}`);
    if (unanswered !== undefined) return unanswered;
    if (crossAccount && httpStatusOf(err) === 403) return unreadableCrossAccount('ListObjectsV2');
    return fail(name, `bucket ${source.bucket}: the caller may not list it${under} (${describeError(err)})`, `allow s3:ListBucket on ${bucketArn} to the caller`);
  }
  const key = await bucketKeyResult(primary, ctx, source, owner, options.kms);
  // A key the roles may not use fails every backup: it outranks an empty listing.
  if (key?.verdict === 'fail') return key;
  return empty ?? key ?? ok(name, `bucket ${source.bucket} in ${primaryRegion}, listable${under}`);
}
