import { type Command } from 'commander';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { parseByteSize } from '../byte-size-option';
import { type CliIo, processIo } from '../cli-io';
import { type AccessClients, environmentAccess, type TargetOptions, withTargetOptions } from '../environment-access';
import { environmentEstimate } from '../estimate/environment-estimate';
import { estimateScreen } from '../estimate/estimate-screen';
import { loadPriceTable, priceTableFileFor } from '../estimate/price-table';
import { targetEnvironment } from '../target-environment';
import { targetOptionsLine } from '../target-options-line';

/**
 * `lifeboat estimate [--plan P] [--json] [--prices FILE] [--protected-bytes SIZE]`: each plan's
 * monthly cost from what its catalog measured, next to AWS Backup's for the same data (docs/COSTS.md).
 * Exit 0 with an estimate, 1 when the catalog, the config or the prices could not be read, or the prices are for
 * other regions than the environment's (price-table-regions.ts).
 */
export type EstimateCommandOptions = TargetOptions & { json?: boolean; plan?: string; prices?: string; protectedBytes?: string };
export type EstimateCommandDeps = {
  io: CliIo;
  /** The plan's backups; by default the primary catalog's. */
  listBackupsOfPlan?: (plan: string) => Promise<readonly BackupRecord[]>;
  clients?: AccessClients;
  now?: () => Date;
};

/**
 * The primary catalog, whose backups the estimate measures, could not be read: with its region down, a bare
 * connection error names neither the region nor that the estimate has to wait for it (review R43 F4).
 */
export class EstimateCatalogUnreadableError extends Error {
  override name = 'EstimateCatalogUnreadableError';
  constructor(region: string, plan: string, cause: unknown) {
    super(
      `the primary catalog (${region}), whose backups of plan ${plan} the estimate measures, could not be read: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        `Estimate again once ${region} answers; meanwhile \`lifeboat status\` and \`lifeboat backups list\` show what the DR catalog records`,
      { cause },
    );
  }
}

export async function estimateCommand(options: EstimateCommandOptions, deps: Partial<EstimateCommandDeps> = {}): Promise<number> {
  const io = deps.io ?? processIo;
  try {
    // The estimate only reads: in an outage with --stack, it may read an older lifeboat's copy as status does (review r62D).
    const environment = await targetEnvironment(options, undefined, { readOnly: true });
    const pricesFile = options.prices ?? priceTableFileFor(environment.primaryRegion);
    const prices = loadPriceTable(pricesFile);
    const protectedBytes = options.protectedBytes === undefined ? undefined : parseByteSize(options.protectedBytes, '--protected-bytes');
    let list = deps.listBackupsOfPlan;
    if (!list) {
      const access = await environmentAccess(options, deps.clients, { readOnly: true, environment });
      list = async (plan) => {
        try {
          return await access.catalog.listBackupsOfPlan(plan);
        } catch (err) {
          throw new EstimateCatalogUnreadableError(environment.primaryRegion, plan, err);
        }
      };
    }
    const estimate = await environmentEstimate({
      environment,
      listBackupsOfPlan: list,
      prices,
      pricesFile,
      ...(options.plan !== undefined ? { plan: options.plan } : {}),
      ...(protectedBytes !== undefined ? { protectedBytes } : {}),
      now: (deps.now ?? (() => new Date()))(),
      targetOptions: targetOptionsLine(options),
    });
    if (options.json) io.out(JSON.stringify(estimate, null, 2));
    else for (const line of estimateScreen(estimate)) io.out(line);
    return 0;
  } catch (err) {
    io.err(`lifeboat estimate: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

export function registerEstimateCommand(program: Command): void {
  withTargetOptions(
    program
      .command('estimate')
      .description('monthly cost of each plan from the catalog\'s measured figures, next to AWS Backup\'s for the same data (docs/COSTS.md)')
      .option('--plan <name>', 'only this plan')
      .option('--prices <file>', 'price table (default: the newest config/prices/<primary region>-<date>.json)')
      .option('--protected-bytes <size>', 'model this much protected data per plan (e.g. 10TiB), keeping the measured dedup, compression and change ratios'),
  ).action(async (opts: EstimateCommandOptions) => {
    process.exitCode = await estimateCommand(opts);
  });
}
