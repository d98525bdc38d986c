import { type DynamoDbTableSourceConfig, type S3BucketSourceConfig, type SourceConfig } from '../../config/lifeboat-config';
import { type MirrorRecord } from './mirror-record';

/**
 * The source data a pass of the mirror check is over (MirrorRecord.passOver.source): the bucket and prefix, or
 * the table. The check starts a new pass when it changes, and a failover does not take a record of another
 * source's data as this one's (mirror-choice.ts).
 */
export function passSourceOf(source: S3BucketSourceConfig | DynamoDbTableSourceConfig): string {
  return source.type === 's3' ? `s3://${source.bucket}/${source.prefix}` : `dynamodb table ${source.table}`;
}

/** An S3 source's mirror as the check names it (MirrorRecord.mirror): `s3://<prefix><source>/<source's prefix>`. */
export function s3MirrorOf(source: S3BucketSourceConfig, mirrorBucketPrefix: string): string {
  return `s3://${mirrorBucketPrefix}${source.name}/${source.prefix}`;
}

/**
 * What `check` compared, when that is not the source as configured now (its bucket, prefix or table changed
 * since, or its mirror did); undefined when it is this source's. A failover (mirror-choice.ts) and `lifeboat
 * status` (cli/status/mirror-status.ts) both judge by it, so status never shows as within its objectives a
 * mirror the failover refuses. The mirror is compared when it is known: an S3 mirror with `mirrorBucketPrefix`
 * (without it, a record of an earlier version is compared by its prefix alone); a DynamoDB mirror is the
 * source's table in the catalog's own region, so its table says it. A file system's check compares no pass.
 */
export function otherDataChecked(source: SourceConfig, check: MirrorRecord, mirrorBucketPrefix: string | undefined): { compared: string; configured: string } | undefined {
  if (source.type === 'filesystem') return undefined;
  return otherDataThan(source, check, source.type === 's3' && mirrorBucketPrefix !== undefined ? s3MirrorOf(source, mirrorBucketPrefix) : undefined);
}

/**
 * What `check` compared, when that is not `source` with `mirror` (the mirror as the check names it, when the caller
 * knows it: the check itself always does, mirror-check.ts); undefined when it is the same data.
 */
export function otherDataThan(source: S3BucketSourceConfig | DynamoDbTableSourceConfig, check: MirrorRecord, mirror: string | undefined): { compared: string; configured: string } | undefined {
  const configured = `${passSourceOf(source)}${mirror !== undefined ? ` with ${mirror}` : ''}`;
  if (check.passOver !== undefined) {
    const other = check.passOver.source !== passSourceOf(source) || (mirror !== undefined && check.passOver.mirror !== mirror);
    return other ? { compared: `${check.passOver.source} with ${check.passOver.mirror}`, configured } : undefined;
  }
  // A record of an earlier version names its mirror only (`s3://<mirror bucket>/<prefix>`, `dynamodb table <name> (<region>)`).
  if (mirror !== undefined) return check.mirror !== mirror ? { compared: check.mirror, configured } : undefined;
  if (source.type !== 's3') return undefined;
  return check.mirror.replace(/^s3:\/\/[^/]*\//, '') !== source.prefix ? { compared: check.mirror, configured } : undefined;
}
