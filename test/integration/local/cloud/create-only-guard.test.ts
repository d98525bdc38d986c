import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';
import { createOnlyPrefixesFile } from '../../../../local/cloud/create-only-guard';

/**
 * The local cloud's create-only guard (local/cloud/create-only-guard.ts): where startLocalCloud's createOnlyPrefixes
 * say so, an object-creating write without If-None-Match: * is refused 403 AccessDenied, as IAM does under
 * createOnlyPutStatements; with the header it is S3's conditional write, multipart completions included
 * (conditional-put.ts). Off unless asked for.
 */
const REGION = 'us-east-1';
const GUARDED = 'guarded-vault';
const OPEN = 'open-bucket';
const MiB = 1024 * 1024;

const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-create-only-guard-'));
let s3: S3Client;

beforeAll(async () => {
  const cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true, createOnlyPrefixes: { [GUARDED]: ['config', 'data/'] } });
  s3 = localS3Client(cloud.endpoints, REGION);
  for (const Bucket of [GUARDED, OPEN]) await s3.send(new CreateBucketCommand({ Bucket }));
});

afterAll(async () => {
  s3?.destroy();
  await stopLocalCloud(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

async function refusal(sending: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  const err = await sending.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof S3ServiceException)) throw new Error(`expected S3 to refuse, got ${String(err)}`);
  return { name: err.name, status: err.$metadata.httpStatusCode, message: err.message };
}

async function body(Bucket: string, Key: string): Promise<string> {
  return (await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body?.transformToString()) ?? '';
}

/** A two-part upload of `key`, ready to complete: its id and parts. */
async function uploadParts(Bucket: string, Key: string): Promise<{ UploadId: string; Parts: { PartNumber: number; ETag: string }[] }> {
  const UploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId ?? '';
  const Parts = [];
  for (const [i, part] of [Buffer.alloc(5 * MiB, 'a'), Buffer.from('end')].entries()) {
    const out = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: part }));
    Parts.push({ PartNumber: i + 1, ETag: out.ETag ?? '' });
  }
  return { UploadId, Parts };
}

