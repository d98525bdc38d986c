import { z } from 'zod';

const count = z.number().int().nonnegative();

/** How long a prune run's item stays in the catalog (its `expiresAt`, the table's TTL attribute): a year and a month of history. */
export const PRUNE_RECORD_DAYS = 400;

/** The partition of one vault's prune runs in its region's catalog: `PRUNE#primary`, `PRUNE#dr`. */
export const prunePk = (vault: 'primary' | 'dr'): string => `PRUNE#${vault}`;

/**
 * One prune run of a vault as the catalog of the vault's region keeps it (`pk = PRUNE#<vault>`,
 * `sk = <startedAt ISO>`): what it deleted, repacked, condemned and skipped, and whether it
 * completed. The workflow's Prune step writes the item again after each invocation (same key, the
 * report so far), so a run cut by its deadline reads `DEADLINE` until the invocation that finishes
 * it writes `COMPLETED`. No `plan` attribute: the byPlan index of backups never sees it. Dry runs
 * change nothing and are not recorded. `status` shows the latest per vault; validated whenever read.
 */
export const pruneRunRecordSchema = z.object({
  environment: z.string().min(1),
  vault: z.enum(['primary', 'dr']),
  /** Who ran it: the `<prefix>-prune` workflow, or `lifeboat prune`. */
  trigger: z.enum(['workflow', 'cli']),
  startedAt: z.string().min(1),
  /** When the last invocation of the run ended (the run itself when COMPLETED). */
  finishedAt: z.string().min(1),
  durationMs: z.number().nonnegative(),
  /** COMPLETED: swept, condemned and repacked to the end; DEADLINE: the invocation ran out of time and the run continues from its cursor. */
  outcome: z.enum(['COMPLETED', 'DEADLINE']),
  snapshots: count,
  deleted: z.object({ packs: count, indexes: count, manifests: count }),
  bytesFreed: count,
  packsRepacked: count,
  bytesRepackWritten: count,
  condemned: z.object({ packs: count, indexes: count, manifests: count, bytes: count }),
  /** Deletes Object Lock refused (retried by a later run). */
  lockedSkipped: count,
  /** Condemned objects a newer snapshot references again: kept. */
  spared: count,
  /** Packs not repacked because a live blob in them is damaged. */
  damagedPacks: count,
  batchesPending: count,
  /** The table's TTL (epoch seconds): PRUNE_RECORD_DAYS after `finishedAt`. */
  expiresAt: z.number().int().positive(),
  /**
   * A DEADLINE run that no invocation continues: an invocation failed the execution with this error (the prune
   * workflow's PruneOutOfTimeError or PruneMarkOutOfTimeError), and only a prune from a machine gets further
   * (review aU2-3). A field beside the outcome, not an outcome of its own: a CLI before it strips the field
   * and reads the run as cut, where a new outcome would fail its `status`.
   */
  stoppedBy: z.object({ error: z.string().min(1), message: z.string() }).optional(),
});
export type PruneRunRecord = z.infer<typeof pruneRunRecordSchema>;

/** The figures of a prune report (vault/prune's PruneReport) that the record keeps. */
export type PruneReportFigures = {
  snapshots: number;
  packsDeleted: number;
  indexesDeleted: number;
  manifestsDeleted: number;
  bytesFreed: number;
  packsRepacked: number;
  bytesRepackWritten: number;
  packsCondemned: number;
  indexesCondemned: number;
  manifestsCondemned: number;
  bytesCondemned: number;
  /** The count of refused deletes (the handler bounds the list it returns, so it passes the count). */
  lockedCount: number;
  spared: number;
  damagedCount: number;
  batchesPending: number;
};

/**
 * The packs a prune found damaged: its report has an entry per damaged blob copy (and per repack refused), so a
 * truncated pack is one pack here, not one per blob in it. What PruneDamagedPacks and the status line count.
 */
export function damagedPackCount(damaged: ReadonlyArray<{ pack: string }>): number {
  return new Set(damaged.map((d) => d.pack)).size;
}

/** The record of a run from its report so far. */
export function pruneRunRecord(
  run: { environment: string; vault: 'primary' | 'dr'; trigger: PruneRunRecord['trigger']; startedAt: Date; finishedAt: Date; done: boolean; stoppedBy?: { error: string; message: string } },
  report: PruneReportFigures,
): PruneRunRecord {
  return {
    environment: run.environment,
    vault: run.vault,
    trigger: run.trigger,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    durationMs: Math.max(0, run.finishedAt.getTime() - run.startedAt.getTime()),
    outcome: run.done ? 'COMPLETED' : 'DEADLINE',
    snapshots: report.snapshots,
    deleted: { packs: report.packsDeleted, indexes: report.indexesDeleted, manifests: report.manifestsDeleted },
    bytesFreed: report.bytesFreed,
    packsRepacked: report.packsRepacked,
    bytesRepackWritten: report.bytesRepackWritten,
    condemned: { packs: report.packsCondemned, indexes: report.indexesCondemned, manifests: report.manifestsCondemned, bytes: report.bytesCondemned },
    lockedSkipped: report.lockedCount,
    spared: report.spared,
    damagedPacks: report.damagedCount,
    batchesPending: report.batchesPending,
    expiresAt: Math.floor(run.finishedAt.getTime() / 1000) + PRUNE_RECORD_DAYS * 86_400,
    ...(run.stoppedBy && !run.done ? { stoppedBy: run.stoppedBy } : {}),
  };
}
