import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { withUnsignedPayload } from '../../vault/aws';
import { type S3ObjectHeaders } from '../sources/s3-object-headers';
import { completedPart, type CompletedPart, MULTIPART_CHECKSUM } from './multipart-checksum';
import { DEFAULT_PART_SIZE, partSizeFor } from './object-pieces';
import { objectHeaderInput, withExpiresHeader } from './s3-object-header-input';
import { UploadPartBuffer } from './upload-part-buffer';

/** What a restored object gets besides its body: `headers` are the recorded ones (Content-Encoding, Cache-Control …; s3-object-headers.ts). */
export type S3ObjectAttributes = { contentType?: string; headers: S3ObjectHeaders; metadata: Record<string, string>; tags: Record<string, string> };

/** Objects larger than this are uploaded in parts (S3 allows at most 5 GiB in one PutObject). */
export const DEFAULT_MULTIPART_THRESHOLD = 16 * 1024 * 1024;

/**
 * Writes one restored object: body from an async iterable of chunks (so large objects stream),
 * content type and the other recorded headers, user metadata and tags. Bodies above the threshold
 * go up as a multipart upload (the headers set when it is created), aborted on failure so no
 * orphaned parts are billed.
 */
export async function writeS3Object(
  s3: S3Client,
  bucket: string,
  key: string,
  body: AsyncIterable<Uint8Array>,
  attributes: S3ObjectAttributes,
  options: { multipartThreshold?: number; size?: number } = {},
): Promise<{ bytes: number }> {
  const threshold = options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD;
  // The body's length when known (a manifest entry's size): parts then stay within S3's 10,000 for any object.
  const partSize = options.size !== undefined ? partSizeFor(options.size) : DEFAULT_PART_SIZE;
  const common = {
    Bucket: bucket,
    Key: key,
    ...(attributes.contentType !== undefined ? { ContentType: attributes.contentType } : {}),
    ...objectHeaderInput(attributes.headers),
    Metadata: attributes.metadata,
  };
  const buffer = new UploadPartBuffer(partSize);
  let total = 0;
  let uploadId: string | undefined;
  const parts: CompletedPart[] = [];
  const uploadPart = async (part: Buffer): Promise<void> => {
    const partNumber = parts.length + 1;
    // Each shard reads back what it wrote (shard-checks.ts), and S3 checks the CRC32 the SDK sends: no SHA-256 of the body for the signature.
    const uploaded = await s3.send(withUnsignedPayload(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: part, ChecksumAlgorithm: MULTIPART_CHECKSUM })));
    parts.push(completedPart(partNumber, uploaded));
  };
  try {
    for await (const chunk of body) {
      buffer.push(chunk);
      total += chunk.byteLength;
      if (uploadId === undefined && buffer.bytes > threshold) {
        const created = await s3.send(withExpiresHeader(new CreateMultipartUploadCommand({ ...common, ChecksumAlgorithm: MULTIPART_CHECKSUM }), attributes.headers.expires));
        uploadId = created.UploadId;
      }
      if (uploadId !== undefined) for (const part of buffer.fullParts()) await uploadPart(part);
    }
    if (uploadId === undefined) {
      await s3.send(withUnsignedPayload(withExpiresHeader(new PutObjectCommand({ ...common, Body: buffer.takeRest() }), attributes.headers.expires)));
    } else {
      const last = buffer.takeRest();
      if (last.length > 0) await uploadPart(last);
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    }
  } catch (err) {
    if (uploadId !== undefined) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    }
    throw err;
  }
  const tagSet = Object.entries(attributes.tags).map(([Key, Value]) => ({ Key, Value }));
  if (tagSet.length > 0) await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: tagSet } }));
  return { bytes: total };
}