it('refuses a plain PutObject under a guarded prefix with 403 AccessDenied naming the key and the header, and writes nothing', async () => {
  const refused = await refusal(s3.send(new PutObjectCommand({ Bucket: GUARDED, Key: 'data/ab/plain', Body: 'plain' })));
  expect(refused).toMatchObject({ name: 'AccessDenied', status: 403 });
  expect(refused.message).toContain(`PutObject of s3://${GUARDED}/data/ab/plain without If-None-Match: * is refused: keys under "data/"`);
  expect(await refusal(s3.send(new GetObjectCommand({ Bucket: GUARDED, Key: 'data/ab/plain' })))).toMatchObject({ name: 'NoSuchKey' });
  // `config` is one key: guarded as a prefix, exactly as the grant's resource names it.
  expect(await refusal(s3.send(new PutObjectCommand({ Bucket: GUARDED, Key: 'config', Body: 'c' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
});

it('lets a PutObject with If-None-Match: * create the object, and answers 412 for the second one, the first bytes kept', async () => {
  await s3.send(new PutObjectCommand({ Bucket: GUARDED, Key: 'data/ab/created', Body: 'first', IfNoneMatch: '*' }));
  expect(await refusal(s3.send(new PutObjectCommand({ Bucket: GUARDED, Key: 'data/ab/created', Body: 'second', IfNoneMatch: '*' })))).toMatchObject({ status: 412 });
  expect(await body(GUARDED, 'data/ab/created')).toBe('first');
});

it('leaves other prefixes, other buckets and the sub-resources of guarded objects alone', async () => {
  await s3.send(new PutObjectCommand({ Bucket: GUARDED, Key: 'plans/p', Body: 'one' }));
  await s3.send(new PutObjectCommand({ Bucket: GUARDED, Key: 'plans/p', Body: 'two' }));
  expect(await body(GUARDED, 'plans/p')).toBe('two');
  await s3.send(new PutObjectCommand({ Bucket: OPEN, Key: 'data/ab/x', Body: 'x' }));
  await s3.send(new PutObjectCommand({ Bucket: OPEN, Key: 'data/ab/x', Body: 'y' }));
  expect(await body(OPEN, 'data/ab/x')).toBe('y');
  await s3.send(new PutObjectTaggingCommand({ Bucket: GUARDED, Key: 'data/ab/created', Tagging: { TagSet: [{ Key: 'tier', Value: 'cold' }] } }));
  expect((await s3.send(new GetObjectTaggingCommand({ Bucket: GUARDED, Key: 'data/ab/created' }))).TagSet).toEqual([{ Key: 'tier', Value: 'cold' }]);
});

it('refuses a CopyObject into a guarded prefix without the header', async () => {
  const refused = await refusal(s3.send(new CopyObjectCommand({ Bucket: GUARDED, Key: 'data/ab/copy', CopySource: `${OPEN}/data/ab/x` })));
  expect(refused).toMatchObject({ name: 'AccessDenied', status: 403 });
  expect(refused.message).toContain('CopyObject of');
});

it('multipart: parts go up unconditioned; the completion is refused without the header, and with it creates the object once (412 after)', async () => {
  const key = 'data/cd/multipart';
  const upload = await uploadParts(GUARDED, key);
  const complete = (conditional: boolean) =>
    s3.send(new CompleteMultipartUploadCommand({ Bucket: GUARDED, Key: key, UploadId: upload.UploadId, MultipartUpload: { Parts: upload.Parts }, ...(conditional ? { IfNoneMatch: '*' } : {}) }));
  const refused = await refusal(complete(false));
  expect(refused).toMatchObject({ name: 'AccessDenied', status: 403 });
  expect(refused.message).toContain(`CompleteMultipartUpload of s3://${GUARDED}/${key} without If-None-Match: * is refused`);
  await complete(true);
  expect(await body(GUARDED, key)).toBe(`${'a'.repeat(5 * MiB)}end`);

  // A second upload of the key: its conditional completion finds the object and changes nothing.
  const again = await uploadParts(GUARDED, key);
  const late = await refusal(s3.send(new CompleteMultipartUploadCommand({ Bucket: GUARDED, Key: key, UploadId: again.UploadId, MultipartUpload: { Parts: again.Parts }, IfNoneMatch: '*' })));
  expect(late).toMatchObject({ name: 'PreconditionFailed', status: 412 });
});

it('a conditional multipart completion is honoured without the guard too: 412 when the key exists', async () => {
  const key = 'elsewhere/multipart';
  await s3.send(new PutObjectCommand({ Bucket: OPEN, Key: key, Body: 'already here' }));
  const upload = await uploadParts(OPEN, key);
  const late = await refusal(s3.send(new CompleteMultipartUploadCommand({ Bucket: OPEN, Key: key, UploadId: upload.UploadId, MultipartUpload: { Parts: upload.Parts }, IfNoneMatch: '*' })));
  expect(late).toMatchObject({ name: 'PreconditionFailed', status: 412 });
  expect(await body(OPEN, key)).toBe('already here');
});

it("S3VaultStore's writes pass it: put in one request and in parts (If-None-Match on the completion), putIfAbsent; replace is refused", async () => {
  // A threshold of 5 MiB, so that an object of 6 MiB goes up in parts (the functions' stores use 16 MiB, which packs stay under).
  const store = new S3VaultStore({ client: s3, bucket: GUARDED, prefix: '', multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
  const big = `data/ef/ef${'1'.repeat(62)}`;
  const first = Buffer.alloc(6 * MiB, 'p');
  await store.put(big, first);
  expect((await store.get(big)).equals(first)).toBe(true);
  // Written again (a retried upload): the completion's 412 is success, and the first bytes stay.
  await store.put(big, Buffer.alloc(6 * MiB, 'q'));
  expect((await store.get(big)).equals(first)).toBe(true);
  await store.put(`data/ef/ef${'2'.repeat(62)}`, Buffer.from('small'));
  expect(await store.putIfAbsent('config', Buffer.from('config one'))).toBe(true);
  expect(await store.putIfAbsent('config', Buffer.from('config two'))).toBe(false);
  expect(await body(GUARDED, 'config')).toBe('config one');
  // The scrub's repair of a damaged copy overwrites: no create-only grant allows it, and the guard, knowing no role, refuses it.
  await expect(store.replace(`data/ef/ef${'2'.repeat(62)}`, Buffer.from('other'))).rejects.toMatchObject({ name: 'AccessDenied' });
});

it('is off when a cloud is started without createOnlyPrefixes: the file of an earlier start is removed', async () => {
  const other = mkdtempSync(join(tmpdir(), 'lifeboat-create-only-off-'));
  try {
    const first = await startLocalCloud({ dataDir: other, regions: [REGION], exitWithParent: true, createOnlyPrefixes: { [GUARDED]: ['data/'] } });
    await first.stop();
    expect(existsSync(createOnlyPrefixesFile(other))).toBe(true);
    const cloud = await startLocalCloud({ dataDir: other, regions: [REGION], exitWithParent: true });
    expect(existsSync(createOnlyPrefixesFile(other))).toBe(false);
    const client = localS3Client(cloud.endpoints, REGION);
    try {
      await client.send(new CreateBucketCommand({ Bucket: GUARDED }));
      await client.send(new PutObjectCommand({ Bucket: GUARDED, Key: 'data/ab/plain', Body: 'one' }));
      await client.send(new PutObjectCommand({ Bucket: GUARDED, Key: 'data/ab/plain', Body: 'two' }));
    } finally {
      client.destroy();
      await cloud.stop();
    }
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
