import { localRequester } from '../requester';
import { DEFAULT_PRUNE_GRACE_MS, MarkedPages, type PruneOptions, pruneVault, type PruneReport, reclaimTemporaryFiles, type TemporaryFilesReport, type Vault } from '../../vault';

// Shared by `lifeboat prune` (an environment's vault) and `lifeboat vault prune` (a vault by path).
// Its own module so that `lifeboat vault` does not load the environment access (AWS SDK clients,
// the local cloud, the CDK names): every vault command would pay that start-up (~1.7 s, ~240 MiB).

/** Parses `--grace H` (hours, ≥ 0) and `--repack-threshold F` (0 ≤ F < 1); an error message when bad. */
export function parsePruneSettings(options: { grace?: string; repackThreshold?: string }): { graceMs?: number; repackThreshold?: number } | string {
  const settings: { graceMs?: number; repackThreshold?: number } = {};
  if (options.grace !== undefined) {
    const hours = Number(options.grace);
    if (!/^\s*\d*\.?\d+\s*$/.test(options.grace) || !Number.isFinite(hours)) return `--grace must be a number of hours in digits, 0 or more (as 25 or 0.5), got ${options.grace}`;
    settings.graceMs = Math.round(hours * 3_600_000);
  }
  if (options.repackThreshold !== undefined) {
    const t = Number(options.repackThreshold);
    if (!/^\s*\d*\.?\d+\s*$/.test(options.repackThreshold) || !(t >= 0 && t < 1)) return `--repack-threshold must be at least 0 and below 1, got ${options.repackThreshold}`;
    settings.repackThreshold = t;
  }
  return settings;
}

/**
 * Prunes a vault to the end (every cursor followed). With a grace of 0 the objects it condemns are
 * deleted by a second pass at once: only safe when no backup of this vault is running. A dry run makes
 * one pass, which with a grace of 0 also counts what that second pass would delete
 * (PruneOptions.dryRunSweepsCondemned), so its figures are the real run's.
 */
export async function pruneToEnd(
  vault: Vault,
  settings: { graceMs?: number; repackThreshold?: number; dryRun?: boolean; assumeForgotten?: ReadonlySet<string>; checkListed?: PruneOptions['checkListed'] },
): Promise<PruneReport> {
  // Every pass marks afresh (snapshot objects are read again), but reads each manifest page once.
  const markedPages = new MarkedPages();
  // Named to a prune this one keeps waiting (PruneAlreadyRunningError): who runs it, where.
  const lease = { holder: `${localRequester()} (pid ${process.pid})` };
  const options = { ...settings, markedPages, lease, ...(settings.dryRun && settings.graceMs === 0 ? { dryRunSweepsCondemned: true } : {}) };
  const runOnce = async (): Promise<PruneReport> => {
    let result = await pruneVault(vault, options);
    while (!result.done && result.cursor) result = await pruneVault(vault, { ...options, cursor: result.cursor });
    return result.report;
  };
  const first = await runOnce();
  if (settings.graceMs !== 0 || settings.dryRun) return first;
  const second = await runOnce();
  return {
    ...second,
    packsCondemned: first.packsCondemned,
    indexesCondemned: first.indexesCondemned,
    manifestsCondemned: first.manifestsCondemned,
    bytesCondemned: first.bytesCondemned,
    packsRepacked: first.packsRepacked + second.packsRepacked,
    blobsMoved: first.blobsMoved + second.blobsMoved,
    bytesRepackWritten: first.bytesRepackWritten + second.bytesRepackWritten,
    newPacks: first.newPacks + second.newPacks,
    packsDeleted: first.packsDeleted + second.packsDeleted,
    indexesDeleted: first.indexesDeleted + second.indexesDeleted,
    manifestsDeleted: first.manifestsDeleted + second.manifestsDeleted,
    bytesFreed: first.bytesFreed + second.bytesFreed,
    // The second pass meets again what the first left alone (a locked object, a damaged pack to repack): said once.
    locked: [...new Set([...first.locked, ...second.locked])],
    damaged: onceEach([...first.damaged, ...second.damaged]),
    packsMissing: first.packsMissing + second.packsMissing,
    tombstonesRemoved: first.tombstonesRemoved + second.tombstonesRemoved,
  };
}

/** The damage reports without repeats: the same pack with the same problem is one line. */
function onceEach(damaged: ReadonlyArray<{ pack: string; problem: string }>): Array<{ pack: string; problem: string }> {
  const seen = new Set<string>();
  return damaged.filter((d) => {
    const key = `${d.pack}\n${d.problem}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The prune of `vault prune` and `vault forget --prune`: the prune to the end, then a vault
 * directory's `.tmp-*` files of killed writers, which nothing else reclaims (a store's listing never
 * shows them) and which go once they are older than the grace (a running write may own a young one).
 */
export async function pruneWithTemporaryFiles(
  vault: Vault,
  settings: { graceMs?: number; repackThreshold?: number; dryRun: boolean; assumeForgotten?: ReadonlySet<string> },
): Promise<{ report: PruneReport; temporaryFiles: TemporaryFilesReport }> {
  const report = await pruneToEnd(vault, settings);
  const temporaryFiles = await reclaimTemporaryFiles(vault.store, { graceMs: settings.graceMs ?? DEFAULT_PRUNE_GRACE_MS, dryRun: settings.dryRun });
  return { report, temporaryFiles };
}
