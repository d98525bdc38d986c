import { z } from 'zod';
import { CATALOG_REBUILD_ROUNDS } from '../../config/catalog-rebuild-rounds';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { type LegalHoldTally, legalHoldWarnings, rebuildCatalog, type RebuildPosition } from '../catalog/catalog-rebuild';
import { catalogRebuildCommandLine } from '../catalog/catalog-rebuild-command-line';
import { CatalogRebuildIncompleteError, nothingWrittenAdvice, partialCatalogAdvice } from '../catalog/catalog-rebuild-incomplete-error';
import { addUpRounds, earlierHolds, earlierRoundsShape } from '../catalog/catalog-rebuild-rounds';
import { catalogRebuildSide } from '../catalog/catalog-rebuild-side';
import { type CatalogRebuildSummary, summarizeRebuild } from '../catalog/catalog-rebuild-summary';
import { CatalogRebuildTooManySnapshotsError } from '../catalog/catalog-rebuild-too-many-snapshots-error';
import { snapshotPresence } from '../catalog/snapshot-presence';
import { lifeboatHandler, type LambdaInvocation } from '../runtime/lifeboat-handler';
import { type LambdaRuntime } from '../runtime/lambda-runtime';

/** Time kept back from the Lambda timeout: the backup in flight (its legal-hold reads and writes) finishes and the summary returns. */
const RESERVE_MS = 60_000;

const positionSchema = z.object({ startedAt: z.string(), backupId: z.string() });

/**
 * The workflow's state: the execution's input as `request` (strict: a misspelt field, "vualt", is refused rather than
 * silently rebuilding from the home vault), and the previous round's result as `rebuild` (its totals: catalog-rebuild-rounds.ts).
 */
const inputSchema = z.object({
  request: z.object({ vault: z.enum(['primary', 'dr'], { message: 'must be "primary" or "dr"' }).optional() }).strict(),
  rebuild: z.object({ round: z.number().int().nonnegative(), resumeBelow: positionSchema.optional(), ...earlierRoundsShape }).optional(),
});

/** A round's result: `done` ends the loop; otherwise the next round starts below `resumeBelow`. `report` is the execution's output once done. */
export type RebuildRound = {
  done: boolean;
  round: number;
  /** Records created by this round and the earlier ones of the run. */
  created: number;
  /** The legal holds of those records, which the warnings of `report` say. */
  holds: LegalHoldTally;
  /** How many of those records have an entry a reader must see (`report.attention` lists what fits). */
  createdAttention: number;
  resumeBelow?: RebuildPosition;
  report: CatalogRebuildSummary & { rounds: number; left?: number };
};

/**
 * The catalog-rebuild runbook's step, run in rounds: every committed backup's record rebuilt into this region's
 * catalog from the chosen vault's snapshots (default: the function's home vault), newest first, until the
 * invocation's time runs out; the workflow invokes it again (`done: false`) up to CATALOG_REBUILD_ROUNDS times, and a
 * round skips what the earlier ones wrote (catalog-rebuild.ts, doneAbove). Out of rounds, or a round that could write
 * nothing (the vault's scan took its time), fails with CatalogRebuildIncompleteError naming the command that finishes it;
 * a vault with more snapshots than the function's memory holds, with CatalogRebuildTooManySnapshotsError before any is read.
 */
export const handler = rebuildCatalogHandler();

/** The handler over `runtime` (the container's by default; a test passes its own). */
export function rebuildCatalogHandler(runtime?: () => LambdaRuntime) {
  return lifeboatHandler({ schema: inputSchema, describes: 'catalog rebuild request', executionInputAt: 'request' }, rebuildRound, runtime);
}

