import { z } from 'zod';
import { mirrorPk } from './mirror-record';

/** The sort key of a file-system source's latest samples, beside its `MIRROR` check record (same partition, same IAM leading key). */
export const FILE_SAMPLES_SK = 'FILE-SAMPLES';

/** One regular file of a mirrored file-system source as the sampler read it in the primary region. */
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

/**
 * `MIRROR#<source>` / `FILE-SAMPLES` in the DR catalog: the latest window of a mirrored file-system
 * source sampled by the primary region's sampler (file-mirror-sampler.ts), which the DR region's mirror
 * check compares with the mounted replica (file-mirror-comparison.ts). The two regions cannot mount
 * each other's file systems, so the samples cross regions through the catalog.
 */
export const fileSamplesRecordSchema = z.object({
  environment: z.string().min(1),
  source: z.string().min(1),
  /** When the sampler started reading: every sample shows the file as it was at this time or later. */
  sampledAt: z.string().min(1),
  samples: z.array(fileSampleSchema),
  /** The window's last path: the next sampling starts after it; empty when it reached the end (the next starts over). */
  cursor: z.string(),
  /** Files the sampler met but could not read (vanished, unreadable) in this window. */
  skipped: z.number().int().nonnegative(),
});
export type FileSamplesRecord = z.infer<typeof fileSamplesRecordSchema>;

export const fileSamplesKey = (source: string): { pk: string; sk: string } => ({ pk: mirrorPk(source), sk: FILE_SAMPLES_SK });
