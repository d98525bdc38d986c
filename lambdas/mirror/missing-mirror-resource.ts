import { type SourceConfig } from '../../config/lifeboat-config';

/**
 * The error names with which a service says the resource asked for does not exist: S3 ListObjectsV2's bucket, a
 * DynamoDB table (DescribeTable, Scan, GetItem), an EFS file system (DescribeReplicationConfigurations). Not
 * AccessDenied: a refusal proves nothing about existence (a bucket of the name in another account is refused too);
 * it is a failed check of its own kind (refused-mirror-access.ts).
 */
const NOT_FOUND: Record<SourceConfig['type'], string> = { s3: 'NoSuchBucket', dynamodb: 'ResourceNotFoundException', filesystem: 'FileSystemNotFound' };

/** Whether `err` says the bucket, table or file system of a `type` source does not exist. */
export function isMissingResource(type: SourceConfig['type'], err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === NOT_FOUND[type];
}

/** How every note of a source not compared ends: a failover does not take that mirror (mirror-choice.ts). */
export const NOT_VOUCHED = 'nothing compared, the mirror is not vouched for';

/**
 * The note of a source that does not exist in the primary region: most often a name in the plan that is not the deployed
 * one (the check runs in the DR region and knows the source by the name it was given), else a resource deleted since.
 */
export function missingSourceNote(source: SourceConfig, sourceRegion: string, fileSystemId: string | undefined): string {
  const where = `does not exist in ${sourceRegion} (the primary region)`;
  if (source.type === 's3') {
    return `source bucket ${source.bucket} ${where}: the plan names a bucket that is not there (its \`bucket\`, or the \`deployedName\` given to LifeboatSource.s3Bucket: check it against the deployed name), or the bucket was deleted; ${NOT_VOUCHED}`;
  }
  if (source.type === 'dynamodb') {
    return `source table ${source.table} ${where}: the plan names a table that is not there (its \`table\`, or the \`deployedName\` given to LifeboatSource.dynamoDbTable: check it against the deployed name), or the table was deleted; ${NOT_VOUCHED}`;
  }
  return `file system ${fileSystemId ?? '?'} ${where}: the environment's fileSystem.efs.fileSystemId is not a file system there, or it was deleted; ${NOT_VOUCHED}`;
}

/** The note of an S3 source whose mirror bucket does not exist in the DR region (the check's own): the DR side, not the source. */
export function missingMirrorBucketNote(bucket: string, mirrorRegion: string): string {
  return `mirror bucket ${bucket} does not exist in ${mirrorRegion} (the DR region): deploy the DR stack, which creates it (or it was deleted); ${NOT_VOUCHED}`;
}
