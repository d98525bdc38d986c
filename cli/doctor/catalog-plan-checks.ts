import { RESOURCE_NAME_PATTERN } from '../../config/lifeboat-config';
import { type BackupCatalog, type CatalogPlanSummary, type InvalidBackupItem } from '../../lambdas/catalog/backup-catalog';
import { catalogItemDeleteCommand, INVALID_ITEM_LINES } from '../../lambdas/catalog/catalog-item-delete-command';
import { comparedInstant } from '../../lambdas/catalog/compared-instant';
import { pastedIdWord } from '../../lambdas/catalog/pasted-id-word';
import { shownItemKeyPart } from '../../lambdas/catalog/shown-item-key';
import { givenOnCommandLine, shownShellWord } from '../../lambdas/runtime/shown-shell-word';
import { localCloudAwsCli } from '../../lambdas/catalog/local-cloud-aws-cli';
import { type CheckResult, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { regionUnansweredResult } from './unanswered-region';

/** The line of the check when every plan the catalog holds backups of is in the config, or the catalog cannot be read. */
export const CATALOG_PLANS_CHECK = 'catalog plans';

/** The line of the DR catalog's scan when each of its backup records is valid, or it cannot be read. */
export const DR_CATALOG_ITEMS_CHECK = 'dr catalog items';

/**
 * Group 5, after a deploy: the plans the primary catalog holds backups of that the config does not name (renamed
 * or removed). No configured policy reaches their backups, not the scheduled forget either, so they stay in both
 * vaults until the operator gives them a policy (docs/RUNBOOKS.md, "A plan removed or renamed"). One line per
 * such plan, `catalog plan <name>`; with none, one `catalog plans` line. Then one `catalog item <pk>` line per backup
 * record that is not valid (an older version's, or damaged: listings and retention pass over it, so nothing else says so;
 * audit R31 F1), with the command that deletes it. The catalog is read with a Scan of its byPlan index
 * (BackupCatalog.summarizePlans): every backup record once, as a diagnostic run by hand may.
 */
export async function checkCatalogPlans(catalog: Pick<BackupCatalog, 'summarizePlans'>, ctx: DoctorContext, localDynamoDb?: LocalDynamoDbEndpoints): Promise<CheckResult[]> {
  const configured = ctx.environment.plans.map((p) => p.name);
  let summaries: CatalogPlanSummary[];
  try {
    summaries = await catalog.summarizePlans();
  } catch (err) {
    // A warning, not a failure: the backups are unaffected, only this look at them is missing.
    const unanswered = regionUnansweredResult(CATALOG_PLANS_CHECK, ctx.environment.primaryRegion, err, `cannot scan the catalog ${ctx.names.catalogTable} for plans not in the config`, 'warn');
    if (unanswered) return [unanswered];
    return [
      warn(
        CATALOG_PLANS_CHECK,
        `cannot scan the catalog ${ctx.names.catalogTable} for plans not in the config: ${err instanceof Error ? err.message : String(err)}`,
        "allow dynamodb:Scan on the catalog table's byPlan index to the caller",
      ),
    ];
  }
  const unconfigured = summaries.filter((s) => !configured.includes(s.plan) && s.backups > 0);
  const plans = unconfigured.length === 0 ? [ok(CATALOG_PLANS_CHECK, `every plan the catalog holds backups of is in the config (${configured.join(', ')})`)] : unconfigured.map((s) => unconfiguredPlanResult(s, ctx, catalogPlace('primary', ctx, localDynamoDb)));
  return [...plans, ...invalidItemResults(summaries.flatMap((s) => s.invalid ?? []), ctx, catalogPlace('primary', ctx, localDynamoDb))];
}

/**
 * Group 5, after a deploy: the DR catalog's backup records that are not valid, as checkCatalogPlans names the primary
 * catalog's. The DR catalog's records are its own items, whatever the primary's hold: written by replication, the DR
 * region's retention and rebuilds, by an older version, or damaged there. The failover and the DR drill read this
 * catalog, and refuse a choice by time while such a record may be a newer backup
 * (lambdas/failover/unreadable-newer-backups.ts): found now, not in the middle of an outage. One `dr catalog item <pk>`
 * line each, or one `dr catalog items` line that is ok, or warns that the catalog cannot be scanned: a DR region
 * unreachable does not stop the doctor. The plans themselves are the primary catalog's check: replication gives the DR
 * catalog the same ones. With the DR stack in another account (`drAccount`), the doctor has no credentials there (its
 * resource policy lets this account Query, not Scan): it says how to look with that account's.
 */
export async function checkDrCatalogItems(catalog: Pick<BackupCatalog, 'summarizePlans'>, ctx: DoctorContext, localDynamoDb?: LocalDynamoDbEndpoints): Promise<CheckResult[]> {
  const place = catalogPlace('dr', ctx, localDynamoDb);
  const { account, drAccount } = ctx.environment;
  if (ctx.request.mode === 'aws' && drAccount !== undefined && drAccount !== account) {
    return [
      warn(
        DR_CATALOG_ITEMS_CHECK,
        `${place.description} is in account ${drAccount}, which the doctor does not read with account ${account}'s credentials`,
        `with account ${drAccount}'s credentials: ${preVaultScanCommand(ctx, place)} lists the records from before the vault; the logs of the DR region's runbooks name every record they pass over`,
      ),
    ];
  }
  let summaries: CatalogPlanSummary[];
  try {
    summaries = await catalog.summarizePlans();
  } catch (err) {
    // A warning, not a failure, as for the primary catalog: the DR region may be down, which is when it is needed. Its
    // silence, fault or throttle is the region's, not a missing dynamodb:Scan (until review r63N F2 a throttle was).
    const unanswered = regionUnansweredResult(DR_CATALOG_ITEMS_CHECK, place.region, err, `cannot scan ${place.description} for backup records that are not valid`, 'warn');
    if (unanswered) return [unanswered];
    return [
      warn(
        DR_CATALOG_ITEMS_CHECK,
        `cannot scan ${place.description} for backup records that are not valid: ${err instanceof Error ? err.message : String(err)}`,
        `allow dynamodb:Scan on the DR catalog table's byPlan index (${place.region}) to the caller, or run the doctor again once the DR region answers`,
      ),
    ];
  }
  const invalid = summaries.flatMap((s) => s.invalid ?? []);
  if (invalid.length === 0) return [ok(DR_CATALOG_ITEMS_CHECK, `every backup record of ${place.description} is valid`)];
  return invalidItemResults(invalid, ctx, place);
}

/**
 * Which catalog a finding is in: its region, the prefix of its lines, the vault a rebuild writes its records again
 * from, and how a detail names it. The primary catalog's lines keep their names of before the DR catalog was checked.
 */
type CatalogPlace = { readonly side: 'primary' | 'dr'; readonly region: string; readonly line: string; readonly description: string; readonly localDynamoDb?: string | undefined };

/** The local cloud's DynamoDB endpoint of each region it serves (LocalEndpoints.dynamodb), in local mode. */
export type LocalDynamoDbEndpoints = Readonly<Record<string, string>>;

function catalogPlace(side: 'primary' | 'dr', ctx: DoctorContext, localDynamoDb: LocalDynamoDbEndpoints | undefined): CatalogPlace {
  const region = side === 'primary' ? ctx.environment.primaryRegion : ctx.environment.drRegion;
  const local = localDynamoDb?.[region];
  return side === 'primary'
    ? { side, region, line: 'catalog', description: `the primary catalog ${ctx.names.catalogTable} (${region})`, localDynamoDb: local }
    : { side, region, line: 'dr catalog', description: `the DR catalog ${ctx.names.catalogTable} (${region})`, localDynamoDb: local };
}

function invalidItemResults(invalid: readonly InvalidBackupItem[], ctx: DoctorContext, place: CatalogPlace): CheckResult[] {
  const results = invalid.slice(0, INVALID_ITEM_LINES).map((item) => invalidItemResult(item, ctx, place));
  const more = invalid.length - INVALID_ITEM_LINES;
  if (more > 0) {
    const where = place.side === 'primary' ? '' : ` in ${place.description}`;
    results.push(warn(`${place.line} items`, `${more} more backup record(s)${where} are not valid`, `the same for each; those from before the vault are what ${preVaultScanCommand(ctx, place)} lists`));
  }
  return results;
}

/** The reason the doctor's hold-again line carries: the damaged record's own reason cannot be read back. */
const HELD_AGAIN_REASON = "'doctor: held again after a damaged catalog record was rebuilt'";
/** A backup record's partition key is this and its backup id (backup-catalog.ts). */
const BACKUP_PK_PREFIX = 'BACKUP#';

/**
 * A warning, not a failure: listings, retention and replication pass over the record. A record from before the vault
 * is deleted; a damaged one too, after which `catalog rebuild` writes it again from its snapshots when the vault holds
 * them: the primary catalog's from the primary vault, the DR catalog's from the DR vault (the DR region's own, as a
 * failover does). The primary catalog's detail is the error's alone, whose table name is the same in both regions: the
 * DR catalog's says which it is.
 */
function invalidItemResult(invalid: InvalidBackupItem, ctx: DoctorContext, place: CatalogPlace): CheckResult {
  // A damaged item's key is any string: shown raw, a newline or ESC would forge report lines (review r61AE F3). The
  // error's message shows it escaped already (CatalogItemInvalidError): escaped again, a reader would see \\u000a. Cut
  // at 40: whole, a pk spelled another record's delete beside this one's (review r63B F1), which alone holds it whole.
  const name = `${place.line} item ${shownItemKeyPart(invalid.key.pk)}`;
  const del = deleteItemCommand(invalid.key, ctx, place);
  const where = place.side === 'primary' ? '' : `In ${place.description}: `;
  if (invalid.preVault) return warn(name, `${where}${invalid.error.message}`, del);
  const passedOver = place.side === 'primary' ? 'Listings, retention and replication pass over it' : 'Listings, the DR retention, failovers and drills pass over it (a failover or drill by time refuses while it may be a newer backup)';
  const rebuild = ctx.lifeboat(place.side === 'primary' ? 'catalog rebuild --vault primary' : 'catalog rebuild --vault dr --region dr');
  const fromVault = `from the ${place.side === 'primary' ? '' : 'DR '}vault`;
  if (!invalid.mayBeHeld) {
    return warn(name, `${where}${invalid.error.message} ${passedOver}`, `correct the item, or delete it (${del}) and run ${rebuild} to write it again ${fromVault}`);
  }
  // The error's finding, not its message: the message's "Fix or delete the item" contradicted the held advice below (review r64AC F1).
  const finding = `${where}${invalid.error.finding} ${passedOver}`;
  // A key that is not `BACKUP#<id>` (MANUAL#b-9, a bare `BACKUP#`) is no backup record's: no hold line can name the backup
  // it keeps, and a rebuild writes no item under it (review r65Q F3: it got one, "of the backup its key names").
  const keyId = invalid.key.pk.startsWith(BACKUP_PK_PREFIX) ? invalid.key.pk.slice(BACKUP_PK_PREFIX.length) : '';
  if (keyId === '') {
    const refuses = ctx.environment.immutability !== undefined ? '; every `lifeboat backups release` refuses until it is deleted or fixed' : '';
    const notBackup = `its key ${shownItemKeyPart(invalid.key.pk)} is not a backup record's (${BACKUP_PK_PREFIX}<backup id>), so its legal hold holds no backup${refuses}`;
    return warn(name, `${finding}; ${notBackup}`, `delete the item (${del}), or fix its key to ${BACKUP_PK_PREFIX}<the backup id> if it is a backup's record, and run ${rebuild} to write it again ${fromVault}`);
  }
  if (ctx.environment.immutability !== undefined) {
    // Deleted and not rebuilt, a held item no longer stops a release from lifting the S3 legal holds its backup needs; the
    // rebuild holds it again from them (catalog-rebuild.ts, HELD_BY_OBJECT_LOCK). "Until fixed or deleted" said a delete was enough (review r64W F2).
    return warn(
      name,
      `${finding}; it has a legal hold, so every \`lifeboat backups release\` refuses until the item is fixed, or deleted and written again by ${rebuild}: run that before any release, which with the item gone would lift the S3 legal holds its backup needs`,
      `correct the item, or delete it (${del}) and run ${rebuild} to write it again ${fromVault}`,
    );
  }
  // Without Object Lock there are no S3 legal holds: a release never refuses (object-legal-hold.ts), and the rebuild
  // writes the record back unheld (catalog-rebuild.ts), after which `backups forget` can forget a backup under legal hold (review r64AC F1).
  // A damaged record's backupId is any string: it goes into the command only as a word that pastes as printed, as a pasted
  // other word could run (f62T), else as a placeholder quoted as one word (pastedIdWord). `--reason` takes any text, so
  // "…" pasted would be the stored reason: the line carries a concrete one. The DR catalog's record is held on its half
  // alone (`--only dr`, legal-hold-halves.ts), which a paste while the primary region is down needs.
  // The id is the key's, not the `backupId` attribute: the catalog calls an item invalid exactly when the two differ, and
  // a rebuild writes the record back under the key's id, so the attribute's id held another backup (review r65O F1).
  const id = pastedIdWord(keyId, `the part after ${BACKUP_PK_PREFIX} of the item's key`, 'argument');
  const only = place.side === 'primary' ? '' : ' --only dr';
  const hold = ctx.lifeboat(`backups hold ${id.word} --reason ${HELD_AGAIN_REASON}${only}`);
  const otherId = invalid.backupId !== undefined && invalid.backupId !== keyId ? `; its \`backupId\` names another backup, ${shownItemKeyPart(invalid.backupId)}, which this hold is not of: the hold is of the backup its key names` : '';
  const advice = `fix the item; do not delete it: a rebuild cannot restore its hold (hold it again with ${hold} after${id.fillIn}${otherId})`;
  return warn(name, `${finding}; it has a legal hold: ${advice}`, `correct the item; if it is deleted and written again by ${rebuild} ${fromVault}, hold it again with ${hold}${id.fillIn}${otherId}`);
}

/** The AWS CLI's delete of one catalog item, in the catalog's region (against the local cloud's DynamoDB in local mode). */
function deleteItemCommand(key: InvalidBackupItem['key'], ctx: DoctorContext, place: CatalogPlace): string {
  return catalogItemDeleteCommand({ region: place.region, table: ctx.names.catalogTable, key }, awsCli(ctx, place));
}

/** The AWS CLI's scan for the backup records without `sourceNames`: those from before the vault (isPreVaultBackupItem), and any damaged that way. */
function preVaultScanCommand(ctx: DoctorContext, place: CatalogPlace): string {
  return `${awsCli(ctx, place)} dynamodb scan --region ${place.region} --table-name ${ctx.names.catalogTable} --index-name byPlan --filter-expression 'attribute_not_exists(sourceNames)' --projection-expression pk,sk`;
}

/**
 * `aws`, or in local mode the AWS CLI pointed at the local cloud's DynamoDB of the catalog's region, its fixed
 * credentials and the endpoint the doctor reached it at, pasted as printed (review r62H F4); only when the doctor did not
 * learn it, the endpoint `lifeboat local status` shows, to fill in: a placeholder quoted as one word, so that a paste
 * that forgets to fill it in fails on a bad URL rather than reading `<…>` as a redirect.
 */
function awsCli(ctx: DoctorContext, place: CatalogPlace): string {
  if (ctx.request.mode === 'aws') return 'aws';
  return localCloudAwsCli(place.localDynamoDb ?? `<the dynamodb ${place.region} URL of ${ctx.lifeboat('local status')}>`);
}

function unconfiguredPlanResult(summary: CatalogPlanSummary, ctx: DoctorContext, place: CatalogPlace): CheckResult {
  // The plan and the start are a record's, any strings (backupRecordSchema): shown escaped, as a newline or ESC in one
  // would forge or colour the doctor's lines (f62T). The plan is cut at 40 and the start shown as the instant it parses
  // to: 200 characters of either spelled another record's delete beside the printed one (review r63U F3). Only the
  // printed `backups forget --plan` holds the plan whole, and only a plan a config can name (review r64L F1).
  const plan = shownItemKeyPart(summary.plan);
  const name = `catalog plan ${plan}`;
  const newest = summary.newestStartedAt === undefined ? '' : `, the newest ${newestStart(summary.newestStartedAt)}`;
  // The newest backup of a plan is always kept: once only it is left, no policy can forget more, and nothing is to be done.
  if (summary.backups === 1) {
    return ok(name, `plan ${plan} is not in the config; the catalog keeps its one backup left${newest}, as the newest backup of a plan is always kept`);
  }
  const detail = `the catalog holds ${summary.backups} backup(s) of plan ${plan}${newest}, which is not in the config (its plans: ${ctx.environment.plans.map((p) => p.name).join(', ')}): no retention policy applies to them, so both vaults keep them`;
  // bash ends a word at a NUL: `--plan $'demo\x00x'` names demo, maybe a configured plan (review r62J F2). No command then.
  if (!givenOnCommandLine(summary.plan)) {
    const del = deleteItemCommand({ pk: 'BACKUP#<backup id>', sk: 'BACKUP' }, ctx, place);
    return warn(
      name,
      detail,
      `its name holds a NUL character, which no command line can give (a --plan naming it names the plan before the NUL), so \`lifeboat backups forget --plan\` cannot forget them and the doctor prints no such command; Lifeboat writes no such plan (a config's plans are lowercase letters, digits and dashes: docs/SECURITY.md, "Catalog records as an attack"). ${ctx.lifeboat('backups list --all --json')} names their backups (their plan holds \\u0000); delete each record with ${del}`,
    );
  }
  // Any other text, quoted as one word, still printed a record's delete beside the real ones: a plan holding one with
  // double-quoted JSON (review r64L F1). Only a name a config can give a plan is printed in a command.
  if (!RESOURCE_NAME_PATTERN.test(summary.plan)) {
    const forget = ctx.lifeboat("backups forget --plan '<plan>' --keep-last 1 --dry-run");
    return warn(
      name,
      detail,
      `its name is not one a config can give a plan (2-32 lowercase letters, digits or dashes, starting with a letter: docs/SECURITY.md, "Catalog records as an attack"), so the doctor prints it in no command; ${ctx.lifeboat('backups list --all --json')} names their backups and their plan whole: ${forget}, with that plan in place of <plan>, shows what a policy keeps (any --keep-* rule; --keep-last 1 forgets all but the newest); then run it without --dry-run, and the same with --vault dr for the DR vault`,
    );
  }
  const forget = ctx.lifeboat(`backups forget --plan ${shownShellWord(summary.plan)} --keep-last 1 --dry-run`);
  return warn(
    name,
    detail,
    `${forget} shows what a policy keeps (any --keep-* rule; --keep-last 1 forgets all but the newest); then run it without --dry-run, and the same with --vault dr for the DR vault. Or give the plan back its name in the config`,
  );
}

/**
 * A plan's newest start as the doctor says it: the instant it was judged newest as (comparedInstant: a zoneless text as
 * UTC, not in the process's zone: review r65N F5), or that it is none, never the text.
 */
function newestStart(startedAt: string): string {
  const started = comparedInstant(startedAt);
  return started !== undefined ? `started ${started}` : 'with a startedAt that is not a time';
}
