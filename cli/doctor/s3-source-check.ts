import { GetBucketLocationCommand, HeadBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type S3BucketSourceConfig } from '../../config/lifeboat-config';
import { type CheckResult, fail, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError, errorHeaderOf, httpStatusOf } from './sdk-error';
import { partitionOf } from '../../config/aws-partition';

export type S3SourceCheckOptions = {
  /**
   * The local cloud runs one S3 server per region, so a bucket is in the region whose server has it
   * (its GetBucketLocation always answers us-east-1). In AWS bucket names are global and
   * GetBucketLocation tells the region.
   */
  regionPerServer: boolean;
};

/** GetBucketLocation's LocationConstraint as a region: empty is us-east-1, `EU` the old name of eu-west-1. */
function regionOfLocation(constraint: string | undefined): string {
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

async function bucketRegion(s3: S3Client, bucket: string): Promise<string | undefined> {
  try {
    return regionOfLocation((await s3.send(new GetBucketLocationCommand({ Bucket: bucket }))).LocationConstraint);
  } catch {
    return undefined;
  }
}

async function bucketIsIn(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch {
    return false;
  }
}

/**
 * Group 4, an S3 source: the bucket exists in the primary region (HeadBucket, then GetBucketLocation)
 * and the caller may list it (one ListObjectsV2 of one key under the source's prefix). The backup
 * functions run in the primary region and read the bucket there.
 */
export async function checkS3Source(s3: (region: string) => S3Client, ctx: DoctorContext, source: S3BucketSourceConfig, options: S3SourceCheckOptions): Promise<CheckResult> {
  const name = `source ${source.name}`;
  const { primaryRegion, drRegion } = ctx.environment;
  const field = `${ctx.sourceField(source.name)}.bucket`;
  const primary = s3(primaryRegion);
  const elsewhere = (region: string) =>
    fail(name, `bucket ${source.bucket} is in ${region}, not in the primary region ${primaryRegion}`, `back up a bucket of ${primaryRegion} (replicate or copy ${source.bucket} there) and name it in ${field}, or move the environment's primaryRegion`);

  try {
    await primary.send(new HeadBucketCommand({ Bucket: source.bucket }));
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 301) {
      const region = errorHeaderOf(err, 'x-amz-bucket-region') ?? (await bucketRegion(primary, source.bucket));
      return elsewhere(region ?? 'another region');
    }
    if (status === 404) {
      if (options.regionPerServer && (await bucketIsIn(s3(drRegion), source.bucket))) return elsewhere(drRegion);
      return fail(name, `bucket ${source.bucket} does not exist in ${primaryRegion}`, `create bucket ${source.bucket} in ${primaryRegion}, or correct ${field} in ${ctx.request.configFile}`);
    }
    if (status === 403) return fail(name, `bucket ${source.bucket}: the caller may not read it (HeadBucket answered 403)`, `allow s3:ListBucket on arn:${partitionOf(primaryRegion)}:s3:::${source.bucket} to the caller (and check the bucket policy)`);
    return fail(name, `bucket ${source.bucket}: ${describeError(err)}`, 'run the doctor again; if it persists, check the network and the S3 endpoint');
  }

  if (!options.regionPerServer) {
    const region = await bucketRegion(primary, source.bucket);
    if (region !== undefined && region !== primaryRegion) return elsewhere(region);
  }

  const under = source.prefix ? ` under ${source.prefix}` : '';
  try {
    const listed = await primary.send(new ListObjectsV2Command({ Bucket: source.bucket, Prefix: source.prefix || undefined, MaxKeys: 1 }));
    if ((listed.KeyCount ?? listed.Contents?.length ?? 0) === 0) {
      return warn(name, `bucket ${source.bucket} in ${primaryRegion} has no object${under}: a backup would be empty`, `check ${ctx.sourceField(source.name)}.prefix and that data is written to s3://${source.bucket}/${source.prefix}`);
    }
  } catch (err) {
    return fail(name, `bucket ${source.bucket}: the caller may not list it${under} (${describeError(err)})`, `allow s3:ListBucket on arn:${partitionOf(primaryRegion)}:s3:::${source.bucket} to the caller`);
  }
  return ok(name, `bucket ${source.bucket} in ${primaryRegion}, listable${under}`);
}
