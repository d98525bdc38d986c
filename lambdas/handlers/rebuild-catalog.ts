import { z } from 'zod';
import { CATALOG_REBUILD_ROUNDS } from '../../config/catalog-rebuild-rounds';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { type LegalHoldTally, legalHoldWarnings, rebuildCatalog, type RebuildPosition } from '../catalog/catalog-rebuild';
import { catalogRebuildCommandLine } from '../catalog/catalog-rebuild-command-line';
import { CatalogRebuildIncompleteError, nothingWrittenAdvice, partialCatalogAdvice } from '../catalog/catalog-rebuild-incomplete-error';
import { markerOptionsMisfit, markerOptionsSchema, withMarkerOptions } from '../catalog/catalog-rebuild-marker-options';
import { earlierRoundsSaid, type EarlierRoundsCreated } from '../catalog/catalog-rebuild-earlier-rounds';
import { type RebuildMarker } from '../catalog/catalog-rebuild-marker';
import { addUpRounds, earlierHolds, earlierRoundsShape } from '../catalog/catalog-rebuild-rounds';
import { catalogRebuildSide } from '../catalog/catalog-rebuild-side';
import { type CatalogRebuildSummary, summarizeRebuild } from '../catalog/catalog-rebuild-summary';
import { CatalogRebuildTooManySnapshotsError, type RefusedRebuildState } from '../catalog/catalog-rebuild-too-many-snapshots-error';
import { classifyError, InvalidInputError } from '../runtime/errors';
import { snapshotPresence } from '../catalog/snapshot-presence';
import { lifeboatHandler, type LambdaInvocation } from '../runtime/lifeboat-handler';
import { type LambdaRuntime } from '../runtime/lambda-runtime';

/** Time kept back from the Lambda timeout: the backup in flight (its legal-hold reads and writes) finishes and the summary returns. */
const RESERVE_MS = 60_000;

const positionSchema = z.object({ startedAt: z.string(), backupId: z.string() });

/**
 * The workflow's state: the execution's input as `request` (strict: a misspelt field, "vualt", is refused rather than
 * silently rebuilding from the home vault), and the previous round's result as `rebuild` (its totals: catalog-rebuild-rounds.ts).
 * `markerOptions` are what the CLI knows and the function does not (catalog-rebuild-marker-options.ts): fields from which
 * the function makes its line, never a line (review r58A F1: a free-text one reached every operator of the catalog).
 */
