import { Readable } from 'node:stream';
import { type IncomingHttpHeaders } from 'node:http';
import { AwsChunkedDecoder, isAwsChunked, rewriteAwsChunkedHeaders } from '../../../../local/cloud/aws-chunked';

async function decode(wire: Buffer, sliceSize: number): Promise<Buffer> {
  const slices: Buffer[] = [];
  for (let i = 0; i < wire.length; i += sliceSize) slices.push(wire.subarray(i, i + sliceSize));
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(slices).pipe(new AwsChunkedDecoder())) out.push(chunk as Buffer);
  return Buffer.concat(out);
}

const payload = Buffer.from('The quick brown fox jumps over the lazy dog, twice: The quick brown fox.');

describe('aws-chunked decoding (what s3rver is given instead of the framed body)', () => {
  const unsigned = Buffer.concat([
    Buffer.from(`${(40).toString(16)}\r\n`),
    payload.subarray(0, 40),
    Buffer.from(`\r\n${(payload.length - 40).toString(16)}\r\n`),
    payload.subarray(40),
    Buffer.from('\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n'),
  ]);
  const signed = Buffer.concat([
    Buffer.from(`${payload.length.toString(16)};chunk-signature=${'a'.repeat(64)}\r\n`),
    payload,
    Buffer.from(`\r\n0;chunk-signature=${'b'.repeat(64)}\r\n\r\n`),
  ]);

  it.each([1, 2, 7, 4096])('decodes unsigned-trailer and signed framing delivered in %i-byte pieces', async (slice) => {
    expect((await decode(unsigned, slice)).equals(payload)).toBe(true);
    expect((await decode(signed, slice)).equals(payload)).toBe(true);
  });

  it('rejects a body cut inside a chunk', async () => {
    await expect(decode(unsigned.subarray(0, 20), 8)).rejects.toThrow(/ended inside a chunk/);
  });

  it('rewrites the headers to those of a plain upload', () => {
    const headers: IncomingHttpHeaders = {
      'content-encoding': 'aws-chunked, gzip',
      'content-length': '999',
      'x-amz-decoded-content-length': String(payload.length),
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-trailer': 'x-amz-checksum-crc32',
    };
    expect(isAwsChunked(headers)).toBe(true);
    rewriteAwsChunkedHeaders(headers);
    expect(headers).toEqual({ 'content-encoding': 'gzip', 'content-length': String(payload.length), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' });
    expect(isAwsChunked(headers)).toBe(false);
    expect(isAwsChunked({ 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' })).toBe(false);
  });
});
