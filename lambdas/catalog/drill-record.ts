import { z } from 'zod';
import { DRILL_ID, DRILL_ID_EXAMPLE, DRILL_REPORT_KEY, DRILL_REPORT_KEY_EXAMPLE } from './drill-id';

const count = z.number().int().nonnegative();
const seconds = z.number().nonnegative();

/** How a drill ended (docs/RUNBOOKS.md, "Drill"). */
export const drillVerdictSchema = z.enum(['PASSED', 'FAILED', 'OBJECTIVE_MISSED']);
export type DrillVerdict = z.infer<typeof drillVerdictSchema>;

/**
 * A drill error: its name (NoBackupToDrillError, RestoreVerificationError, LiveSampleMismatchError, ...), message, the
 * step it came from, and the source whose restore it stopped (absent for an error of the drill as a whole).
 */
export const drillErrorSchema = z.object({ error: z.string().min(1), message: z.string(), step: z.string().optional(), source: z.string().optional() });
export type DrillError = z.infer<typeof drillErrorSchema>;

/**
 * Entries or attributes of a source the drill's restore was not allowed to recreate (its RestoreReport's `notRestored`:
 * sockets, FIFOs and devices, extended attributes and ACLs where the restorer may not write them): `count` all of them,
 * `kinds` the distinct reasons of every item its restore recorded (the verify step's: review r58I F3), `first` up to 10 of them (one said once for many entries, a
 * platform loss, has their number as `entries`, which `count` counts: absent in older records); every text cut to a bounded number
 * of UTF-8 bytes, and the lists of the whole report to a budget (lambdas/drill/drill-shortfall.ts), so that the record
 * stays within DynamoDB's item and Step Functions' state limits: fewer listed than counted is what the budget left.
 */
export const drillNotRestoredSchema = z.object({ count, kinds: z.array(z.string()), first: z.array(z.object({ path: z.string(), what: z.string(), entries: count.optional() })) });
export type DrillNotRestored = z.infer<typeof drillNotRestoredSchema>;

/**
 * What the drilled backup itself did not hold whole of the source (its RestoreReport's `backupLeftOut`, the whole
 * source's counts: archived or unreadable entries skipped, with up to 10 of their reason lines; entries that vanished
 * while read; entries kept as read while they changed), or `unknown`: why that could not be told. Texts bounded as above.
 */
export const drillBackupLeftOutSchema = z.union([
  z.object({ skipped: count, skippedExamples: z.array(z.string()), vanished: count, changedDuringRead: count }),
  z.object({ unknown: z.string() }),
]);
export type DrillBackupLeftOut = z.infer<typeof drillBackupLeftOutSchema>;

/** One source of the drilled backup: restored into its scratch target and verified, then sampled against the live source. */
export const drillSourceResultSchema = z.object({
  source: z.string().min(1),
  type: z.enum(['s3', 'dynamodb', 'filesystem']),
  /** The scratch target, as restore reports describe targets (`s3://<prefix>-drill-…/`, `dynamodb table …`, `directory …`). */
  target: z.string(),
  entries: count,
  /**
   * DynamoDB sources: the items restored, each read back by key and compared with the backup's
   * (`entries` counts the pages that hold them). Absent for other sources, and in reports written
   * before 2026-12-03.
   */
  items: count.optional(),
  bytes: count,
  /** Entries read back and compared with the manifest (content included); equal to `entries` when the source passed. */
  verifiedEntries: count,
  /** Restore + verification of this source, from the drill's start of it to its verification. */
  restoreMs: count,
  /**
   * A partial restore: what the target lacks although the source passed (not counted in `verifiedEntries`). Absent when
   * nothing was left, and in reports written before 2026-12-07. A CLI of before reads a record with it (z.object strips
   * unknown fields), without showing it.
   */
  notRestored: drillNotRestoredSchema.optional(),
  /** What the backup left out of the source, so the restore could not bring it back. Absent when nothing, and before 2026-12-07. */
  backupLeftOut: drillBackupLeftOutSchema.optional(),
  /**
   * The live-source comparison: entries compared, equal, skipped because the live entry changed since the backup; `unreachable` says why none was compared.
   * S3 sources: `checkedLive` the live objects older than the backup looked up in it (live-objects-missing-from-backup.ts), `liveNotes` why some absent
   * from it were not reported or none was looked up. Both absent for other sources, and in reports written before 2026-12-06.
   */
  sampled: z.object({
    compared: count,
    matched: count,
    skippedChanged: count,
    unreachable: z.string().optional(),
    checkedLive: count.optional(),
    liveNotes: z.array(z.string()).optional(),
  }),
  /**
   * Present when this source was not restored and verified (its restore failed: the error that stopped it, also in the
   * report's `errors`); its figures are then 0 and `sampled.unreachable` says it was not compared. The other sources of
   * the drill are restored, verified and reported all the same. Absent for a source that restored.
   */
  error: drillErrorSchema.optional(),
});
export type DrillSourceResult = z.infer<typeof drillSourceResultSchema>;

/** An objective the drill missed, and by how much. */
export const missedObjectiveSchema = z.object({
  objective: z.enum(['rto', 'rpo']),
  measuredSeconds: seconds,
  objectiveSeconds: seconds,
  bySeconds: seconds,
  /** What was measured, in words: for the RPO, whether the plan's newest backup was too old or a gap between its backups too long, and what to check. */
  detail: z.string().optional(),
});
export type MissedObjective = z.infer<typeof missedObjectiveSchema>;

