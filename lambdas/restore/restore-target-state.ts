import { DescribeTableCommand, type DynamoDBClient, ResourceNotFoundException, type TableDescription } from '@aws-sdk/client-dynamodb';
import { type TableSchema } from '../sources/dynamodb-table-schema';
import { checkOverwrittenTableKey } from './target-table-key';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { readdir } from 'node:fs/promises';
import { type RestoreTarget } from './restore-request';
import { RestoreTargetMissingError, RestoreTargetNotEmptyError } from './restore-errors';
import { checkTargetBucketProtected } from './target-bucket-protection';
import { mountRootOf, openTargetDirectory } from './target-directory';
import { isS3NotFound } from '../../vault';
import { listObjectsPage } from '../sources/url-encoded-listing';
import { bucketRegionRedirectOf } from '../runtime/bucket-region-redirect';
import { TargetBucketInOtherRegionError } from './target-bucket-region-error';
import { type EnvironmentRegions } from '../runtime/environment-regions';

export type TargetDeps = {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  directory: (configuredPath: string) => string;
  /** Where the EFS file system is mounted (in AWS): directory targets are walked from it without following links. @default '/' */
  mountPath?: string | undefined;
  /**
   * The environment's regions as the function knows them (environmentRegionsOf): a bucket of another region is refused
   * naming the runbook that can write it only when its region is one of them. @default unknown: named on that condition
   */
  regions?: EnvironmentRegions | undefined;
};

/**
 * Checks, without writing anything, that a target can receive a restore: an S3 bucket must exist, in the
 * region of `deps.s3` (the runbook's: its functions write no other region's buckets), and, unless
 * `allowUnprotectedTarget`, have default encryption and Block Public Access on;
 * without `overwrite`, a target must hold no data yet (bucket prefix empty, table absent, directory
 * absent or empty), so a restore never mixes into live or earlier-restored data unasked.
 */
export async function checkTargetState(
  target: RestoreTarget,
  overwrite: boolean,
  deps: TargetDeps,
  options: { allowUnprotectedTarget?: boolean; backupTable?: { schema: TableSchema; backupId: string } } = {},
): Promise<void> {
  if (target.type === 's3') {
    try {
      await deps.s3.send(new HeadBucketCommand({ Bucket: target.bucket }));
    } catch (err) {
      if (isS3NotFound(err) || (err as Error).name === 'NoSuchBucket') {
        throw new RestoreTargetMissingError(`Invalid restore request: target.bucket: bucket ${target.bucket} does not exist; create it (with your encryption and access settings) and start the restore again`);
      }
      // Else the SDK's "Unknown: UnknownError" (a 301 has no body for a HEAD) would be all the operator saw.
      const runbookRegion = await deps.s3.config.region();
      const redirect = bucketRegionRedirectOf(err, runbookRegion);
      if (redirect) throw new TargetBucketInOtherRegionError(target.bucket, redirect.bucketRegion, runbookRegion, { cause: err, regions: deps.regions });
      throw err;
    }
    if (!options.allowUnprotectedTarget) await checkTargetBucketProtected(deps.s3, target.bucket);
    if (overwrite) return;
    const listed = await listObjectsPage(deps.s3, { Bucket: target.bucket, Prefix: target.prefix || undefined, MaxKeys: 1 });
    if ((listed.Contents ?? []).length > 0) {
      throw new RestoreTargetNotEmptyError(
        `Invalid restore request: target: s3://${target.bucket}/${target.prefix} already holds objects (e.g. ${JSON.stringify(listed.Contents?.[0]?.Key)}); choose an empty bucket or prefix, or set "overwrite": true to write over it`,
      );
    }
    return;
  }
  if (target.type === 'dynamodb') {
    if (overwrite && !options.backupTable) return;
    let existing: TableDescription | undefined;
    try {
      existing = (await deps.dynamodb.send(new DescribeTableCommand({ TableName: target.table }))).Table;
    } catch (err) {
      if (err instanceof ResourceNotFoundException || (err as Error).name === 'ResourceNotFoundException') return;
      throw err;
    }
    // Here too, not only in the plan step: before an approver is asked to let a restore run that would be refused.
    if (overwrite) {
      if (existing && options.backupTable) checkOverwrittenTableKey(target.table, existing, options.backupTable.schema, options.backupTable.backupId);
      return;
    }
    throw new RestoreTargetNotEmptyError(
      `Invalid restore request: target.table: table ${target.table} already exists; a restore creates its table from the backup's schema, so name a new table, or set "overwrite": true to write the items into the existing one (which must have the backup's key schema: the restore refuses another key before writing anything)`,
    );
  }
  // Walked even with overwrite: a link on the way to the target is refused before anything is written.
  const opened = await openTargetDirectory(mountRootOf(deps.mountPath, deps.directory), target.path, { create: false });
  if (!opened) return;
  try {
    if (overwrite) return;
    const children = await readdir(opened.path);
    if (children.length > 0) {
      throw new RestoreTargetNotEmptyError(`Invalid restore request: target.path: directory ${target.path} is not empty; choose a new directory, or set "overwrite": true to write into it`);
    }
  } finally {
    await opened.close();
  }
}
