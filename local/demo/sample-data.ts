import { hash } from 'node:crypto';
import { mkdir, symlink, utimes, writeFile, chmod } from 'node:fs/promises';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  BatchWriteItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mapBounded } from '../../vault';
import { createActiveTable } from '../cloud';

/**
 * The demo's sample data: deliberately awkward (odd keys, every DynamoDB attribute type, empty
 * files, symlinks) so that a byte-for-byte comparison after backup means something.
 */

/**
 * Deterministic pseudo-random bytes (SHA-256 in counter mode) so every demo run seeds the same data. One-shot
 * `crypto.hash` per 32-byte block, not a Hash object each: the same bytes in half the CPU (the sample directory's
 * 3 MiB file is 100,000 blocks, seeded by the demo and most end-to-end suites).
 */
export function seededBytes(seed: string, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let offset = 0;
  for (let counter = 0; offset < length; counter++) {
    const block = hash('sha256', `${seed}:${counter}`, 'buffer');
    offset += block.copy(out, offset, 0, Math.min(block.length, length - offset));
  }
  return out;
}

export const SAMPLE_OBJECT_KEYS = [
  'readme.txt',
  'images/logo v2.png',
  'reports/2026/q3 50%+growth.csv',
  'reports/2026/q4/übersicht.json',
  'weird/../dot-dot-segment.txt',
  'weird/emoji-📦.bin',
  'empty-object',
  `deep/${'nested-folder/'.repeat(12)}leaf.txt`,
  'static/app.js',
];

/**
 * The sample bucket's pre-compressed asset (one of SAMPLE_OBJECT_KEYS), as a static site or CDN
 * origin stores it: gzip bytes that only Content-Encoding makes JavaScript, with the other headers S3
 * keeps for such files. A restore that dropped them would serve it as garbage; the demo's, drill's
 * and failover's comparisons name any header that differs.
 */
export const SAMPLE_ENCODED_ASSET = {
  key: 'static/app.js',
  /** Deterministic: Node's gzip writes no time or name into its header. */
  body: gzipSync(Buffer.from('console.log("Lifeboat demo asset");\n'.repeat(400))),
  headers: {
    ContentType: 'application/javascript',
    ContentEncoding: 'gzip',
    CacheControl: 'public, max-age=31536000, immutable',
    ContentDisposition: 'inline; filename="app.js"',
    ContentLanguage: 'en',
  },
} as const;

/** Objects put at once while seeding. */
const PUTS_AT_ONCE = 8;

/**
 * Small objects under bulk/ beside the sample keys: the demo's few hundred make a restore of the bucket
 * run several shards (100 entries a shard); a backup of it is still one shard (20,000 keys). 299 with
 * the nine sample keys: the demo's bucket keeps its 308 objects, the figure its documented outputs show.
 */
export const DEMO_BULK_OBJECTS = 299;

/**
 * Seeds the sample objects and `bulkObjects` small ones (bulk/item-NNNN.dat). The end-to-end suites ask
 * for fewer: every object costs each backup, restore, drill and comparison several requests to the local
 * S3, and a suite that needs several restore shards sets the shard size instead
 * (LIFEBOAT_RESTORE_ENTRIES_PER_SHARD).
 */
export async function seedSampleBucket(s3: S3Client, bucket: string, options: { bulkObjects?: number } = {}): Promise<{ objects: number; bytes: number }> {
  const bulkObjects = options.bulkObjects ?? DEMO_BULK_OBJECTS;
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: Error) => {
    if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(err.name)) throw err;
  });
  let bytes = 0;
  // Put side by side: one at a time, seeding waited ~9 s on 316 sequential round trips.
  await mapBounded(SAMPLE_OBJECT_KEYS, PUTS_AT_ONCE, async (key, i) => {
    const asset = key === SAMPLE_ENCODED_ASSET.key ? SAMPLE_ENCODED_ASSET : undefined;
    const body = asset ? asset.body : key === 'empty-object' ? Buffer.alloc(0) : seededBytes(key, 1024 * (i * 37 + 3));
    bytes += body.length;
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: key.endsWith('.json') ? 'application/json' : 'application/octet-stream',
        ...asset?.headers,
        Metadata: { origin: 'lifeboat-demo', index: String(i) },
        // The tags travel with the object (x-amz-tagging), as an uploader that tags at write time sends them.
        Tagging: `class=${i % 2 ? 'gold' : 'silver'}`,
      }),
    );
  });
  await mapBounded(Array.from({ length: bulkObjects }, (_, i) => i), PUTS_AT_ONCE, async (i) => {
    const body = seededBytes(`bulk-${i}`, 512 + i);
    bytes += body.length;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `bulk/item-${String(i).padStart(4, '0')}.dat`, Body: body }));
  });
  return { objects: SAMPLE_OBJECT_KEYS.length + bulkObjects, bytes };
}

