import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import { compareKeys } from '../../lambdas/sources/s3-bucket-source';

/**
 * An S3Client whose ListObjectsV2 and GetObject are answered from memory, as S3 answers them: keys
 * in UTF-8 byte order, pages of MaxKeys (default 1000), StartAfter, ContinuationToken, Prefix and
 * Delimiter (CommonPrefixes). Buckets may change between calls (the maps are read on every request).
 * Enough for the planner's listing and the S3 Inventory reader; every other command is an error.
 */
export type ScriptedBucket = { objects: Map<string, number>; bodies?: Map<string, Buffer> };

export function scriptedS3(buckets: Record<string, ScriptedBucket>, requests: string[] = []): S3Client {
  const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const bucketOf = (name: string | undefined): ScriptedBucket => {
    const bucket = name !== undefined ? buckets[name] : undefined;
    if (!bucket) throw Object.assign(new Error(`NoSuchBucket: ${name}`), { name: 'NoSuchBucket' });
    return bucket;
  };
  const send = async (command: unknown): Promise<unknown> => {
    await Promise.resolve();
    if (command instanceof ListObjectsV2Command) {
      const input = command.input;
      requests.push(`List ${input.Bucket} ${input.StartAfter ?? ''}`);
      const bucket = bucketOf(input.Bucket);
      const prefix = input.Prefix ?? '';
      const after = input.ContinuationToken !== undefined ? Buffer.from(input.ContinuationToken, 'base64').toString('utf8') : input.StartAfter;
      const keys = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0)).sort(compareKeys);
      const max = input.MaxKeys ?? 1000;
      const contents: NonNullable<ListObjectsV2CommandOutput['Contents']> = [];
      const prefixes: string[] = [];
      let last: string | undefined;
      for (const key of keys) {
        if (contents.length + prefixes.length >= max) break;
        const slash = input.Delimiter !== undefined ? key.indexOf(input.Delimiter, prefix.length) : -1;
        if (slash >= 0) {
          const common = key.slice(0, slash + 1);
          if (!prefixes.includes(common)) prefixes.push(common);
        } else {
          contents.push({ Key: key, Size: bucket.objects.get(key) ?? 0, ETag: '"e"' });
        }
        last = key;
      }
      const truncated = last !== undefined && keys.indexOf(last) < keys.length - 1;
      return {
        Contents: contents,
        CommonPrefixes: prefixes.map((p) => ({ Prefix: p })),
        IsTruncated: truncated,
        ...(truncated && last !== undefined ? { NextContinuationToken: Buffer.from(last, 'utf8').toString('base64') } : {}),
      };
    }
    if (command instanceof GetObjectCommand) {
      const bucket = bucketOf(command.input.Bucket);
      const body = bucket.bodies?.get(command.input.Key ?? '');
      if (!body) throw Object.assign(new Error(`NoSuchKey: ${command.input.Key}`), { name: 'NoSuchKey' });
      return { Body: Readable.from([body]), ContentLength: body.length };
    }
    throw new Error(`scriptedS3 does not answer ${(command as { constructor: { name: string } }).constructor.name}`);
  };
  // The SDK's paginators want a real S3Client (instanceof); only its transport is replaced.
  Object.assign(client, { send });
  return client;
}
