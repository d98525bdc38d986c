import { z } from 'zod';

/**
 * One byte range of a large entry, restored by a shard of its own: an S3 object's as consecutive
 * parts of one multipart upload (split-object-upload.ts), a file's as the blobs starting in it,
 * written into a piece file the restore shares (split-file-pieces.ts). The plan cuts an entry
 * larger than the piece budget into pieces, so no single Lambda has to write a multi-terabyte
 * object within its 15 minutes.
 */
export const objectPieceSchema = z.object({
  /** First byte of the piece in the entry's content. */
  start: z.number().int().min(0),
  /** Byte after the piece's last. */
  end: z.number().int().min(1),
  /** The S3 part number of the piece's first part (1-based); its later parts follow. */
  firstPart: z.number().int().min(1).max(10_000),
  /** Bytes per part (the last part of the object may be shorter). */
  partSize: z.number().int().positive(),
  /** How many pieces the entry has: the last one's shard is not told to complete anything, the verify step does. */
  pieces: z.number().int().min(2),
  /** S3 targets: the multipart upload the plan created for the entry. */
  uploadId: z.string().min(1).optional(),
  /** S3 targets: the object key the upload is for, so a failed restore can abort it from the plan alone (abandon-restore.ts). */
  key: z.string().min(1).optional(),
  /**
   * File-system targets: the entry's name (or a directory's above it), or its piece file's longer path, that the target's
   * file system refused as too long when the plan step made the piece file (split-file-pieces.ts), with the restorer's line
   * for it (name-too-long.ts: `below` for a line said once for a directory). Decided there, once: its shards write nothing
   * and the verify step lists the entry as not restored (review r59J F2).
   */
  nameRefused: z.object({ name: z.enum(['entry', 'piece file']), what: z.string(), below: z.string().optional() }).optional(),
});
export type ObjectPiece = z.infer<typeof objectPieceSchema>;

/** S3's bounds on a multipart upload: at most 10,000 parts, each at least 5 MiB but the last. */
export const MAX_UPLOAD_PARTS = 10_000;
const MIB = 1024 * 1024;
/** The part size of a restore's uploads when the object allows it: few requests, little memory per upload. */
export const DEFAULT_PART_SIZE = 8 * MIB;

/**
 * Bytes per part for an object of `size` bytes: 8 MiB, or larger (in whole MiB) when 8 MiB parts
 * would exceed S3's 10,000 parts (an object above 78 GiB).
 */
export function partSizeFor(size: number): number {
  return Math.max(DEFAULT_PART_SIZE, Math.ceil(size / MAX_UPLOAD_PARTS / MIB) * MIB);
}

/**
 * A piece budget of 1 GiB: a shard restores that within a few minutes at the tens of MB/s a Lambda
 * gets from S3, well inside its 15 minutes, also when it shares the vault with other shards.
 */
export const DEFAULT_PIECE_BYTES = 1024 * MIB;

/**
 * The pieces of an entry of `size` bytes under a piece budget: whole parts each, as many as the
 * budget holds (at least one part), so part numbers follow from the byte offsets; none (empty) when
 * the entry fits the budget, and it is restored whole.
 */
export function piecesOf(size: number, pieceBytes: number): Array<Pick<ObjectPiece, 'start' | 'end' | 'firstPart' | 'partSize' | 'pieces'>> {
  if (size <= pieceBytes) return [];
  const partSize = partSizeFor(size);
  const partsPerPiece = Math.max(1, Math.floor(pieceBytes / partSize));
  const pieceSize = partsPerPiece * partSize;
  const count = Math.ceil(size / pieceSize);
  if (count < 2) return [];
  const pieces: Array<Pick<ObjectPiece, 'start' | 'end' | 'firstPart' | 'partSize' | 'pieces'>> = [];
  for (let i = 0; i < count; i++) {
    const start = i * pieceSize;
    pieces.push({ start, end: Math.min(size, start + pieceSize), firstPart: i * partsPerPiece + 1, partSize, pieces: count });
  }
  return pieces;
}
