import { type DynamoDbTableSourceConfig, type S3BucketSourceConfig } from '../../config/lifeboat-config';

/**
 * The source data a pass of the mirror check is over (MirrorRecord.passOver.source): the bucket and prefix, or
 * the table. The check starts a new pass when it changes, and a failover does not take a record of another
 * source's data as this one's (mirror-choice.ts).
 */
export function passSourceOf(source: S3BucketSourceConfig | DynamoDbTableSourceConfig): string {
  return source.type === 's3' ? `s3://${source.bucket}/${source.prefix}` : `dynamodb table ${source.table}`;
}
