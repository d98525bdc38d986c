import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  type ListObjectsV2CommandInput,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type LocalCloudHandle, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { dataDirLayout } from '../../../../local/cloud/cloud-state';
import { LOCAL_CREDENTIALS } from '../../../../lambdas/runtime/local-endpoints';

/**
 * Audit R1 F3 and F5: S3 keys up to 1,024 bytes of UTF-8 are valid whatever their segments, and
 * longer ones are refused. A segment longer than a file name (255 bytes) made s3rver's write fail
 * with ENAMETOOLONG as an unhandled 'error' event, which ended the cloud process (both regions' S3
 * and DynamoDB): such keys are written, listed and read back exactly (docs/LOCAL-CLOUD.md, "Object
 * keys on disk"), a key over 1,024 bytes is 400 KeyTooLongError as in AWS, and a file that cannot
 * be written fails its request with a 500 while the cloud keeps serving.
 */
const REGION = 'us-east-1';
const BUCKET = 'long-keys';
/** A valid key with no `/`: one 1,024-byte segment. */
const FLAT = 'k'.repeat(1024);
const KEYS = [
  FLAT,
  // A 300-byte directory segment, with keys beside and below it.
  `d/${'m'.repeat(300)}/leaf.txt`,
  `d/${'m'.repeat(300)}/deeper/x`,
  `d/${'m'.repeat(300)}`,
  `d/${'m'.repeat(299)}`,
  // Two long segments that share their first 250 bytes, and a short key between them in S3's order.
  `d/${'m'.repeat(250)}a${'z'.repeat(100)}`,
  `d/${'m'.repeat(250)}b${'z'.repeat(100)}/y`,
  `d/${'m'.repeat(250)}a`,
  // Two-byte characters: 1,000 bytes in one segment, and a long segment that is escaped (it holds s3rver's marker).
  'ü'.repeat(500),
  `e/${'ü'.repeat(150)}._S3rver_${'ü'.repeat(10)}/f`,
  // The longest key with a long middle segment and short ones around it.
  `a/${'n'.repeat(1018)}/b`,
];
const TOO_LONG = `${'k'.repeat(1020)}/ab`; // 1,023 bytes: the prefix below makes it 1,025

const root = mkdtempSync(join(tmpdir(), 'lifeboat-long-keys-'));
const dataDir = join(root, 'data');
const bucketDir = join(dataDirLayout(dataDir).s3Dir(REGION), BUCKET);
let cloud: LocalCloudHandle;
let s3: S3Client;

beforeAll(async () => {
  mkdirSync(dataDir);
  cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, REGION);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  s3?.destroy();
  await stopLocalCloud(dataDir);
  rmSync(root, { recursive: true, force: true });
});

const bodyOf = (key: string): string => `body of a key of ${Buffer.byteLength(key)} bytes starting ${JSON.stringify(key.slice(0, 8))}`;

async function text(key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await out.Body?.transformToString()) ?? '';
}

async function list(input: Omit<ListObjectsV2CommandInput, 'Bucket'>, pageSize?: number): Promise<{ keys: string[]; prefixes: string[] }> {
  const keys: string[] = [];
  const prefixes: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3, ...(pageSize ? { pageSize } : {}) }, { Bucket: BUCKET, ...input })) {
    keys.push(...(page.Contents ?? []).map((c) => c.Key ?? ''));
    prefixes.push(...(page.CommonPrefixes ?? []).map((c) => c.Prefix ?? ''));
  }
  return { keys, prefixes };
}

/** S3's order: by UTF-8 bytes. */
const inS3Order = (keys: readonly string[]): string[] => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

it('writes keys with segments over 255 bytes, reads each back equal and lists them exactly, in S3 order', async () => {
  for (const key of KEYS) expect(Buffer.byteLength(key)).toBeLessThanOrEqual(1024);
  for (const key of KEYS) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bodyOf(key) }));
  for (const key of KEYS) expect(await text(key)).toBe(bodyOf(key));
  const all = inS3Order(KEYS);
  expect(await list({})).toEqual({ keys: all, prefixes: [] });
  expect(await list({}, 2)).toEqual({ keys: all, prefixes: [] });
  expect(await list({ Prefix: 'd/', Delimiter: '/' })).toEqual({
    keys: inS3Order([`d/${'m'.repeat(300)}`, `d/${'m'.repeat(299)}`, `d/${'m'.repeat(250)}a${'z'.repeat(100)}`, `d/${'m'.repeat(250)}a`]),
    prefixes: inS3Order([`d/${'m'.repeat(300)}/`, `d/${'m'.repeat(250)}b${'z'.repeat(100)}/`]),
  });
  expect(await list({ Prefix: `d/${'m'.repeat(300)}/`, Delimiter: '/' })).toEqual({ keys: [`d/${'m'.repeat(300)}/leaf.txt`], prefixes: [`d/${'m'.repeat(300)}/deeper/`] });
  expect(await list({ StartAfter: `d/${'m'.repeat(250)}a` })).toEqual({ keys: all.filter((k) => Buffer.compare(Buffer.from(k), Buffer.from(`d/${'m'.repeat(250)}a`)) > 0), prefixes: [] });
});

it('copies and uploads in parts under such keys', async () => {
  const copy = `copy/${'c'.repeat(400)}`;
  await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: copy, CopySource: `${BUCKET}/${FLAT}` }));
  expect(await text(copy)).toBe(bodyOf(FLAT));
  const parted = `parts/${'p'.repeat(1000)}`;
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: parted }));
  const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: parted, UploadId, PartNumber: 1, Body: 'in parts' }));
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: parted, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  expect(await text(parted)).toBe('in parts');
  for (const key of [copy, parted]) await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  expect(await list({})).toEqual({ keys: inS3Order(KEYS), prefixes: [] });
});

it('refuses a key over 1,024 bytes with 400 KeyTooLongError on PutObject, CopyObject and CreateMultipartUpload, writing nothing', async () => {
  const key = `r/${TOO_LONG}`;
  expect(Buffer.byteLength(key)).toBe(1025);
  const refusals = [
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' })),
    s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: `${BUCKET}/${FLAT}` })),
    s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key })),
  ];
  for (const refused of refusals) await expect(refused).rejects.toMatchObject({ name: 'KeyTooLongError', $metadata: { httpStatusCode: 400 } });
  expect((await list({ Prefix: 'r/' })).keys).toEqual([]);
});

it('deletes them, leaving no file or directory of theirs', async () => {
  for (const key of KEYS) await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  expect(await list({})).toEqual({ keys: [], prefixes: [] });
  expect(readdirSync(bucketDir).filter((name) => name !== '._S3rver_uploads')).toEqual([]);
});

it('answers a write it cannot store with a 500 and keeps serving', async () => {
  // Where the object's content file goes, a directory: s3rver's write stream failed with EISDIR and took the cloud down.
  mkdirSync(join(bucketDir, 'blocked._S3rver_object'));
  const once = new S3Client({ region: REGION, endpoint: cloud.endpoints.s3[REGION] ?? '', forcePathStyle: true, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  try {
    await expect(once.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'blocked', Body: 'x' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    // A valid key whose escaped segments make a path over Linux's PATH_MAX (docs/ARCHITECTURE.md, "Known gaps"): refused the same way.
    await expect(once.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${'./'.repeat(511)}x`, Body: 'x' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
  } finally {
    once.destroy();
  }
  await s3.send(new HeadBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: FLAT, Body: 'still serving' }));
  expect(await text(FLAT)).toBe('still serving');
});
