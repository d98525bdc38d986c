/** One byte range of an object split across shards: bytes [start, end), piece `piece` of `pieces`. */
export type S3ObjectPiece = { start: number; end: number; piece: number; pieces: number };

/**
 * The byte ranges an object of `size` bytes is read in when it is larger than a shard's byte budget:
 * pieces of `bytesPerPiece` bytes (the last one shorter), in order, covering [0, size) exactly. An
 * object of at most `bytesPerPiece` bytes is not split (no pieces): a key-range shard reads it whole.
 */
export function s3ObjectPieces(size: number, bytesPerPiece: number): S3ObjectPiece[] {
  const step = Math.max(1, Math.floor(bytesPerPiece));
  if (size <= step) return [];
  const pieces = Math.ceil(size / step);
  return Array.from({ length: pieces }, (_, piece) => ({ start: piece * step, end: Math.min(size, (piece + 1) * step), piece, pieces }));
}