/** Items with every attribute type, numbers at full precision, nested maps and lists. */
export function sampleItems(count: number): Record<string, AttributeValue>[] {
  return Array.from({ length: count }, (_, i) => ({
    orderId: { S: `order-${String(i).padStart(5, '0')}` },
    placedAt: { N: String(1_700_000_000 + i) },
    total: { N: '12345678901234567890.123456789012345678' },
    customer: { M: { name: { S: `Customer ${i} “quoted”` }, vip: { BOOL: i % 3 === 0 }, note: { NULL: true } } },
    lines: { L: [{ M: { sku: { S: `sku-${i}` }, qty: { N: String(i % 7) } } }, { S: 'gift-wrap' }] },
    tags: { SS: ['a', `t${i % 5}`] },
    scores: { NS: ['1', '2.5', String(100 + i)] },
    signature: { B: seededBytes(`sig-${i}`, 32) },
    attachments: { BS: [seededBytes(`att-${i}-1`, 8), seededBytes(`att-${i}-2`, 8)] },
  }));
}

export async function seedSampleTable(ddb: DynamoDBClient, table: string, count = 250): Promise<{ items: number }> {
  try {
    await createActiveTable(ddb, {
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: 'orderId', AttributeType: 'S' },
        { AttributeName: 'placedAt', AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        { IndexName: 'byPlacedAt', KeySchema: [{ AttributeName: 'placedAt', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  const items = sampleItems(count);
  for (let i = 0; i < items.length; i += 25) {
    let pending: Record<string, { PutRequest: { Item: Record<string, AttributeValue> } }[]> | undefined = {
      [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    while (pending && Object.keys(pending).length > 0) {
      const result = await ddb.send(new BatchWriteItemCommand({ RequestItems: pending }));
      pending = result.UnprocessedItems as typeof pending;
    }
  }
  return { items: items.length };
}

export async function seedSampleDirectory(root: string): Promise<{ files: number; bytes: number }> {
  let bytes = 0;
  let files = 0;
  const file = async (rel: string, body: Buffer, mode = 0o644) => {
    const abs = path.join(root, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, body);
    await chmod(abs, mode);
    await utimes(abs, new Date('2026-01-02T03:04:05Z'), new Date(Date.UTC(2026, 0, 1 + files)));
    bytes += body.length;
    files++;
  };
  await mkdir(root, { recursive: true });
  await file('docs/guide.md', Buffer.from('# Guide\n'.repeat(2000)));
  await file('docs/space in name.txt', seededBytes('space', 5000));
  await file('bin/run.sh', Buffer.from('#!/bin/sh\necho lifeboat\n'), 0o755);
  await file('data/big.bin', seededBytes('big', 3 * 1024 * 1024 + 17));
  await file('data/dup-a.bin', seededBytes('dup', 200_000));
  await file('data/dup-b.bin', seededBytes('dup', 200_000));
  await file('empty.txt', Buffer.alloc(0));
  await file('secret/private.key', seededBytes('key', 64), 0o600);
  for (let i = 0; i < 40; i++) await file(`logs/day-${String(i).padStart(2, '0')}.log`, Buffer.from(`log line ${i}\n`.repeat(100 + i)));
  await mkdir(path.join(root, 'empty-dir'), { recursive: true });
  await symlink('docs/guide.md', path.join(root, 'guide-link')).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return { files, bytes };
}
