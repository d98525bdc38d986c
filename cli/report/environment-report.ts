import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { type DrillRecord } from '../../lambdas/catalog/drill-record';
import { InvalidInputError } from '../../lambdas/runtime/errors';
import { type DrillSide } from '../drills/drill-access';
import { type LatestState, planReport, type ReportData } from './report-data';

/** What the report reads: the primary catalog's backups of a plan and each region's drills (tests give their own). */
export type ReportSources = {
  environment: EnvironmentConfig;
  listBackupsOfPlan(plan: string): Promise<readonly BackupRecord[]>;
  listDrills(side: DrillSide): Promise<readonly DrillRecord[]>;
  /** The mirrors' last checks and the vaults' last prunes as `lifeboat status` shows them. @default not in the report */
  latestState?(now: Date): Promise<LatestState>;
};

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The report of an environment (or one plan of it). A region whose drills cannot be read is a
 * problem the page lists, and its charts go without those drills; backups that cannot be read fail
 * the report (there is nothing to draw).
 */
export async function environmentReport(sources: ReportSources, now: Date, onlyPlan?: string): Promise<ReportData> {
  const { environment } = sources;
  const plans = onlyPlan === undefined ? environment.plans : environment.plans.filter((p) => p.name === onlyPlan);
  if (plans.length === 0) throw new InvalidInputError(`--plan: environment ${environment.name} has no plan ${onlyPlan} (plans: ${environment.plans.map((p) => p.name).join(', ') || 'none'})`);
  const problems: string[] = [];
  const drills: DrillRecord[] = [];
  for (const side of ['primary', 'dr'] as const) {
    try {
      drills.push(...(await sources.listDrills(side)));
    } catch (err) {
      problems.push(`the ${side} region's drills could not be read and are not drawn: ${message(err)}`);
    }
  }
  const reports = [];
  for (const plan of plans) {
    reports.push(planReport({ plan, backups: await sources.listBackupsOfPlan(plan.name), drills: drills.filter((d) => d.plan === plan.name), now }));
  }
  let latest: LatestState | undefined;
  if (sources.latestState) {
    try {
      latest = await sources.latestState(now);
    } catch (err) {
      problems.push(`the mirrors' last checks and the vaults' last prunes could not be read and are not shown: ${message(err)}`);
    }
  }
  return { environment: environment.name, generatedAt: now.toISOString(), plans: reports, ...(latest ? { latest } : {}), problems };
}
