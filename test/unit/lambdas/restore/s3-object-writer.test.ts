import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, PutObjectTaggingCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { writeS3Object } from '../../../../lambdas/restore/s3-object-writer';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';

const s3 = mockClient(S3Client);
const MIB = 1024 * 1024;
afterAll(() => s3.restore());
beforeEach(() => s3.reset());

async function* chunks(body: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
}

it('uploads a body above the threshold in 8 MiB parts declared CRC32, the rest last, and completes them in order with their checksums, the tags after', async () => {
  const body = pseudoRandomBytes(20 * MIB, 3);
  const parts: Buffer[] = [];
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
  s3.on(UploadPartCommand).callsFake((input: { PartNumber: number; Body: Buffer }) => {
    parts[input.PartNumber - 1] = Buffer.from(input.Body);
    return { ETag: `"e${input.PartNumber}"`, ChecksumCRC32: `c${input.PartNumber}==` };
  });
  s3.on(CompleteMultipartUploadCommand).resolves({});
  s3.on(PutObjectTaggingCommand).resolves({});
  const { bytes } = await writeS3Object(new S3Client({ region: 'us-east-1' }), 'b', 'k', chunks(body, 3 * MIB + 17), { contentType: 'x/y', headers: { contentEncoding: 'gzip', cacheControl: 'no-store', contentDisposition: 'inline', contentLanguage: 'en', websiteRedirectLocation: '/x' }, metadata: { a: '1' }, tags: { t: 'v' } }, { multipartThreshold: MIB, size: body.length });
  expect(bytes).toBe(body.length);
  expect(parts.map((p) => p.length)).toEqual([8 * MIB, 8 * MIB, 4 * MIB]);
  expect(Buffer.concat(parts).equals(body)).toBe(true);
  expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
    Bucket: 'b',
    Key: 'k',
    ContentType: 'x/y',
    ContentEncoding: 'gzip',
    CacheControl: 'no-store',
    ContentDisposition: 'inline',
    ContentLanguage: 'en',
    WebsiteRedirectLocation: '/x',
    Metadata: { a: '1' },
    ChecksumAlgorithm: 'CRC32',
  });
  expect(s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input.ChecksumAlgorithm)).toEqual(['CRC32', 'CRC32', 'CRC32']);
  expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.MultipartUpload?.Parts).toEqual([1, 2, 3].map((n) => ({ ETag: `"e${n}"`, PartNumber: n, ChecksumCRC32: `c${n}==` })));
  expect(s3.commandCalls(PutObjectTaggingCommand)[0]?.args[0].input.Tagging?.TagSet).toEqual([{ Key: 't', Value: 'v' }]);
  expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
});

it('puts a body within the threshold in one PutObject, whole, with the recorded headers and none other', async () => {
  const body = pseudoRandomBytes(100_000, 4);
  let put: Buffer | undefined;
  s3.on(PutObjectCommand).callsFake((input: { Body: Buffer }) => {
    put = Buffer.from(input.Body);
    return {};
  });
  await writeS3Object(new S3Client({ region: 'us-east-1' }), 'b', 'k', chunks(body, 7000), { headers: { contentEncoding: 'br', cacheControl: 'max-age=60' }, metadata: {}, tags: {} });
  expect(put?.equals(body)).toBe(true);
  const { Body: _body, ...input } = s3.commandCalls(PutObjectCommand)[0]?.args[0].input ?? {};
  expect(input).toEqual({ Bucket: 'b', Key: 'k', ContentEncoding: 'br', CacheControl: 'max-age=60', Metadata: {} });
  expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
});
