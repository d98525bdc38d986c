import { type BackupCatalog, type CatalogPlanSummary } from '../../lambdas/catalog/backup-catalog';
import { shellWord } from '../../local/cloud/data-dir-option';
import { type CheckResult, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';

/** The line of the check when every plan the catalog holds backups of is in the config, or the catalog cannot be read. */
export const CATALOG_PLANS_CHECK = 'catalog plans';

/**
 * Group 5, after a deploy: the plans the primary catalog holds backups of that the config does not name (renamed
 * or removed). No configured policy reaches their backups, not the scheduled forget either, so they stay in both
 * vaults until the operator gives them a policy (docs/RUNBOOKS.md, "A plan removed or renamed"). One line per
 * such plan, `catalog plan <name>`; with none, one `catalog plans` line. The catalog is read with a Scan of its
 * byPlan index (BackupCatalog.summarizePlans): every backup record once, as a diagnostic run by hand may.
 */
export async function checkCatalogPlans(catalog: Pick<BackupCatalog, 'summarizePlans'>, ctx: DoctorContext): Promise<CheckResult[]> {
  const configured = ctx.environment.plans.map((p) => p.name);
  let summaries: CatalogPlanSummary[];
  try {
    summaries = await catalog.summarizePlans();
  } catch (err) {
    // A warning, not a failure: the backups are unaffected, only this look at them is missing.
    return [
      warn(
        CATALOG_PLANS_CHECK,
        `cannot scan the catalog ${ctx.names.catalogTable} for plans not in the config: ${err instanceof Error ? err.message : String(err)}`,
        "allow dynamodb:Scan on the catalog table's byPlan index to the caller",
      ),
    ];
  }
  const unconfigured = summaries.filter((s) => !configured.includes(s.plan) && s.backups > 0);
  if (unconfigured.length === 0) return [ok(CATALOG_PLANS_CHECK, `every plan the catalog holds backups of is in the config (${configured.join(', ')})`)];
  return unconfigured.map((s) => unconfiguredPlanResult(s, ctx));
}

function unconfiguredPlanResult(summary: CatalogPlanSummary, ctx: DoctorContext): CheckResult {
  const name = `catalog plan ${summary.plan}`;
  const newest = summary.newestStartedAt === undefined ? '' : `, the newest started ${summary.newestStartedAt}`;
  // The newest backup of a plan is always kept: once only it is left, no policy can forget more, and nothing is to be done.
  if (summary.backups === 1) {
    return ok(name, `plan ${summary.plan} is not in the config; the catalog keeps its one backup left${newest}, as the newest backup of a plan is always kept`);
  }
  const forget = ctx.lifeboat(`backups forget --plan ${shellWord(summary.plan)} --keep-last 1 --dry-run`);
  return warn(
    name,
    `the catalog holds ${summary.backups} backup(s) of plan ${summary.plan}${newest}, which is not in the config (its plans: ${ctx.environment.plans.map((p) => p.name).join(', ')}): no retention policy applies to them, so both vaults keep them`,
    `${forget} shows what a policy keeps (any --keep-* rule; --keep-last 1 forgets all but the newest); then run it without --dry-run, and the same with --vault dr for the DR vault. Or give the plan back its name in the config`,
  );
}
