import { type Command } from 'commander';
import { type PruneLog } from '../../lambdas/catalog/prune-log';
import { pruneRunRecord } from '../../lambdas/catalog/prune-record';
import { type VaultSide } from '../../lambdas/runtime/runtime-config';
import { CodecPool, pruneVault, type PruneReport, type Vault } from '../../vault';
import { type CliIo, processIo } from '../cli-io';
import { type AccessClients, environmentAccess, type TargetOptions, withTargetOptions } from '../environment-access';
import { pruneReportLines } from './prune-report-lines';

/**
 * `lifeboat prune`: prunes one vault of an environment (docs/FORMAT.md "Prune"), in the local
 * cloud or with --aws in AWS: what condemnation batches older than the grace name and nothing
 * references again is deleted, what nothing references now is condemned, packs with too much
 * garbage are repacked. A run that changes the vault is recorded in the catalog of the vault's
 * region as the workflow's are (`PRUNE#<vault>`, prune-record.ts; `lifeboat status` shows the latest).
 * Exit codes: 0 done; 1 the prune failed or could not be recorded; 2 the command line is wrong.
 */
export type PruneCommandOptions = TargetOptions & { vault?: string; dryRun?: boolean; grace?: string; repackThreshold?: string; json?: boolean };

export type PruneAccess = { environment: { name: string }; openVault(side: VaultSide): Promise<Vault>; pruneLogIn(side: VaultSide): Pick<PruneLog, 'record'> };
export type PruneCommandDeps = { io: CliIo; clients?: AccessClients; access?: PruneAccess; now?: () => Date };

/** Parses `--grace H` (hours, ≥ 0) and `--repack-threshold F` (0 ≤ F < 1); an error message when bad. */
export function parsePruneSettings(options: { grace?: string; repackThreshold?: string }): { graceMs?: number; repackThreshold?: number } | string {
  const settings: { graceMs?: number; repackThreshold?: number } = {};
  if (options.grace !== undefined) {
    const hours = Number(options.grace);
    if (!/^\s*\d*\.?\d+\s*$/.test(options.grace) || !Number.isFinite(hours)) return `--grace must be a number of hours (0 or more), got ${options.grace}`;
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
 * deleted by a second pass at once: only safe when no backup of this vault is running.
 */
export async function pruneToEnd(vault: Vault, settings: { graceMs?: number; repackThreshold?: number; dryRun?: boolean }): Promise<PruneReport> {
  const runOnce = async (): Promise<PruneReport> => {
    let result = await pruneVault(vault, settings);
    while (!result.done && result.cursor) result = await pruneVault(vault, { ...settings, cursor: result.cursor });
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
    locked: [...first.locked, ...second.locked],
    damaged: [...first.damaged, ...second.damaged],
  };
}

export async function pruneCommand(options: PruneCommandOptions, deps: Partial<PruneCommandDeps> = {}): Promise<number> {
  const io = deps.io ?? processIo;
  const requested = options.vault ?? 'primary';
  if (requested !== 'primary' && requested !== 'dr') {
    io.err(`lifeboat prune: --vault must be primary or dr, got ${requested}`);
    return 2;
  }
  const side: VaultSide = requested;
  const settings = parsePruneSettings(options);
  if (typeof settings === 'string') {
    io.err(`lifeboat prune: ${settings}`);
    return 2;
  }
  try {
    const access = deps.access ?? (await environmentAccess(options, deps.clients));
    const vault = await access.openVault(side);
    const now = deps.now ?? (() => new Date());
    const startedAt = now();
    const report = await pruneToEnd(vault, { ...settings, dryRun: options.dryRun ?? false });
    const finishedAt = now();
    if (options.json) io.out(JSON.stringify({ vault: side, ...report }, null, 2));
    else for (const line of pruneReportLines(report, `the ${side} vault (${vault.location})`)) io.out(line);
    if (report.dryRun) return 0;
    const run = { environment: access.environment.name, vault: side, trigger: 'cli' as const, startedAt, finishedAt, done: true };
    try {
      await access.pruneLogIn(side).record(pruneRunRecord(run, { ...report, lockedCount: report.locked.length, damagedCount: report.damaged.length }));
    } catch (err) {
      io.err(`lifeboat prune: the vault was pruned, but the run could not be recorded in the ${side} catalog (\`lifeboat status\` will not show it): ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
    return 0;
  } catch (err) {
    io.err(`lifeboat prune: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await CodecPool.shutdownShared();
  }
}

export function registerPruneCommand(program: Command): void {
  withTargetOptions(program.command('prune').description('delete what no backup references any more from a vault (two phases: condemn now, delete after the grace period), and repack packs with too much garbage'))
    .option('--vault <vault>', 'primary or dr', 'primary')
    .option('--dry-run', 'show what would be deleted, condemned and repacked, and the bytes freed; change nothing')
    .option('--grace <hours>', 'hours condemned objects wait before deletion (default 25: above the longest backup); 0 deletes at once, only safe while no backup runs')
    .option('--repack-threshold <share>', 'repack packs with more than this share of garbage (default 0.2)')
    .option('--vault-key <key>', 'with --aws: the primary vault KMS key (ARN, id or alias); default: alias/lifeboat-<env>-vault')
    .action(async (opts: PruneCommandOptions) => {
      process.exitCode = await pruneCommand(opts);
    });
}
