import { z } from 'zod';
import { fileSampleSchema } from './file-sample';
import { mirrorPk } from './mirror-record';
import { sourceAnswersSchema } from './unconfirmed-missing';

export { type FileSample, fileSampleSchema } from './file-sample';

/** The sort key of a file-system source's latest samples, beside its `MIRROR` check record (same partition, same IAM leading key). */
export const FILE_SAMPLES_SK = 'FILE-SAMPLES';

/**
 * `MIRROR#<source>` / `FILE-SAMPLES` in the DR catalog: the latest window of a mirrored file-system
 * source sampled by the primary region's sampler (file-mirror-sampler.ts), which the DR region's mirror
 * check compares with the mounted replica (file-mirror-comparison.ts). The two regions cannot mount
 * each other's file systems, so the samples cross regions through the catalog.
 */
export const fileSamplesRecordSchema = z.object({
  environment: z.string().min(1),
  source: z.string().min(1),
  /**
   * The source's configured path the samples, cursor and problems were read under: the check judges only an item of the
   * path configured now, and the sampler starts a new pass when the path changes (review r57O-2: samples of the former
   * directory were judged under the new one, each a false "missing from the mirror"). Absent in items of earlier
   * samplers, which are taken as of the path configured now.
   */
  sourcePath: z.string().min(1).optional(),
  /** When the sampler started reading: every sample shows the file as it was at this time or later. */
  sampledAt: z.string().min(1),
  /**
   * When the sampler had read the window's last file: every sample shows its file as it was at some time between
   * `sampledAt` and this, so a replica judged on it must have synced after this (file-mirror-comparison.ts). Absent in
   * items of earlier samplers.
   */
  readUntil: z.string().min(1).optional(),
  samples: z.array(fileSampleSchema),
  /** The window's last path: the next sampling starts after it; empty when it reached the end (the next starts over). */
  cursor: z.string(),
  /** Files the sampler met but that were gone by the time it read them (deleted, or replaced by another kind) in this window. */
  skipped: z.number().int().nonnegative(),
  /**
   * What the sampler could not read: the source's directory itself (missing, refused), or a directory or file under
   * it that fails it (EACCES, EIO…): the first such path with its error, and how many more. The check fails the source
   * with it: a mirror whose source cannot be read is not vouched for. Not this window's alone (review r57L-3: only the
   * window whose walk met the path failed, the others passed, and the alarm flapped): the pass in progress's first
   * problem, else the last complete pass's, so it stays until a whole pass over the source has read everything.
   * Absent when nothing of either was unreadable.
   */
  problem: z.string().min(1).optional(),
  /** The first problem of the pass in progress (its windows since the walk last started over); absent when none, and at a pass's end. */
  passProblem: z.string().min(1).optional(),
  /**
   * The sampler's answer about the files the check found missing from the replica and holds unconfirmed
   * (MirrorRecord.unconfirmed, read from the check's record at this sampling): still at the source, or gone. Absent when
   * the check held none, and in items of earlier samplers.
   */
  sourceAnswers: sourceAnswersSchema.optional(),
});
export type FileSamplesRecord = z.infer<typeof fileSamplesRecordSchema>;

/**
 * `record` when it was read under `path` (its `sourcePath`), else none: read under another path (the configuration changed),
 * it names files of the former directory (review r57O-2). One of an earlier version, which does not say its path, is
 * taken as read under `path`.
 */
export const readUnder = <T extends { sourcePath?: string }>(path: string, record: T | undefined): T | undefined =>
  record?.sourcePath !== undefined && record.sourcePath !== path ? undefined : record;

export const fileSamplesKey = (source: string): { pk: string; sk: string } => ({ pk: mirrorPk(source), sk: FILE_SAMPLES_SK });
