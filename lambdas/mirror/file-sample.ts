import { z } from 'zod';

/**
 * One regular file of a mirrored file-system source as the sampler read it in the primary region. Its own file so
 * that both the samples' item (file-mirror-samples.ts) and the check's record (mirror-record.ts, which holds the
 * samples still awaiting EFS's next sync) can name it without importing each other.
 */
export const fileSampleSchema = z.object({
  /** The path under the source's directory, '/'-separated (vault/archiver/tree-walker.ts's manifest path). */
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  /** Modification time in milliseconds since the epoch (EFS replication carries it to the replica). */
  mtimeMs: z.number(),
  /** SHA-256 of the content, hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type FileSample = z.infer<typeof fileSampleSchema>;
