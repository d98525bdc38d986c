import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { isS3NotFound, type ManifestEntry, readEntryRange, type Vault } from '../../vault';
import { withUnsignedPayload } from '../../vault/aws';
import { completedPart, MULTIPART_CHECKSUM } from './multipart-checksum';
import { type ObjectPiece } from './object-pieces';
import { type PieceRecord, pieceRecordsOf, type PieceRecordStore, piecesByEntry, putPieceRecord } from './piece-records';
import { type RestorePlanDocument } from './restore-plan-document';
import { SplitEntryIncompleteError } from './restore-errors';
import { s3Attributes, s3TargetKey } from './restored-entry';
import { objectHeaderInput, withExpiresHeader } from './s3-object-header-input';
import { type S3ObjectAttributes } from './s3-object-writer';
import { UploadPartBuffer } from './upload-part-buffer';

/**
 * A large S3 entry restored by several shards: one multipart upload, created by the plan step,
 * whose parts each piece's shard uploads (part numbers follow from the piece's byte offsets, so a
 * retried shard replaces its own parts), and which the verify step completes from the parts the
 * shards recorded beside the plan. Until then the object does not exist in the target: a failed
 * restore leaves no partial object, only an incomplete upload (see docs/ARCHITECTURE.md).
 */

/** Starts the multipart upload of a split entry (plan step): content type, the other recorded headers and user metadata go with it, tags come at completion. */
export async function startSplitUpload(s3: S3Client, bucket: string, key: string, attributes: S3ObjectAttributes): Promise<string> {
  const created = await s3.send(
    withExpiresHeader(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ...(attributes.contentType !== undefined ? { ContentType: attributes.contentType } : {}),
        ...objectHeaderInput(attributes.headers),
        Metadata: attributes.metadata,
        ChecksumAlgorithm: MULTIPART_CHECKSUM,
      }),
      attributes.headers.expires,
    ),
  );
  if (!created.UploadId) throw new Error(`S3 started no multipart upload for s3://${bucket}/${key} (no UploadId in its answer)`);
  return created.UploadId;
}

export type PieceUploadDeps = PieceRecordStore & { targetS3: S3Client };

/**
 * Restores one piece (a shard's work): reads its byte range of the entry, uploads it as the
 * piece's parts, and records their ETags beside the plan. Resolves with the bytes uploaded.
 */
export async function uploadObjectPiece(
  vault: Vault,
  entry: ManifestEntry,
  piece: ObjectPiece,
  where: { restoreId: string; shardIndex: number; bucket: string; key: string },
  deps: PieceUploadDeps,
): Promise<number> {
  const uploadId = piece.uploadId;
  if (uploadId === undefined) throw new Error(`piece ${piece.start}–${piece.end} of ${JSON.stringify(entry.path)} names no multipart upload: the restore plan was not made for an S3 target`);
  const parts: NonNullable<PieceRecord['parts']> = [];
  const buffer = new UploadPartBuffer(piece.partSize);
  let uploaded = 0;
  const send = async (body: Buffer): Promise<void> => {
    const PartNumber = piece.firstPart + parts.length;
    const answer = await deps.targetS3.send(withUnsignedPayload(new UploadPartCommand({ Bucket: where.bucket, Key: where.key, UploadId: uploadId, PartNumber, Body: body, ChecksumAlgorithm: MULTIPART_CHECKSUM })));
    if (!answer.ETag) throw new Error(`S3 gave no ETag for part ${PartNumber} of s3://${where.bucket}/${where.key}`);
    parts.push(completedPart(PartNumber, answer));
    uploaded += body.length;
  };
  for await (const data of readEntryRange(vault, entry, piece.start, piece.end)) {
    buffer.push(data);
    for (const part of buffer.fullParts()) await send(part);
  }
  const last = buffer.takeRest();
  if (last.length > 0) await send(last);
  if (uploaded !== piece.end - piece.start) throw new Error(`piece ${piece.start}–${piece.end} of ${JSON.stringify(entry.path)} read ${uploaded} bytes instead of ${piece.end - piece.start}`);
  await putPieceRecord(deps, where.restoreId, where.shardIndex, { path: entry.path, bytes: uploaded, uploadId, parts });
  return uploaded;
}

/**
 * Completes the multipart uploads of the plan's split entries (verify step): the parts every piece
 * shard recorded (piece-records.ts), in order, then the entry's tags. Idempotent: an upload a
 * previous attempt completed is recognised by the object's size (and then proven by the content
 * check). A piece without its record fails the restore (SplitEntryIncompleteError, naming the entry
 * and the shard) after aborting the upload, so no parts stay billed.
 */
export async function completeSplitUploads(
  plan: RestorePlanDocument,
  entryOf: (path: string) => ManifestEntry | undefined,
  deps: PieceUploadDeps,
): Promise<number> {
  const target = plan.restore.target;
  if (target.type !== 's3') return 0;
  const byPath = piecesByEntry(plan);
  for (const [path, pieces] of byPath) {
    const entry = entryOf(path);
    if (!entry) throw new SplitEntryIncompleteError(`${JSON.stringify(path)} was split into pieces by the restore plan but is not in the snapshot: the plan and the snapshot disagree; run the restore again`);
    const key = s3TargetKey(target, entry);
    const first = pieces[0]?.piece as ObjectPiece;
    const uploadId = first.uploadId ?? '';
    const { records, missing } = await pieceRecordsOf(plan, path, pieces, deps);
    const parts = records.flatMap((r) => r.parts ?? []);
    if (missing.length > 0 || pieces.length !== first.pieces) {
      await deps.targetS3.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw new SplitEntryIncompleteError(
        `${JSON.stringify(path)} is restored in ${first.pieces} pieces, but ${missing.length > 0 ? `shard(s) ${missing.join(', ')} recorded no uploaded parts` : `the plan lists ${pieces.length}`}; its upload to s3://${target.bucket}/${key} was aborted: run the restore again`,
      );
    }
    try {
      await deps.targetS3.send(
        new CompleteMultipartUploadCommand({ Bucket: target.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts.sort((a, b) => a.PartNumber - b.PartNumber) } }),
      );
    } catch (err) {
      // A retried verify step: S3 knows no such upload once the first attempt completed it. The object
      // of the entry's size is then taken as done; the content check that follows reads it back whole,
      // so an older object of the same size that the upload never replaced still fails the restore.
      if (!(await hasSize(deps.targetS3, target.bucket, key, entry.size))) throw err;
    }
    const tags = Object.entries(s3Attributes(entry).tags).map(([Key, Value]) => ({ Key, Value }));
    if (tags.length > 0) await deps.targetS3.send(new PutObjectTaggingCommand({ Bucket: target.bucket, Key: key, Tagging: { TagSet: tags } }));
  }
  return byPath.size;
}

async function hasSize(s3: S3Client, bucket: string, key: string, size: number): Promise<boolean> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ContentLength === size;
  } catch (err) {
    if (isS3NotFound(err)) return false;
    throw err;
  }
}