const inputSchema = z.object({
  request: z
    .object({
      vault: z.enum(['primary', 'dr'], { message: 'must be "primary" or "dr"' }).optional(),
      markerOptions: markerOptionsSchema.optional(),
    })
    .strict(),
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
 * a vault with more snapshots than the function's memory holds, with CatalogRebuildTooManySnapshotsError before any is read,
 * and one whose scan would leave no time to write, with the same error as soon as its steady rate shows it.
 */
export const handler = rebuildCatalogHandler();

/** The handler over `runtime` (the container's by default; a test passes its own). */
export function rebuildCatalogHandler(runtime?: () => LambdaRuntime) {
  return lifeboatHandler({ schema: inputSchema, describes: 'catalog rebuild request', executionInputAt: 'request' }, rebuildRound, runtime);
}

async function rebuildRound(input: z.infer<typeof inputSchema>, runtime: LambdaRuntime, invocation: LambdaInvocation | undefined): Promise<RebuildRound> {
  const side = catalogRebuildSide(input.request.vault, runtime.config.homeVault);
  const aws = !runtime.config.localEndpoints;
  const markerOptions = input.request.markerOptions ?? {};
  const { primaryVault } = runtime.config;
  const misfit = markerOptionsMisfit(markerOptions, { aws, side, vaultKeyArn: () => (primaryVault instanceof Error ? undefined : primaryVault.keyArn) });
  if (misfit !== undefined) throw new InvalidInputError(`Invalid catalog rebuild request: ${misfit}`);
  const remaining = invocation?.getRemainingTimeInMillis();
  const deadline = remaining !== undefined ? Date.now() + Math.max(remaining - RESERVE_MS, remaining / 2) : undefined;
  const previous = input.rebuild;
  // One line for every advice of the execution: the marker's, and the errors' when the rounds run out or a round is
  // refused (review r58A F4: the errors named the function's line without the run's --data-dir or --vault-key).
  const command = withMarkerOptions(catalogRebuildCommandLine({ vault: side, region: runtime.config.homeVault, environment: runtime.environment, aws }), markerOptions);
  // The failed execution has no output: what a round fails with says what the earlier rounds created (review rK F1).
  const failed = async (err: unknown, location: string): Promise<never> => {
    throw err instanceof CatalogRebuildTooManySnapshotsError ? await refusedRound(err, previous, runtime.catalog, location) : withEarlierRounds(err, previous, location);
  };
  const vault = await runtime.openVault(side).catch((err: unknown) => failed(err, `the ${side} vault`));
  const location = vault.store.location;
  // From the primary, the DR vault's listing decides copies.dr; the DR vault's own records are COMMITTED in both.
  const dr = side === 'primary' ? await snapshotPresence(runtime.vaultStore('dr')).catch((err: unknown) => failed(err, location)) : undefined;
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
  }).catch((err: unknown) => failed(err, location));
  const round = (previous?.round ?? 0) + 1;
  const summary = summarizeRebuild(report, { drProblem: dr?.problem });
  const { created, holds, createdAttention, summary: total } = addUpRounds(report, summary, previous, location);
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
 * A round refused (for memory or time), with what only the handler knows (review rI): a later round's error carries the
 * records the earlier rounds created and their legal-hold warnings (F1: the failed execution has no output, review rL R2),
 * and one with no earlier mark of this run the marker an earlier, unfinished rebuild may have left (F2: its restores by
 * time stay refused), and whether that rebuild wrote the backup it stands at (review rK F2: one that wrote nothing left
 * the later points in time without their backups too).
 */
async function refusedRound(
  err: CatalogRebuildTooManySnapshotsError,
  previous: z.infer<typeof inputSchema>['rebuild'],
  catalog: Pick<BackupCatalog, 'rebuildMarker' | 'getBackup'>,
  location: string,
): Promise<CatalogRebuildTooManySnapshotsError> {
  const earlierRounds = previous !== undefined ? earlierRoundsOf(previous, location) : undefined;
  const standingMarker = err.state.earlierMark === undefined ? await standingMarkerOf(catalog) : undefined;
  return new CatalogRebuildTooManySnapshotsError(err.listed, err.bound, err.finishWith, {
    ...err.state,
    ...(earlierRounds !== undefined ? { earlierRounds } : {}),
    ...(standingMarker !== undefined ? { standingMarker } : {}),
  });
}

/** The marker an earlier rebuild left, as the refusal words it; a record of its backup that cannot be read counts as none written (the advice that claims less). */
async function standingMarkerOf(catalog: Pick<BackupCatalog, 'rebuildMarker' | 'getBackup'>): Promise<RefusedRebuildState['standingMarker']> {
  let marker: RebuildMarker | undefined;
  try {
    marker = await catalog.rebuildMarker().read();
  } catch (readErr) {
    return { unreadable: readErr instanceof Error ? readErr.message : String(readErr) };
  }
  if (marker === undefined) return undefined;
  const written = await catalog.getBackup(marker.reliableFrom.backupId).then(
    (record) => record !== undefined,
    () => false,
  );
  return { reliableFrom: marker.reliableFrom.startedAt, writtenAt: marker.writtenAt, ...(written ? {} : { wroteNothing: true as const }) };
}

function earlierRoundsOf(previous: NonNullable<z.infer<typeof inputSchema>['rebuild']>, location: string): EarlierRoundsCreated {
  return { created: previous.created, holdWarnings: legalHoldWarnings(earlierHolds(previous), location) };
}

/**
 * Any other error of a later round (review rK F1: only the refusal said the earlier rounds' records and holds; a
 * LegalHoldUnreadError, an invalid catalog item or a denied KMS key failed the execution without them): its message says
 * them, its class and name kept, so the workflow's Catch sees the same error. A transient one too (review rP F2): retried
 * until the attempts run out, it is what fails the execution. Its retry is unchanged, since the state machine and
 * classifyError go by the error's name, code and status, never its message; and each attempt is a new invocation
 * building a new error, so the rounds are said once.
 */
function withEarlierRounds(err: unknown, previous: z.infer<typeof inputSchema>['rebuild'], location: string): unknown {
  if (previous === undefined) return err;
  const classified = classifyError(err);
  if (!(classified instanceof Error)) return err;
  const said = earlierRoundsSaid(earlierRoundsOf(previous, location));
  const sentence = `${said.charAt(0).toUpperCase()}${said.slice(1)}`;
  // The same error object thrown twice (a promise both awaited and caught) is told once.
  if (classified.message.endsWith(sentence)) return classified;
  const ended = /[.!?]$/.test(classified.message) ? classified.message : `${classified.message}.`;
  classified.message = `${ended} ${sentence}`;
  return classified;
}
