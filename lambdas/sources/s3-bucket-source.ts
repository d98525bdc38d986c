import { GetObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type S3BucketSourceConfig } from '../../lib/config/lifeboat-config';
import { type ShardSpec } from './shard-spec';

export type S3ObjectSummary = { key: string; size: number; etag: string };

export type S3ObjectSnapshot = S3ObjectSummary & {
  contentType?: string;
  metadata: Record<string, string>;
  tags: Record<string, string>;
  body: Buffer;
};

/** Every key under the source prefix, in S3's (UTF-8 binary) order, page by page. */
export async function* listS3Objects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  range: { startAfter?: string; endAt?: string } = {},
): AsyncGenerator<S3ObjectSummary> {
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix || undefined,
        ContinuationToken: token,
        StartAfter: token ? undefined : range.startAfter,
      }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      if (range.endAt !== undefined && compareKeys(object.Key, range.endAt) > 0) return;
      yield { key: object.Key, size: object.Size ?? 0, etag: object.ETag ?? '' };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** S3 orders keys by their UTF-8 bytes, which differs from JS string order for astral characters. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Splits a bucket into key ranges of about `keysPerShard` keys, at most `maxShards` of them. The
 * planner lists keys once; each shard then lists only its own range.
 */
export async function planS3Shards(
  s3: S3Client,
  source: S3BucketSourceConfig,
  options: { maxShards: number; keysPerShard: number; firstIndex: number },
): Promise<ShardSpec[]> {
  const keys: string[] = [];
  for await (const object of listS3Objects(s3, source.bucket, source.prefix)) keys.push(object.key);
  const shardCount = Math.max(1, Math.min(options.maxShards, Math.ceil(keys.length / options.keysPerShard)));
  const perShard = Math.ceil(keys.length / shardCount);
  const shards: ShardSpec[] = [];
  for (let i = 0; i < shardCount; i++) {
    const startAfter = i === 0 ? undefined : keys[i * perShard - 1];
    const endAt = i === shardCount - 1 ? undefined : keys[(i + 1) * perShard - 1];
    shards.push({
      kind: 's3',
      index: options.firstIndex + i,
      source: source.name,
      bucket: source.bucket,
      prefix: source.prefix,
      ...(startAfter !== undefined ? { startAfter } : {}),
      ...(endAt !== undefined ? { endAt } : {}),
    });
  }
  return shards;
}

/** Reads one object with its metadata and tags. */
export async function readS3Object(s3: S3Client, bucket: string, summary: S3ObjectSummary): Promise<S3ObjectSnapshot> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: summary.key }));
  const body = Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
  const tagging = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: summary.key }));
  const tags: Record<string, string> = {};
  for (const tag of tagging.TagSet ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return {
    ...summary,
    ...(object.ContentType !== undefined ? { contentType: object.ContentType } : {}),
    metadata: object.Metadata ?? {},
    tags,
    body,
  };
}
