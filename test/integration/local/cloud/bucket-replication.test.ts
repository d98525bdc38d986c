import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketReplicationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketReplicationCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type LocalCloudHandle, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { eventually } from '../../../support/eventually';

/**
 * S3 Replication in the local cloud (docs/LOCAL-CLOUD.md, "Replication"): a replicated bucket's writes,
 * tag changes and (with delete-marker replication) deletes reach the destination bucket in the other
 * region after the configured delay, with the source's ETag, metadata and tags.
 */
const PRIMARY = 'us-east-1';
const DR = 'us-west-2';
const SOURCE = 'replicated-source';
const MIRROR = 'replicated-mirror';
const DELAY_MS = 150;

const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-replication-'));
let cloud: LocalCloudHandle;
let primary: S3Client;
let dr: S3Client;

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true, replicationDelayMs: DELAY_MS });
  primary = localS3Client(cloud.endpoints, PRIMARY);
  dr = localS3Client(cloud.endpoints, DR);
  await primary.send(new CreateBucketCommand({ Bucket: SOURCE }));
  await dr.send(new CreateBucketCommand({ Bucket: MIRROR }));
  await primary.send(
    new PutBucketReplicationCommand({
      Bucket: SOURCE,
      ReplicationConfiguration: {
        Role: 'arn:aws:iam::000000000000:role/replication',
        Rules: [
          {
            ID: 'mirror',
            Status: 'Enabled',
            Priority: 1,
            Filter: { Prefix: '' },
            DeleteMarkerReplication: { Status: 'Enabled' },
            Destination: { Bucket: `arn:aws:s3:::${MIRROR}` },
          },
        ],
      },
    }),
  );
});

afterAll(async () => {
  await stopLocalCloud(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

const tagsOf = async (client: S3Client, bucket: string, key: string): Promise<Record<string, string> | 'missing'> => {
  try {
    const { TagSet } = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
    return Object.fromEntries((TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  } catch (err) {
    if ((err as Error).name === 'NoSuchKey') return 'missing';
    throw err;
  }
};

it('keeps the configuration it was given', async () => {
  const { ReplicationConfiguration } = await primary.send(new GetBucketReplicationCommand({ Bucket: SOURCE }));
  expect(ReplicationConfiguration?.Rules?.[0]?.Destination?.Bucket).toBe(`arn:aws:s3:::${MIRROR}`);
});

it('copies a put object with its body, ETag, metadata and tags into the other region', async () => {
  const key = 'reports/q4 übersicht.json';
  const body = Buffer.from('{"revenue": 42}');
  // The tags come with the write (x-amz-tagging), as the demo's seeding sends them.
  const put = await primary.send(new PutObjectCommand({ Bucket: SOURCE, Key: key, Body: body, Metadata: { owner: 'finance' }, Tagging: 'class=gold' }));
  await eventually(() => tagsOf(dr, MIRROR, key), (t) => t !== 'missing' && t.class === 'gold', 'the replica with its tags');
  const replica = await dr.send(new GetObjectCommand({ Bucket: MIRROR, Key: key }));
  expect(Buffer.from(await replica.Body!.transformToByteArray())).toEqual(body);
  expect(replica.ETag).toBe(put.ETag);
  expect(replica.Metadata).toEqual({ owner: 'finance' });
  expect(await tagsOf(dr, MIRROR, key)).toEqual({ class: 'gold' });
});

it('replicates a tag change, and the removal of the tags, without rewriting the replica', async () => {
  const key = 'readme.txt';
  await primary.send(new PutObjectCommand({ Bucket: SOURCE, Key: key, Body: 'hello' }));
  await primary.send(new PutObjectTaggingCommand({ Bucket: SOURCE, Key: key, Tagging: { TagSet: [{ Key: 'class', Value: 'silver' }] } }));
  await eventually(() => tagsOf(dr, MIRROR, key), (t) => t !== 'missing' && t.class === 'silver', 'the replica with its tags');
  const before = await dr.send(new HeadObjectCommand({ Bucket: MIRROR, Key: key }));

  await primary.send(new PutObjectTaggingCommand({ Bucket: SOURCE, Key: key, Tagging: { TagSet: [{ Key: 'class', Value: 'round-2' }] } }));
  await eventually(() => tagsOf(dr, MIRROR, key), (t) => t !== 'missing' && t.class === 'round-2', 'the re-tagging');
  const after = await dr.send(new HeadObjectCommand({ Bucket: MIRROR, Key: key }));
  expect(after.ETag).toBe(before.ETag);
  expect(after.LastModified).toEqual(before.LastModified);

  // s3rver lacks DeleteObjectTagging: an empty tag set removes them.
  await primary.send(new PutObjectTaggingCommand({ Bucket: SOURCE, Key: key, Tagging: { TagSet: [] } }));
  expect(await eventually(() => tagsOf(dr, MIRROR, key), (t) => t !== 'missing' && Object.keys(t).length === 0, 'the tag removal')).toEqual({});
});

it('applies a delete when the rule replicates delete markers', async () => {
  const key = 'to-delete.bin';
  await primary.send(new PutObjectCommand({ Bucket: SOURCE, Key: key, Body: 'gone soon' }));
  await eventually(() => tagsOf(dr, MIRROR, key), (t) => t !== 'missing', 'the replica');
  await primary.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: key }));
  expect(await eventually(() => tagsOf(dr, MIRROR, key), (t) => t === 'missing', 'the delete')).toBe('missing');
});
