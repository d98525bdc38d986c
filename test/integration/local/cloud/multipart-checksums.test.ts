import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS } from '../../../../lambdas/runtime/local-endpoints';
import { useLocalS3Bucket } from '../../../support/local-s3-bucket';

/** S3's multipart checksum rules in the local cloud (local/cloud/multipart-checksums.ts). */
const BUCKET = 'multipart-checksums';
const REGION = 'us-east-1';
const s3 = useLocalS3Bucket(BUCKET, 'multipart-checksums', REGION);
const MiB = 1024 * 1024;

function crc32Of(bytes: Buffer): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(bytes));
  return value.toString('base64');
}

async function start(client: S3Client, key: string, algorithm?: 'CRC32' | 'SHA256'): Promise<string> {
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}) }));
  return created.UploadId ?? '';
}

async function failure(sending: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  const err = await sending.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof S3ServiceException)) throw new Error(`expected S3 to refuse, got ${String(err)}`);
  return { name: err.name, status: err.$metadata.httpStatusCode, message: err.message };
}

it('an upload created with CRC32 returns each part checksum and completes with them: the object is the parts in order', async () => {
  const client = s3().client;
  const key = 'declared/ok';
  const UploadId = await start(client, key, 'CRC32');
  const first = randomBytes(5 * MiB);
  const second = randomBytes(1000);
  const one = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: first, ChecksumAlgorithm: 'CRC32' }));
  // A stream body goes as aws-chunked with the checksum in a trailer: still a CRC32 part.
  const two = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 2, Body: Readable.from([second]), ContentLength: second.length, ChecksumAlgorithm: 'CRC32' }));
  expect(one.ChecksumCRC32).toBe(crc32Of(first));
  expect(two.ChecksumCRC32).toBe(crc32Of(second));
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one.ETag, ChecksumCRC32: one.ChecksumCRC32 }, { PartNumber: 2, ETag: two.ETag, ChecksumCRC32: two.ChecksumCRC32 }] },
    }),
  );
  const back = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  expect(Buffer.from(await back.Body!.transformToByteArray()).equals(Buffer.concat([first, second]))).toBe(true);
});

it('refuses a part whose checksum is of another algorithm than the upload declared, or that has none', async () => {
  const client = s3().client;
  const key = 'declared/mismatch';
  const UploadId = await start(client, key, 'SHA256');
  const part = randomBytes(1000);
  expect(await failure(client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: part, ChecksumAlgorithm: 'CRC32' })))).toEqual({
    name: 'InvalidRequest',
    status: 400,
    message: 'Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32',
  });
  // A client that adds no checksum of its own.
  const plain = new S3Client({ region: REGION, endpoint: s3().cloud.endpoints.s3[REGION], forcePathStyle: true, credentials: LOCAL_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' });
  expect((await failure(plain.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: part })))).message).toBe(
    'Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: null',
  );
  plain.destroy();
  const ok = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: part, ChecksumAlgorithm: 'SHA256' }));
  expect(ok.ChecksumSHA256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
});

it('refuses a part whose sent CRC32 does not match its bytes, and keeps no such part', async () => {
  const client = s3().client;
  const key = 'declared/bad-digest';
  const UploadId = await start(client, key, 'CRC32');
  const part = randomBytes(1000);
  const wrong = crc32Of(Buffer.from('something else'));
  expect(await failure(client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: part, ChecksumCRC32: wrong })))).toEqual({
    name: 'BadDigest',
    status: 400,
    message: 'The CRC32 you specified did not match the calculated checksum.',
  });
  // The refused part is not there to complete with.
  expect((await failure(client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: 'x', ChecksumCRC32: wrong }] } })))).name).toBe('InvalidPart');
});

it('refuses to complete an upload declared with CRC32 without each part checksum, naming the part; and with a wrong one', async () => {
  const client = s3().client;
  const key = 'declared/complete';
  const UploadId = await start(client, key, 'CRC32');
  const parts = [randomBytes(5 * MiB), randomBytes(10)];
  const answers = [];
  for (const [i, Body] of parts.entries()) answers.push(await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: 'CRC32' })));
  const [one, two] = answers;
  expect(
    await failure(client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one?.ETag, ChecksumCRC32: one?.ChecksumCRC32 }, { PartNumber: 2, ETag: two?.ETag }] } }))),
  ).toEqual({
    name: 'InvalidRequest',
    status: 400,
    message: 'The upload was created using a crc32 checksum. The complete request must include the checksum for each part. It was missing for part 2 in the request.',
  });
  const swapped = { PartNumber: 2, ETag: two?.ETag, ChecksumCRC32: one?.ChecksumCRC32 };
  expect((await failure(client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one?.ETag, ChecksumCRC32: one?.ChecksumCRC32 }, swapped] } })))).name).toBe(
    'InvalidPart',
  );
  // Refused completions leave the upload as it was: completing it right still works.
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one?.ETag, ChecksumCRC32: one?.ChecksumCRC32 }, { PartNumber: 2, ETag: two?.ETag, ChecksumCRC32: two?.ChecksumCRC32 }] },
    }),
  );
  const back = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  expect(Buffer.from(await back.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
});

it('leaves an upload created without an algorithm as s3rver has it: parts with or without checksums complete by ETag', async () => {
  const client = s3().client;
  const key = 'undeclared';
  const UploadId = await start(client, key);
  const body = randomBytes(100);
  const part = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: body }));
  await client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  const back = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  expect(Buffer.from(await back.Body!.transformToByteArray()).equals(body)).toBe(true);
});
