import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { mapBounded } from '../../vault';
import { type ObjectPiece } from './object-pieces';
import { getPlanObjectText, RESTORE_PLANS_PREFIX, type RestorePlanDocument } from './restore-plan-document';

/**
 * What the shard of one piece of a large entry wrote, stored beside the plan
 * (`restore-plans/<restoreId>.pieces/<shard>.json`): the verify step puts the entry in place only
 * when every piece has its record. S3 pieces also carry their upload's parts, which complete it.
 */
const pieceRecordSchema = z.object({
  path: z.string(),
  bytes: z.number().int().min(0),
  uploadId: z.string().optional(),
  // ChecksumCRC32: the part's checksum, which completing an upload created with CRC32 must give (absent in records of older versions).
  parts: z.array(z.object({ PartNumber: z.number().int().min(1), ETag: z.string().min(1), ChecksumCRC32: z.string().min(1).optional() })).optional(),
});
export type PieceRecord = z.infer<typeof pieceRecordSchema>;

export type PieceRecordStore = { planS3: S3Client; planBucket: string };

/** Piece records the verify step reads at once. */
const RECORDS_READ_AT_ONCE = 16;

export function pieceRecordKey(restoreId: string, shardIndex: number): string {
  return `${RESTORE_PLANS_PREFIX}${restoreId}.pieces/${shardIndex}.json`;
}

export async function putPieceRecord(store: PieceRecordStore, restoreId: string, shardIndex: number, record: PieceRecord): Promise<void> {
  await store.planS3.send(new PutObjectCommand({ Bucket: store.planBucket, Key: pieceRecordKey(restoreId, shardIndex), Body: JSON.stringify(record), ContentType: 'application/json' }));
}

/** The shards of each entry the plan restores in pieces, by entry path, in byte order. */
export function piecesByEntry(plan: RestorePlanDocument): Map<string, Array<{ shardIndex: number; piece: ObjectPiece }>> {
  const byPath = new Map<string, Array<{ shardIndex: number; piece: ObjectPiece }>>();
  for (const shard of plan.shards) {
    if (!shard.piece) continue;
    const list = byPath.get(shard.first) ?? [];
    list.push({ shardIndex: shard.index, piece: shard.piece });
    byPath.set(shard.first, list);
  }
  for (const list of byPath.values()) list.sort((a, b) => a.piece.start - b.piece.start);
  return byPath;
}

/**
 * The records of an entry's pieces, in byte order, and the shards whose record is missing or is
 * not of this entry, or of another upload (a record left by an earlier restore of the same id).
 */
export async function pieceRecordsOf(
  plan: RestorePlanDocument,
  path: string,
  pieces: ReadonlyArray<{ shardIndex: number; piece: ObjectPiece }>,
  store: PieceRecordStore,
): Promise<{ records: PieceRecord[]; missing: number[] }> {
  // Read side by side: a 5 TB object has about 5,000 pieces, each record a small GET.
  const read = await mapBounded(pieces, RECORDS_READ_AT_ONCE, ({ shardIndex }) => readPieceRecord(store, pieceRecordKey(plan.restore.restoreId, shardIndex)));
  const records: PieceRecord[] = [];
  const missing: number[] = [];
  pieces.forEach(({ shardIndex, piece }, i) => {
    const record = read[i];
    if (!record || record.path !== path || record.uploadId !== piece.uploadId) missing.push(shardIndex);
    else records.push(record);
  });
  return { records, missing };
}

async function readPieceRecord(store: PieceRecordStore, key: string): Promise<PieceRecord | undefined> {
  const text = await getPlanObjectText(store.planS3, store.planBucket, key);
  return text === undefined ? undefined : pieceRecordSchema.parse(JSON.parse(text));
}