/** A drill's cleanup, as its state carries it and its record keeps it (lambdas/drill/cleanup-lines.ts cuts the lists). */
export const drillCleanupSchema = z.object({
  removed: z.array(z.string()),
  swept: z.array(z.string()),
  errors: z.array(z.string()),
  sweptCount: z.number().int().min(0).optional(),
  errorCount: z.number().int().min(0).optional(),
  leftOut: z.string().optional(),
});

/**
 * The report of one drill: the immutable object `drills/<drillId>.json` in the vault the drill
 * restored from, and (with `reportKey` and `reportSha256` added) the catalog item of the region the
 * drill ran in (`pk = DRILLS`, `sk = <drillId>`; ids sort by start time). Validated whenever read.
 */
export const drillReportSchema = z.object({
  /** `<yyyymmddThhmmssZ>-<8 hex>` (DRILL_ID, the one form `drills show` takes), from the execution's start time and name (lambdas/drill/drill-id.ts). */
  drillId: z.string().regex(DRILL_ID, `must be a drill id such as ${DRILL_ID_EXAMPLE}`),
  plan: z.string().min(1),
  environment: z.string().min(1),
  /** The region the drill ran in: the vault's. */
  region: z.string().min(1),
  vault: z.enum(['primary', 'dr']),
  /** The execution that ran it (Step Functions execution name; local executions' ids). */
  execution: z.string().min(1),
  startedAt: z.string().min(1),
  endedAt: z.string().min(1),
  selection: z.enum(['latest', 'random-within-window', 'backup-id']),
  windowDays: z.number().int().positive(),
  /** Absent when no backup could be drilled (NoBackupToDrillError). */
  backup: z.object({ backupId: z.string().min(1), startedAt: z.string().min(1), endedAt: z.string().optional(), strategy: z.string().optional() }).optional(),
  sources: z.array(drillSourceResultSchema),
  /** `items`: the DynamoDB sources' items together, when there are any. */
  totals: z.object({ entries: count, items: count.optional(), bytes: count }),
  objectives: z.object({ rpoMinutes: z.number().positive(), rtoMinutes: z.number().positive() }),
  /** Wall time from the drill's start to every source restored and verified. Absent when the drill failed before that, or a source never restored. */
  rto: z.object({ seconds, objectiveSeconds: seconds, met: z.boolean() }).optional(),
  /**
   * The recovery point at the drill's start: `backupAgeSeconds` the drilled backup's age (reported, not judged: a drill
   * of an older backup proves older backups restore); `newestBackupAgeSeconds` the age of the plan's newest backup the
   * drill could restore (absent in reports written before 2026-12-06, whose RPO was judged on the drilled backup's
   * age); `largestGapSeconds` the largest gap that ends in the window, up to the drill's start, between consecutive
   * backups of the plan that were recovery points (committed, from the DR vault replicated), forgotten by retention
   * since or not (thinning is no gap), one that began before the window counted whole. `met`: judgedRpoSeconds within
   * the objective.
   */
  rpo: z
    .object({
      backupAgeSeconds: seconds,
      newestBackupAgeSeconds: seconds.optional(),
      largestGapSeconds: seconds,
      backupsInWindow: count,
      objectiveSeconds: seconds,
      met: z.boolean(),
    })
    .optional(),
  verdict: drillVerdictSchema,
  missed: z.array(missedObjectiveSchema),
  errors: z.array(drillErrorSchema),
  /**
   * Scratch targets the drill removed at its end, and leftovers of earlier drills (older than the drill's timeout and an
   * hour) the sweep removed. With `swept` and `errors` cut to fit the drill's state (lambdas/drill/cleanup-lines.ts):
   * their whole counts and the note of the lines left out (review r59A F4).
   */
  cleanup: drillCleanupSchema,
});
export type DrillReport = z.infer<typeof drillReportSchema>;

/**
 * The figure a drill's RPO is judged on (drill-verdict.ts), and readers show against the objective: the larger of the
 * newest drillable backup's age and the window's largest gap, whatever backup was drilled. A report without
 * `newestBackupAgeSeconds` (written before 2026-12-06) was judged on the drilled backup's age instead: its figure stays
 * the one its verdict was reached on.
 */
export function judgedRpoSeconds(rpo: Pick<NonNullable<DrillReport['rpo']>, 'backupAgeSeconds' | 'newestBackupAgeSeconds' | 'largestGapSeconds'>): number {
  return Math.max(rpo.newestBackupAgeSeconds ?? rpo.backupAgeSeconds, rpo.largestGapSeconds);
}

/** The catalog item: the report, where its object is, and the SHA-256 of the object's bytes (what `drills evidence` lists). */
export const drillRecordSchema = drillReportSchema.extend({
  reportKey: z.string().regex(DRILL_REPORT_KEY, `must be a drill report key such as ${DRILL_REPORT_KEY_EXAMPLE}`),
  reportSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type DrillRecord = z.infer<typeof drillRecordSchema>;

export const DRILLS_PK = 'DRILLS';

/** The vault key of a drill's report object. */
export function drillReportKey(drillId: string): string {
  return `drills/${drillId}.json`;
}
