import { type ProtectionPlanConfig } from '../config/lifeboat-config';
import { measuredPlanEstimate } from '../cli/estimate/measured-plan-estimate';
import { type PlanEstimate } from '../cli/estimate/monthly-cost';
import { loadPriceTable, priceTableFileFor } from '../cli/estimate/price-table';
import { type BackupRecord } from '../lambdas/catalog/backup-record';
import { type BackupCatalog } from '../lambdas/catalog/backup-catalog';
import { BENCH_REGION } from './bench-cloud';

/** The size issue 15 asks the S3 set to be priced at. */
export const ESTIMATE_PROTECTED_BYTES = 10 * 2 ** 40;

/**
 * The S3 section's backups priced as `lifeboat estimate --protected-bytes 10TiB` would price them
 * (docs/COSTS.md), next to AWS Backup's price for the same data.
 */
export type S3CostEstimate = {
  protectedBytes: number;
  pricesFile: string;
  /** Measured figures before scaling: what the section's backups recorded. */
  measured: { protectedBytes: number; storedBytes: number; committedBackups: number };
  /** What the estimate takes that the bench does not measure. */
  assumptions: string[];
  plan: PlanEstimate;
};

/**
 * The bench cloud has one region and the in-process workflow has no replication step, so no record
 * has a committed DR copy. A deployed plan replicates every backup: the records are priced as if
 * their DR copy committed, so the DR vault is not left out of Lifeboat's side.
 */
function asReplicated(record: BackupRecord): BackupRecord {
  return record.status === 'COMMITTED' ? { ...record, copies: { primary: 'COMMITTED', dr: 'COMMITTED' } } : record;
}

export async function estimateS3Section(catalog: BackupCatalog, plan: ProtectionPlanConfig, now: Date): Promise<S3CostEstimate> {
  const records = (await catalog.listBackupsOfPlan(plan.name)).map(asReplicated);
  const pricesFile = priceTableFileFor(BENCH_REGION);
  const prices = loadPriceTable(pricesFile);
  const measured = measuredPlanEstimate(plan, records, prices, { now }).measures;
  return {
    protectedBytes: ESTIMATE_PROTECTED_BYTES,
    pricesFile,
    measured: { protectedBytes: measured.protectedBytes, storedBytes: measured.storedBytes, committedBackups: measured.committedBackups },
    assumptions: [
      `schedule ${plan.schedule} (the bench plan's), runs after the first incremental like the section's second backup`,
      'every backup replicated to the DR region (the bench cloud has one region and no replication step)',
      'Lambda GB-seconds from this machine\'s wall time of the typical run (every shard billed the whole run)',
    ],
    plan: measuredPlanEstimate(plan, records, prices, { protectedBytes: ESTIMATE_PROTECTED_BYTES, now }),
  };
}
