import * as z from 'zod/mini';
import { countSchema as count, hexIdSchema as hexId } from '../repository/vault-schema';

/**
 * The snapshot object (docs/FORMAT.md §8): sealed as kind `snapshot`, stored at
 * `snapshots/<sha256 of the stored bytes>`; that id is the snapshot id. Written last by a commit:
 * a snapshot exists only once every object it references does.
 */
const jsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const snapshotSourceSchema = z.catchall(
  z.object({
    /** `directory`, `s3-bucket`, `dynamodb-table`, … */
    kind: z.string().check(z.minLength(1)),
    /** A stable identifier of the source (absolute directory, `s3://bucket/prefix`, table ARN): "same source" for parents. */
    id: z.string().check(z.minLength(1)),
  }),
  z.union([jsonScalar, z.array(jsonScalar), z.record(z.string(), z.unknown())]),
);
export type SnapshotSource = z.infer<typeof snapshotSourceSchema>;

export const snapshotStatsSchema = z.object({
  entries: count,
  bytes: count,
  bytesScanned: count,
  bytesNew: count,
  bytesStored: count,
  blobsNew: count,
  durationMs: z.number().check(z.nonnegative()),
});
export type SnapshotStats = z.infer<typeof snapshotStatsSchema>;

export const snapshotRecordSchema = z.object({
  v: z.literal(1),
  time: z.string(),
  hostname: z.string(),
  source: snapshotSourceSchema,
  parent: z.nullable(hexId),
  tags: z.array(z.string()),
  /** Root hash: id of the manifest root object. */
  manifest: hexId,
  /** Index objects written by this snapshot's writers (informational; every index is loaded on open). */
  indexes: z.array(hexId),
  stats: snapshotStatsSchema,
});
export type SnapshotRecord = z.infer<typeof snapshotRecordSchema>;

export type Snapshot = SnapshotRecord & { readonly id: string };

/**
 * When the backup of a snapshot started: `time` is the commit's instant and `stats.durationMs` counts
 * from the start, so their difference is the start to about a millisecond (0 durations: the commit).
 * Retention rules speak of when backups started (restic's too), and a long backup must count on its day.
 */
export function snapshotStartedAt(snapshot: Pick<SnapshotRecord, 'time' | 'stats'>): string {
  return new Date(Date.parse(snapshot.time) - snapshot.stats.durationMs).toISOString();
}
