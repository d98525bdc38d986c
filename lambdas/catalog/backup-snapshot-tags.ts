import { z } from 'zod';
import { backupStrategySchema, type BackupStrategy } from './backup-record';

/**
 * The tags of a backup's vault snapshots: `key:value` strings (a value may hold `:`), so that the
 * vault alone says which run, plan and catalog record a snapshot belongs to — the replication step
 * reads `backupId:`, and `lifeboat catalog rebuild` rebuilds the whole record from them
 * (docs/ARCHITECTURE.md, "Backups in the vault"). The snapshot object's format is unchanged: tags
 * were always free strings, and a reader ignores the keys it does not know.
 *
 * Written since the catalog rebuild exists: every key below. Before it: `backupId`, `plan` and
 * `strategy` only; a rebuild of such a snapshot derives or leaves out the rest and says which.
 */

/** What a run knows about itself when it commits: from its plan document. */
export type BackupRunTags = {
  backupId: string;
  plan: string;
  environment: string;
  strategy: BackupStrategy;
  requestedStrategy: BackupStrategy;
  parentBackupId?: string;
  baseBackupId?: string;
  startedAt: string;
  trigger?: string;
  shardCount: number;
  /** Every source of the run, in plan order: a rebuild knows a source's snapshot is missing. */
  sourceNames: readonly string[];
};

/** What the shards of one source observed (the catalog's per-source counters that the snapshot stats lack). */
export type SourceObservationTags = { changedDuringRead: number; vanished: number; skipped: number };

/** The tags of one source's snapshot of a run. */
export function backupSnapshotTags(run: BackupRunTags, source: SourceObservationTags): string[] {
  return [
    `backupId:${run.backupId}`,
    `plan:${run.plan}`,
    `strategy:${run.strategy}`,
    `environment:${run.environment}`,
    `requestedStrategy:${run.requestedStrategy}`,
    ...(run.parentBackupId ? [`parentBackupId:${run.parentBackupId}`] : []),
    ...(run.baseBackupId ? [`baseBackupId:${run.baseBackupId}`] : []),
    `startedAt:${run.startedAt}`,
    ...(run.trigger !== undefined ? [`trigger:${run.trigger}`] : []),
    `shardCount:${run.shardCount}`,
    ...run.sourceNames.map((name) => `backupSource:${name}`),
    `changedDuringRead:${source.changedDuringRead}`,
    `vanished:${source.vanished}`,
    `skipped:${source.skipped}`,
  ];
}

const count = z.coerce.number().int().nonnegative();

/** The tags as a rebuild reads them: only backupId, plan and strategy are in every workflow snapshot. */
export const backupSnapshotTagsSchema = z.object({
  backupId: z.string().min(1),
  plan: z.string().min(1),
  strategy: backupStrategySchema,
  environment: z.string().min(1).optional(),
  requestedStrategy: backupStrategySchema.optional(),
  parentBackupId: z.string().min(1).optional(),
  baseBackupId: z.string().min(1).optional(),
  startedAt: z.iso.datetime().optional(),
  trigger: z.string().optional(),
  shardCount: count.optional(),
  backupSource: z.array(z.string().min(1)).optional(),
  changedDuringRead: count.optional(),
  vanished: count.optional(),
  skipped: count.optional(),
});
export type BackupSnapshotTags = z.infer<typeof backupSnapshotTagsSchema>;

/** Keys that may repeat (one tag per value); every other key is read once (the first). */
const REPEATED = new Set(['backupSource']);

/** The backup id of a snapshot's tags, or undefined for a snapshot the backup workflow did not write. */
export function backupIdOfTags(tags: readonly string[]): string | undefined {
  const tag = tags.find((t) => t.startsWith('backupId:'));
  return tag ? tag.slice('backupId:'.length) || undefined : undefined;
}

/** The plan of a snapshot's tags (`plan:`, in every snapshot the backup workflow wrote), or undefined for one without it. */
export function planOfTags(tags: readonly string[]): string | undefined {
  const tag = tags.find((t) => t.startsWith('plan:'));
  return tag ? tag.slice('plan:'.length) || undefined : undefined;
}

/**
 * Reads a snapshot's tags: `undefined` when it has no `backupId:` (not a backup workflow snapshot),
 * otherwise the fields or the problems that make them unusable (named by key).
 */
export function readBackupSnapshotTags(tags: readonly string[]): { tags: BackupSnapshotTags } | { problems: string[] } | undefined {
  if (backupIdOfTags(tags) === undefined) return undefined;
  const fields: Record<string, string | string[]> = {};
  for (const tag of tags) {
    const colon = tag.indexOf(':');
    if (colon <= 0) continue;
    const key = tag.slice(0, colon);
    const value = tag.slice(colon + 1);
    if (REPEATED.has(key)) fields[key] = [...((fields[key] as string[] | undefined) ?? []), value];
    else fields[key] ??= value;
  }
  const parsed = backupSnapshotTagsSchema.safeParse(fields);
  if (parsed.success) return { tags: parsed.data };
  return { problems: parsed.error.issues.map((i) => `tag ${i.path.join('.') || '(tags)'}: ${i.message}`) };
}
