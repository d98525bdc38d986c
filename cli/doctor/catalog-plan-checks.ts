import { type BackupCatalog, type CatalogPlanSummary, type InvalidBackupItem } from '../../lambdas/catalog/backup-catalog';
import { shellWord } from '../../local/cloud/data-dir-option';
import { type CheckResult, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';

/** The line of the check when every plan the catalog holds backups of is in the config, or the catalog cannot be read. */
export const CATALOG_PLANS_CHECK = 'catalog plans';

/**
 * Group 5, after a deploy: the plans the primary catalog holds backups of that the config does not name (renamed
 * or removed). No configured policy reaches their backups, not the scheduled forget either, so they stay in both
 * vaults until the operator gives them a policy (docs/RUNBOOKS.md, "A plan removed or renamed"). One line per
 * such plan, `catalog plan <name>`; with none, one `catalog plans` line. Then one `catalog item <pk>` line per backup
 * record that is not valid (an older version's, or damaged: listings and retention pass over it, so nothing else says so;
 * audit R31 F1), with the command that deletes it. The catalog is read with a Scan of its byPlan index
 * (BackupCatalog.summarizePlans): every backup record once, as a diagnostic run by hand may.
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
  const plans = unconfigured.length === 0 ? [ok(CATALOG_PLANS_CHECK, `every plan the catalog holds backups of is in the config (${configured.join(', ')})`)] : unconfigured.map((s) => unconfiguredPlanResult(s, ctx));
  return [...plans, ...invalidItemResults(summaries.flatMap((s) => s.invalid ?? []), ctx)];
}

/** Items reported one by one at most; the rest in one line (a history of many pre-vault records would flood the report). */
export const INVALID_ITEM_LINES = 10;

function invalidItemResults(invalid: readonly InvalidBackupItem[], ctx: DoctorContext): CheckResult[] {
  const results = invalid.slice(0, INVALID_ITEM_LINES).map((item) => invalidItemResult(item, ctx));
  const more = invalid.length - INVALID_ITEM_LINES;
  if (more > 0) {
    results.push(warn('catalog items', `${more} more backup record(s) are not valid`, `the same for each; those from before the vault are what ${preVaultScanCommand(ctx)} lists`));
  }
  return results;
}

/**
 * A warning, not a failure: listings, retention and replication pass over the record. A record from before the vault
 * is deleted; a damaged one too, after which `catalog rebuild` writes it again from its snapshots when the vault holds them.
 */
function invalidItemResult(invalid: InvalidBackupItem, ctx: DoctorContext): CheckResult {
  const name = `catalog item ${invalid.key.pk}`;
  const del = deleteItemCommand(invalid.key, ctx);
  if (invalid.preVault) return warn(name, invalid.error.message, del);
  const held = invalid.mayBeHeld ? '; it has a legal hold, so `lifeboat backups release` of any other backup refuses until the item is fixed or deleted' : '';
  return warn(name, `${invalid.error.message} Listings, retention and replication pass over it${held}`, `correct the item, or delete it (${del}) and run ${ctx.lifeboat('catalog rebuild --vault primary')} to write it again from the vault`);
}

/** The AWS CLI's delete of one catalog item, in the primary region (against the local cloud's DynamoDB in local mode). */
function deleteItemCommand(key: InvalidBackupItem['key'], ctx: DoctorContext): string {
  const json = JSON.stringify({ pk: { S: key.pk }, sk: { S: key.sk } });
  return `${awsCli(ctx)} dynamodb delete-item --region ${ctx.environment.primaryRegion} --table-name ${ctx.names.catalogTable} --key ${shellWord(json)}`;
}

/** The AWS CLI's scan for the backup records without `sourceNames`: those from before the vault (isPreVaultBackupItem), and any damaged that way. */
function preVaultScanCommand(ctx: DoctorContext): string {
  return `${awsCli(ctx)} dynamodb scan --region ${ctx.environment.primaryRegion} --table-name ${ctx.names.catalogTable} --index-name byPlan --filter-expression 'attribute_not_exists(sourceNames)' --projection-expression pk,sk`;
}

/** `aws`, or in local mode the AWS CLI pointed at the local cloud (its fixed credentials; the endpoint `lifeboat local status` shows). */
function awsCli(ctx: DoctorContext): string {
  if (ctx.request.mode === 'aws') return 'aws';
  return `AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url <the dynamodb ${ctx.environment.primaryRegion} URL of ${ctx.lifeboat('local status')}>`;
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