async function rebuildRound(input: z.infer<typeof inputSchema>, runtime: LambdaRuntime, invocation: LambdaInvocation | undefined): Promise<RebuildRound> {
  const side = catalogRebuildSide(input.request.vault, runtime.config.homeVault);
  const remaining = invocation?.getRemainingTimeInMillis();
  const deadline = remaining !== undefined ? Date.now() + Math.max(remaining - RESERVE_MS, remaining / 2) : undefined;
  const previous = input.rebuild;
  const vault = await runtime.openVault(side);
  // From the primary, the DR vault's listing decides copies.dr; the DR vault's own records are COMMITTED in both.
  const dr = side === 'primary' ? await snapshotPresence(runtime.vaultStore('dr')) : undefined;
  const command = catalogRebuildCommandLine({ vault: side, region: runtime.config.homeVault, environment: runtime.environment, aws: !runtime.config.localEndpoints });
  const report = await rebuildCatalog({
    vault,
    side,
    catalog: runtime.catalog,
    environment: runtime.environment,
    plans: runtime.plans.map((p) => p.name),
    drHolds: dr?.holds ?? null,
    ...(deadline !== undefined ? { deadline } : {}),
    ...(runtime.config.memoryMb !== undefined ? { memoryMb: runtime.config.memoryMb } : {}),
    ...(previous?.resumeBelow ? { doneAbove: previous.resumeBelow } : {}),
    finishWith: command,
  }).catch(async (err: unknown) => {
    throw err instanceof CatalogRebuildTooManySnapshotsError ? await refusedForMemory(err, previous, runtime.catalog, vault.store.location) : err;
  });
  const round = (previous?.round ?? 0) + 1;
  const summary = summarizeRebuild(report, { drProblem: dr?.problem });
  const { created, holds, createdAttention, summary: total } = addUpRounds(report, summary, previous, vault.store.location);
  const { progress } = report;
  if (progress.complete) return { done: true, round, created, holds, createdAttention, report: { ...total, rounds: round } };

  // A round that created records got on even when its mark did not move: cut among backups newer than the earlier mark
  // (written to the vault since), which the next round then skips (review rH F4: that read as "no time left after scanning").
  const moved = progress.resumeBelow !== undefined && (progress.resumeBelow.startedAt !== previous?.resumeBelow?.startedAt || progress.resumeBelow.backupId !== previous.resumeBelow.backupId);
  const advance = moved || summary.outcomes.created > 0;
  if (!advance || round >= CATALOG_REBUILD_ROUNDS) {
    const why = advance
      ? `the catalog rebuild ran out of time after ${round} rounds of one Lambda invocation each (each scans the vault's ${report.snapshots} snapshots again)`
      : `a round of the catalog rebuild had no time left to write a backup after scanning the vault's ${report.snapshots} snapshots`;
    // The failed execution has no output: the legal holds of what the rounds created are said here or nowhere (review rL R2).
    const holdWarnings = (total.warnings ?? []).map((w) => `${w}; `).join('');
    const advice = progress.resumeBelow ? partialCatalogAdvice(command, progress.resumeBelow.startedAt) : nothingWrittenAdvice(command);
    throw new CatalogRebuildIncompleteError(`${why}: ${progress.left} older backup(s) have no record in the catalog yet and ${created} were created; ${holdWarnings}${advice}`);
  }
  return {
    done: false,
    round,
    created,
    holds,
    createdAttention,
    ...(progress.resumeBelow ? { resumeBelow: progress.resumeBelow } : {}),
    report: { ...total, rounds: round, left: progress.left },
  };
}

/**
 * A round refused for memory, with what only the handler knows (review rI): a later round's error carries the records the
 * earlier rounds created and their legal-hold warnings (F1: the failed execution has no output, review rL R2), and one
 * with no earlier mark of this run the marker an earlier, unfinished rebuild may have left (F2: its restores by time stay refused).
 */
async function refusedForMemory(
  err: CatalogRebuildTooManySnapshotsError,
  previous: z.infer<typeof inputSchema>['rebuild'],
  catalog: Pick<BackupCatalog, 'rebuildMarker'>,
  location: string,
): Promise<CatalogRebuildTooManySnapshotsError> {
  const earlierRounds = previous !== undefined ? { created: previous.created, holdWarnings: legalHoldWarnings(earlierHolds(previous), location) } : undefined;
  const standingMarker =
    err.state.earlierMark === undefined
      ? await catalog
          .rebuildMarker()
          .read()
          .then(
            (marker) => (marker !== undefined ? { reliableFrom: marker.reliableFrom.startedAt, writtenAt: marker.writtenAt } : undefined),
            (readErr: unknown) => ({ unreadable: readErr instanceof Error ? readErr.message : String(readErr) }),
          )
      : undefined;
  return new CatalogRebuildTooManySnapshotsError(err.listed, err.limit, err.memoryMb, err.finishWith, {
    ...err.state,
    ...(earlierRounds !== undefined ? { earlierRounds } : {}),
    ...(standingMarker !== undefined ? { standingMarker } : {}),
  });
}
