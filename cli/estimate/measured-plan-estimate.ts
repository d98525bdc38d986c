import { type StorageTiersConfig } from '../../config/storage-tiers';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { planEstimate, type PlanEstimate } from './monthly-cost';
import { planMeasures, scaledMeasures } from './plan-measures';
import { type PriceTable } from './price-table';
import { runsPerMonth } from './runs-per-month';
import { tierMeasures } from './storage-tier-split';

/**
 * What of a plan its estimate needs: the catalog's records are grouped by its name, its schedule sets the runs a month, its
 * maxConcurrency the batches of its shards (child executions, invocations, transitions, index loads), its storage tiers price its packs.
 */
export type EstimatedPlan = { name: string; schedule: string; maxConcurrency: number; storage?: StorageTiersConfig };

/**
 * One plan's monthly estimate from its backup records: measured (plan-measures.ts), scaled to
 * `protectedBytes` when given (its packs by storage class when the plan has `storage`), priced for the schedule's runs in the 30 days from `now`. The step
 * `lifeboat estimate` takes per plan, shared with the bench (bench/s3-throughput.ts) so both price
 * the same way. Throws NoCommittedBackupError when no backup of the plan committed (its backup command ending with `targetOptions`).
 */
export function measuredPlanEstimate(
  plan: EstimatedPlan,
  backups: readonly BackupRecord[],
  prices: PriceTable,
  options: { protectedBytes?: number; now: Date; targetOptions?: string },
): PlanEstimate {
  let measures = planMeasures(plan.name, backups, options.targetOptions);
  if (plan.storage) measures = { ...measures, tiers: tierMeasures(backups, plan.storage, options.now) };
  if (options.protectedBytes !== undefined) measures = scaledMeasures(measures, options.protectedBytes, options.targetOptions);
  return planEstimate(measures, runsPerMonth(plan.schedule, options.now), prices, plan.maxConcurrency);
}
