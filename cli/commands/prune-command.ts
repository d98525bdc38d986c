import { type Command } from 'commander';
import { type PruneLog } from '../../lambdas/catalog/prune-log';
import { damagedPackCount, pruneRunRecord } from '../../lambdas/catalog/prune-record';
import { confirmNotCreatedYet, newestBackupRecordedIn, type NewestRecordedBackup } from '../../lambdas/replication/absent-vault';
import { type RecordedSnapshotWayOutOptions } from '../../lambdas/retention/recorded-snapshot-missing-error';
import { prunedPlans } from '../../lambdas/retention/recorded-plans';
import { recordedSnapshotsCheck } from '../../lambdas/retention/recorded-snapshots';
import { type VaultSide } from '../../lambdas/runtime/runtime-config';
import { CodecPool, emptyPruneReport, type Vault, VaultNotFoundError } from '../../vault';
import { type CliIo, processIo } from '../cli-io';
import { type AccessClients, type EnvironmentAccess, environmentAccess, type TargetOptions, withTargetOptions } from '../environment-access';
import { targetOptionsLine, vaultTargetOptionsLine } from '../target-options-line';
import { isThrottledRequest } from '../throttled-request';
import { throttledNextStep } from '../throttled-next-step';
import { isUsageError } from '../usage-error';
import { earlierBatchesWaiting } from './earlier-prune-batches';
import { pruneReportLines } from './prune-report-lines';
import { parsePruneSettings, pruneToEnd } from './prune-to-end';

/**
 * `lifeboat prune`: prunes one vault of an environment (docs/FORMAT.md "Prune"), in the local
 * cloud or with --aws in AWS: what condemnation batches older than the grace name and nothing
 * references again is deleted, what nothing references now is condemned, packs with too much
 * garbage are repacked. A run that changes the vault is recorded in the catalog of the vault's
 * region as the workflow's are (`PRUNE#<vault>`, prune-record.ts; `lifeboat status` shows the latest).
 * A vault that does not exist yet (no backup has run: its region's catalog records none stored in it) has nothing
 * to prune: said, nothing recorded, exit 0. One that does not exist although the catalog records backups in it was
 * emptied: VaultMissingError, exit 1.
 * Exit codes: 0 done; 1 the prune failed or could not be recorded; 2 the command line is wrong.
 */
export type PruneCommandOptions = TargetOptions & { vault?: string; dryRun?: boolean; grace?: string; repackThreshold?: string; json?: boolean };

export type PruneAccess = {
  environment: { name: string };
  openVault(side: VaultSide): Promise<Vault>;
  pruneLogIn(side: VaultSide): Pick<PruneLog, 'record'>;
  /** The newest backup a vault's region's catalog records as stored in it (lambdas/replication/absent-vault.ts); absent: not asked. */
  newestRecordedBackup?: NewestRecordedBackup;
  /**
   * Reads the snapshots a vault's region's catalog records as committed in it, and checks the prune's listing against
   * them (lambdas/retention/recorded-snapshots.ts), its stop message's command lines ending with `wayOut`; absent: not checked.
   */
  recordedSnapshotsCheck?: (side: VaultSide, wayOut: RecordedSnapshotWayOutOptions) => Promise<(listed: ReadonlySet<string>) => Promise<void>>;
};

/** An environment's prune access: its catalogs say whether a vault that does not exist ever held a backup. */
export function pruneAccessOf(access: EnvironmentAccess): PruneAccess {
  const plans = access.environment.plans.map((plan) => plan.name);
  return {
    environment: access.environment,
    openVault: (side) => access.openVault(side),
    pruneLogIn: (side) => access.pruneLogIn(side),
    // The plans the check reads (prunedPlans): an emptied vault whose backups all belong to a removed plan is no fresh one (f60I).
    newestRecordedBackup: async (side) => newestBackupRecordedIn(side, access.catalogIn(side), await prunedPlans(side, access.catalogIn(side), plans)),
    recordedSnapshotsCheck: (side, wayOut) => recordedSnapshotsCheck(side, access.catalogIn(side), plans, wayOut),
  };
}

