import { z } from 'zod';
import { manifestEntrySchema } from '../../vault';

/**
 * What an s3-range shard stores in its part instead of manifest runs (docs/ARCHITECTURE.md, "Objects
 * split by byte ranges"): one piece of an object, for commit to join with the others in piece order.
 *   stored:   the piece's bytes are in the vault; `content` is their blob list (piece 0 also carries
 *             the entry's meta and change token, from its own GetObject and GetObjectTagging)
 *   reused:   the parent snapshot has the object with the same change token; piece 0 recorded the
 *             parent's entry in its part's runs, and the other pieces did nothing
 *   vanished: the object was deleted after planning (404); the snapshot leaves it out
 */
export const storedObjectPieceSchema = z.object({
  /** The entry path of the object (s3EntryPath of its key). */
  path: z.string().min(1),
  key: z.string(),
  piece: z.number().int().min(0),
  pieces: z.number().int().min(2),
  outcome: z.enum(['stored', 'reused', 'vanished']),
  /** Bytes of this piece (0 unless stored). */
  size: z.number().int().min(0),
  content: manifestEntrySchema.shape.content,
  meta: z.optional(manifestEntrySchema.shape.meta),
  changeToken: z.string().optional(),
});
export type StoredObjectPiece = z.infer<typeof storedObjectPieceSchema>;
