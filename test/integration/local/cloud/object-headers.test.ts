import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { withExpiresHeader } from '../../../../lambdas/restore/s3-object-header-input';
import { useLocalS3Bucket } from '../../../support/local-s3-bucket';

/**
 * The headers S3 keeps with an object (lambdas/sources/s3-object-headers.ts) survive the local
 * cloud's S3 as they survive S3: set by PutObject, by CreateMultipartUpload (also for a body sent
 * aws-chunked, whose framing the local cloud strips from Content-Encoding), and answered on GET and
 * HEAD. The backup records them and the restore checks them against these answers, so a local S3
 * that dropped one would make the restore tests pass or fail for the wrong reason.
 */
const BUCKET = 'object-headers';
const s3 = useLocalS3Bucket(BUCKET, 'object-headers');

const SET = {
  ContentType: 'application/javascript',
  ContentEncoding: 'gzip',
  CacheControl: 'public, max-age=31536000, immutable',
  ContentDisposition: 'attachment; filename="app.js"',
  ContentLanguage: 'en',
  Expires: new Date('2030-12-01T16:00:00Z'),
  WebsiteRedirectLocation: '/index.html',
};

const EXPECTED = {
  ContentType: SET.ContentType,
  ContentEncoding: SET.ContentEncoding,
  CacheControl: SET.CacheControl,
  ContentDisposition: SET.ContentDisposition,
  ContentLanguage: SET.ContentLanguage,
  ExpiresString: 'Sun, 01 Dec 2030 16:00:00 GMT',
  WebsiteRedirectLocation: SET.WebsiteRedirectLocation,
};

const BODY = gzipSync(Buffer.from('console.log("hello");\n'.repeat(500)));

async function answers(key: string): Promise<{ get: Record<string, unknown>; head: Record<string, unknown>; body: Buffer }> {
  const client = s3().client;
  const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const body = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
  const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  const pick = (o: Record<string, unknown>) => Object.fromEntries(Object.keys(EXPECTED).map((k) => [k, o[k]]));
  return { get: pick(got as unknown as Record<string, unknown>), head: pick(head as unknown as Record<string, unknown>), body };
}

it('keeps every header of a PutObject and answers them on GET and HEAD, the gzip body unchanged', async () => {
  await s3().client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'site/app.js', Body: BODY, ...SET }));
  const { get, head, body } = await answers('site/app.js');
  expect(get).toEqual(EXPECTED);
  expect(head).toEqual(EXPECTED);
  expect(body.equals(BODY)).toBe(true);
});

it('keeps Content-Encoding of a stream upload sent aws-chunked: only the framing is taken off', async () => {
  await s3().client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'site/chunked.js', Body: Readable.from([BODY]), ContentLength: BODY.length, ...SET, ChecksumAlgorithm: 'CRC32' }));
  const { get, body } = await answers('site/chunked.js');
  expect(get).toEqual(EXPECTED);
  expect(body.equals(BODY)).toBe(true);
});

it('keeps every header given to CreateMultipartUpload on the completed object', async () => {
  const client = s3().client;
  const key = 'site/big.js';
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ...SET }));
  const part = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: created.UploadId, PartNumber: 1, Body: BODY }));
  await client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  const { get, head, body } = await answers(key);
  expect(get).toEqual(EXPECTED);
  expect(head).toEqual(EXPECTED);
  expect(body.equals(BODY)).toBe(true);
});

it('copies the headers with the object (CopyObject, metadata directive COPY)', async () => {
  await s3().client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'site/original.js', Body: BODY, ...SET }));
  await s3().client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'site/copy.js', CopySource: `${BUCKET}/site/original.js` }));
  expect((await answers('site/copy.js')).get).toEqual(EXPECTED);
});

it('keeps an Expires header that is not an HTTP date exactly as sent, as S3 does (the restore sends the recorded string)', async () => {
  const client = s3().client;
  await client.send(withExpiresHeader(new PutObjectCommand({ Bucket: BUCKET, Key: 'site/expired.js', Body: BODY }), '0'));
  const created = await client.send(withExpiresHeader(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'site/expired-big.js' }), 'never'));
  const part = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'site/expired-big.js', UploadId: created.UploadId, PartNumber: 1, Body: BODY }));
  await client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'site/expired-big.js', UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  expect((await answers('site/expired.js')).get['ExpiresString']).toBe('0');
  expect((await answers('site/expired-big.js')).head['ExpiresString']).toBe('never');
});
