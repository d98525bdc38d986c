import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { InvalidInputError } from '../../lambdas/runtime/errors';
import { environmentKeys } from './environment-keys';
import { measuredPlanEstimate } from './measured-plan-estimate';
import { type CostLine, environmentLines, type PlanEstimate } from './monthly-cost';
import { NoCommittedBackupError } from './plan-measures';
import { type PriceTable } from './price-table';
import { assertPriceTableRegions } from './price-table-regions';
import { MONTH_DAYS } from './runs-per-month';

/**
 * `lifeboat estimate` without its I/O: the plans' estimates from their backups and a price table.
 * A plan without a committed backup is listed as not measured, not priced at zero.
 */
export type EnvironmentEstimate = {
  environment: string;
  prices: { region: string; drRegion: string; date: string; file: string; sources: string[] };
  monthDays: number;
  /** Set when the plans were scaled to this many protected bytes (--protected-bytes). */
  scaledToProtectedBytes?: number;
  plans: PlanEstimate[];
  notMeasured: { plan: string; reason: string }[];
  environmentLines: CostLine[];
};

export type EstimateInput = {
  environment: EnvironmentConfig;
  /** The plan's backups, any order. */
  listBackupsOfPlan(plan: string): Promise<readonly BackupRecord[]>;
  prices: PriceTable;
  pricesFile: string;
  plan?: string;
  protectedBytes?: number;
  now: Date;
  /** The command's own target options (target-options-line.ts), which the backup command a plan not measured names carries. */
  targetOptions?: string;
};

export async function environmentEstimate(input: EstimateInput): Promise<EnvironmentEstimate> {
  const { environment, prices } = input;
  assertPriceTableRegions(input.pricesFile, prices, environment);
  const plans = input.plan === undefined ? environment.plans : environment.plans.filter((p) => p.name === input.plan);
  if (plans.length === 0) {
    throw new InvalidInputError(`--plan: environment ${environment.name} has no plan ${input.plan} (plans: ${environment.plans.map((p) => p.name).join(', ') || 'none'})`);
  }
  const estimates: PlanEstimate[] = [];
  const notMeasured: EnvironmentEstimate['notMeasured'] = [];
  for (const plan of plans) {
    const backups = await input.listBackupsOfPlan(plan.name);
    try {
      estimates.push(measuredPlanEstimate(plan, backups, prices, { ...(input.protectedBytes !== undefined ? { protectedBytes: input.protectedBytes } : {}), now: input.now, targetOptions: input.targetOptions }));
    } catch (err) {
      if (!(err instanceof NoCommittedBackupError)) throw err;
      notMeasured.push({ plan: plan.name, reason: err.message });
    }
  }
  return {
    environment: environment.name,
    prices: { region: prices.region, drRegion: prices.drRegion, date: prices.date, file: input.pricesFile, sources: prices.sources },
    monthDays: MONTH_DAYS,
    ...(input.protectedBytes !== undefined ? { scaledToProtectedBytes: input.protectedBytes } : {}),
    plans: estimates,
    notMeasured,
    environmentLines: environmentLines(prices, environmentKeys(environment)),
  };
}