export type PruneCommandDeps = { io: CliIo; clients?: AccessClients; access?: PruneAccess; now?: () => Date };

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
  // Set once the prune may have changed the vault: a throttle before it changed nothing, after it left part of a prune.
  let changing = false;
  try {
    const access = deps.access ?? pruneAccessOf(await environmentAccess(options, deps.clients, { writes: options.dryRun === true ? [] : [side], warn: io.err }));
    let vault: Vault;
    try {
      vault = await access.openVault(side);
    } catch (err) {
      // An environment's vaults are made by its workflows (the first backup's Plan step, its replication), never
      // by `lifeboat vault init`, whose vault they could not open: before them there is nothing to prune. After them
      // (the catalog records backups stored in it) the vault was emptied: VaultMissingError fails the command.
      if (!(err instanceof VaultNotFoundError)) throw err;
      await confirmNotCreatedYet(side, err, access.newestRecordedBackup);
      printNothingToPruneYet(side, options, err.message, io);
      return 0;
    }
    const now = deps.now ?? (() => new Date());
    const startedAt = now();
    // Batches are dated by the clock the prune runs on, not by `now` (which times the record): the earlier
    // ones are those dated before this.
    const condemningFrom = new Date();
    // Read before the prune lists the vault, as the workflow's Prune step does (lambdas/handlers/prune-vault.ts).
    // This command's own target options end the stop message's command lines (`backups forget` takes no --vault-key):
    // bare, pasted after a prune with --aws, they acted on the local cloud (review r59H F3).
    const checkListed = await access.recordedSnapshotsCheck?.(side, { scrub: vaultTargetOptionsLine(options), forget: targetOptionsLine(options) });
    changing = options.dryRun !== true;
    const report = await pruneToEnd(vault, { ...settings, dryRun: options.dryRun ?? false, ...(checkListed ? { checkListed } : {}) });
    const finishedAt = now();
    if (options.json) io.out(JSON.stringify({ vault: side, ...report }, null, 2));
    else {
      // The prune is done: a failed read of the batches left waiting costs the report its detail (the line
      // then comes from the report alone), not the run its exit code or its record.
      const waiting = await earlierBatchesWaiting(vault, { graceMs: settings.graceMs, startedAt: condemningFrom, now: new Date() }).catch(() => undefined);
      for (const line of pruneReportLines(report, `the ${side} vault (${vault.location})`, settings.graceMs, undefined, waiting)) io.out(line);
    }
    if (report.dryRun) return 0;
    const run = { environment: access.environment.name, vault: side, trigger: 'cli' as const, startedAt, finishedAt, done: true };
    try {
      await access.pruneLogIn(side).record(pruneRunRecord(run, { ...report, lockedCount: report.locked.length, damagedCount: damagedPackCount(report.damaged) }));
    } catch (err) {
      io.err(`lifeboat prune: the vault was pruned, but the run could not be recorded in the ${side} catalog (\`lifeboat status\` will not show it): ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
    return 0;
  } catch (err) {
    io.err(`lifeboat prune: ${err instanceof Error ? err.message : String(err)}${isThrottledRequest(err) ? pruneThrottledNextStep(changing) : ''}`);
    return isUsageError(err) ? 2 : 1;
  } finally {
    await CodecPool.shutdownShared();
  }
}

/** What a prune of a vault that does not exist yet prints: the workflow's note (lambdas/handlers/prune-vault.ts), and with --json an empty report. */
function printNothingToPruneYet(side: VaultSide, options: PruneCommandOptions, reason: string, io: CliIo): void {
  const why = side === 'primary' ? 'no backup has run (the primary vault does not exist' : 'no backup has been copied to the DR vault yet (it does not exist';
  if (options.json) io.out(JSON.stringify({ vault: side, ...emptyPruneReport(options.dryRun ?? false), note: `nothing to prune yet: ${why}: ${reason})` }, null, 2));
  else io.out(`Nothing to prune yet: ${why}: ${reason}).`);
}

export function registerPruneCommand(program: Command): void {
  withTargetOptions(program.command('prune').description('delete what no backup references any more from a vault (two phases: condemn now, delete after the grace period), and repack packs with too much garbage'))
    .option('--vault <vault>', 'primary or dr', 'primary')
    .option('--dry-run', 'show what would be deleted, condemned and repacked, and the bytes freed; change nothing')
    .option('--grace <hours>', 'hours what this run condemns waits before deletion (default 25: above the longest backup); 0 deletes it at once, and a backup running meanwhile refuses to commit (run it again). What earlier runs condemned keeps the longer of its own grace and this one')
    .option('--repack-threshold <share>', 'repack packs with more than this share of garbage (default 0.2)')
    .option('--vault-key <key>', 'with --aws: the primary vault KMS key (ARN, id or alias); default: alias/lifeboat-<env>-vault')
    .action(async (opts: PruneCommandOptions) => {
      process.exitCode = await pruneCommand(opts);
    });
}

/**
 * What a prune stopped by a throttle says (throttled-next-step.ts). Before the prune began nothing was changed; after,
 * running it again is safe all the same: every step a prune finished leaves a vault that verifies, its lease is
 * released on the error, and the next run reads the vault again and finishes what is left (docs/FORMAT.md "Resuming").
 */
function pruneThrottledNextStep(changing: boolean): string {
  if (!changing) return throttledNextStep();
  return throttledNextStep({ left: 'The prune stopped part way: what it deleted or condemned is done, the vault verifies', why: 'it reads the vault again and finishes what is left' });
}
