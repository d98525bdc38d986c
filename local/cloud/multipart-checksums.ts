import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type S3rver from 's3rver';
import { replyS3Error } from './s3-xml-reply';
import { s3RequestPath } from './s3-request-path';
import { readRequestBody, requestHeader } from './request-reads';

type UploadStore = S3rver.Store & { getResourcePath(bucket: string, key: string | undefined, resource: string): string };

/** The checksum algorithms S3 knows, by the suffix of their `x-amz-checksum-*` header. */
const ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
type ChecksumAlgorithm = (typeof ALGORITHMS)[number];

/** The `x-amz-trailer` of requests whose aws-chunked body was decoded: the decoding removes it from the headers. */
const checksumTrailers = new WeakMap<S3rver.Context, string>();

/** Called by the aws-chunked decoder before it rewrites the headers: a checksum sent as a trailer is a checksum all the same. */
export function noteChecksumTrailer(ctx: S3rver.Context, trailer: string): void {
  checksumTrailers.set(ctx, trailer);
}

/** The value S3 gives for each algorithm this emulation computes (the others are checked for type only). */
const COMPUTE: Partial<Record<ChecksumAlgorithm, (bytes: Buffer) => string>> = {
  crc32: (bytes) => {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(crc32(bytes));
    return value.toString('base64');
  },
  sha1: (bytes) => createHash('sha1').update(bytes).digest('base64'),
  sha256: (bytes) => createHash('sha256').update(bytes).digest('base64'),
};

function algorithmNamed(name: string | undefined): ChecksumAlgorithm | undefined {
  const lower = name?.toLowerCase();
  return ALGORITHMS.find((a) => a === lower);
}

/** The algorithm of the checksum a part request carries: a header, a trailer, or the SDK's declaration; undefined for none. */
function partAlgorithm(ctx: S3rver.Context): ChecksumAlgorithm | undefined {
  for (const a of ALGORITHMS) if (requestHeader(ctx.headers, `x-amz-checksum-${a}`) !== undefined) return a;
  const trailer = checksumTrailers.get(ctx);
  if (trailer !== undefined && trailer.toLowerCase().startsWith('x-amz-checksum-')) return algorithmNamed(trailer.slice('x-amz-checksum-'.length));
  return algorithmNamed(requestHeader(ctx.headers, 'x-amz-sdk-checksum-algorithm'));
}

/**
 * S3's checksum rules for multipart uploads, which s3rver ignores (S3 user guide, "Checking object
 * integrity"; API reference, CreateMultipartUpload `x-amz-checksum-algorithm` and
 * CompleteMultipartUpload `ChecksumCRC32`):
 *
 * - an upload created with `x-amz-checksum-algorithm` takes parts with a checksum of that algorithm
 *   only: a part with another one, or with none, is answered 400 InvalidRequest "Checksum Type
 *   mismatch occurred, expected checksum Type: crc32, actual checksum Type: null";
 * - a part's checksum is computed (CRC32, SHA-1, SHA-256; CRC32C and CRC64NVME are checked for
 *   their type only) and returned in the part's `x-amz-checksum-*` header; one the client sent that
 *   differs is 400 BadDigest, and the part is not kept;
 * - CompleteMultipartUpload of such an upload must give each part's checksum: a part without it is
 *   400 InvalidRequest "… It was missing for part N in the request", one that differs from the
 *   part's is 400 InvalidPart.
 *
 * Left as s3rver has it: an upload created without an algorithm takes parts with or without
 * checksums (S3's answer to that mix has changed since its 2025 default checksums, and the vault and
 * the restore writers always declare CRC32), and the completed object's composite checksum.
 */
export function multipartChecksumMiddleware(store: S3rver.Store): S3rver.Middleware {
  const uploadDir = (bucket: string, uploadId: string): string | undefined =>
    /^[0-9a-f]{32}$/.test(uploadId) ? path.join((store as UploadStore).getResourcePath(bucket, undefined, 'uploads'), uploadId) : undefined;
  /** The algorithm an upload was created with (s3rver keeps its CreateMultipartUpload headers); undefined for none or an unknown upload. */
  const declaredAlgorithm = async (dir: string): Promise<ChecksumAlgorithm | undefined> => {
    const metadata = await readFile(path.join(dir, 'metadata'), 'utf8').catch(() => undefined);
    if (metadata === undefined) return undefined;
    const headers = JSON.parse(metadata) as Record<string, unknown>;
    const declared = headers['x-amz-checksum-algorithm'];
    return typeof declared === 'string' ? algorithmNamed(declared) : undefined;
  };

  return async (ctx, next) => {
    const query = new URLSearchParams(ctx.querystring);
    const uploadId = query.get('uploadId');
    const { bucket, key } = s3RequestPath(ctx);
    const dir = uploadId !== null && bucket !== '' && key !== '' ? uploadDir(bucket, uploadId) : undefined;
    if (!dir || (ctx.method !== 'PUT' && ctx.method !== 'POST')) return next();
    const declared = await declaredAlgorithm(dir);
    if (!declared) return next();

    if (ctx.method === 'PUT') {
      const partNumber = query.get('partNumber') ?? '';
      const sent = partAlgorithm(ctx);
      if (sent !== declared) {
        replyS3Error(ctx, 400, 'InvalidRequest', `Checksum Type mismatch occurred, expected checksum Type: ${declared}, actual checksum Type: ${sent ?? 'null'}`);
        return;
      }
      await next();
      const compute = COMPUTE[declared];
      if (ctx.status !== 200 || !compute || !/^\d+$/.test(partNumber)) return;
      const partFile = path.join(dir, partNumber);
      const value = compute(await readFile(partFile));
      const claimed = requestHeader(ctx.headers, `x-amz-checksum-${declared}`);
      if (claimed !== undefined && claimed !== value) {
        await rm(partFile, { force: true });
        replyS3Error(ctx, 400, 'BadDigest', `The ${declared.toUpperCase()} you specified did not match the calculated checksum.`);
        return;
      }
      await writeFile(`${partFile}.${declared}`, value);
      ctx.set(`x-amz-checksum-${declared}`, value);
      return;
    }

    // CompleteMultipartUpload: the body is read here and handed on to s3rver as it came.
    const body = await readRequestBody(ctx.req);
    const element = `Checksum${declared.toUpperCase()}`;
    for (const [, part = ''] of body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
      const number = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(part)?.[1] ?? '?';
      const given = new RegExp(`<${element}>([^<]*)</${element}>`).exec(part)?.[1];
      if (given === undefined) {
        replyS3Error(ctx, 400, 'InvalidRequest', `The upload was created using a ${declared} checksum. The complete request must include the checksum for each part. It was missing for part ${number} in the request.`);
        return;
      }
      const stored = COMPUTE[declared] ? await readFile(path.join(dir, `${number}.${declared}`), 'utf8').catch(() => undefined) : given;
      if (stored !== given) {
        replyS3Error(ctx, 400, 'InvalidPart', 'One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.');
        return;
      }
    }
    ctx.req = Readable.from([body]);
    await next();
  };
}
