import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { type DrillRecord } from '../../lambdas/catalog/drill-record';
import { InvalidInputError } from '../../lambdas/runtime/errors';
import { type DrillSide } from '../drills/drill-access';
import { inFutureProblems, type LatestState, planReport, type ReportData, untimedProblems } from './report-data';

/** What the report reads: a catalog's backups of a plan (the primary's, the DR's when it cannot be read) and each region's drills (tests give their own). */
export type ReportSources = {
  environment: EnvironmentConfig;
  listBackupsOfPlan(plan: string, catalog: 'primary' | 'dr'): Promise<readonly BackupRecord[]>;
  listDrills(side: DrillSide): Promise<readonly DrillRecord[]>;
  /** The target options the command lines of its problems end with, with a leading space (targetOptionsLine). @default none */
  commandOptions?: string;
  /** The mirrors' last checks and the vaults' last prunes as `lifeboat status` shows them. @default not in the report */
  /** The mirrors' and prunes' lines, and what of them could not be read (`unread`: listed in the report's problems). */
  latestState?(now: Date): Promise<LatestState & { unread?: string[] }>;
};

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The report, and the plans whose backups came from the DR catalog because the primary's could not be read (absent: none). */
export type EnvironmentReport = ReportData & { backupsFromDr?: string[] };

/** A plan's backups could be read from neither region's catalog: the report has nothing to draw for it. */
export class ReportBackupsUnreadableError extends Error {
  override name = 'ReportBackupsUnreadableError';
}

/**
 * The report of an environment (or one plan of it). A region whose drills cannot be read is a
 * problem the page lists, and its charts go without those drills. A plan whose backups the primary
 * catalog cannot give (its region down) is drawn from the DR catalog's, what the DR vault can restore,
 * as `lifeboat status` does (cli/status/environment-status.ts), and listed as a problem; backups
 * neither catalog gives fail the report (there is nothing to draw).
 */
export async function environmentReport(sources: ReportSources, now: Date, onlyPlan?: string): Promise<EnvironmentReport> {
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
  const backupsFromDr: string[] = [];
  for (const plan of plans) {
    let backups: readonly BackupRecord[];
    try {
      backups = await sources.listBackupsOfPlan(plan.name, 'primary');
    } catch (primaryErr) {
      const primaryProblem = `the primary catalog (${environment.primaryRegion}) could not be read: ${message(primaryErr)}`;
      try {
        backups = await sources.listBackupsOfPlan(plan.name, 'dr');
      } catch (drErr) {
        throw new ReportBackupsUnreadableError(`${plan.name}: its backups could not be read: ${primaryProblem}; the DR catalog (${environment.drRegion}) neither: ${message(drErr)}`, { cause: primaryErr });
      }
      backupsFromDr.push(plan.name);
      problems.push(`${plan.name}: backups drawn from the DR catalog (${environment.drRegion}), what the DR vault can restore; ${primaryProblem}`);
    }
    const report = planReport({ plan, backups, drills: drills.filter((d) => d.plan === plan.name), now });
    reports.push(report);
    // Left out of the charts: the page and stderr say which and why, and the exit is 1 until the catalog is put right.
    problems.push(...inFutureProblems(report, sources.commandOptions), ...untimedProblems(report, sources.commandOptions));
  }
  let latest: LatestState | undefined;
  if (sources.latestState) {
    try {
      const { unread, ...lines } = await sources.latestState(now);
      latest = lines;
      // Marked "unknown" on the page: each says why, and a report missing them is not the whole picture (exit 1).
      problems.push(...(unread ?? []));
    } catch (err) {
      problems.push(`the mirrors' last checks and the vaults' last prunes could not be read and are not shown: ${message(err)}`);
    }
  }
  return { environment: environment.name, generatedAt: now.toISOString(), plans: reports, ...(latest ? { latest } : {}), problems, ...(backupsFromDr.length > 0 ? { backupsFromDr } : {}) };
}
