import Table from 'cli-table3';
import { type Command } from 'commander';
import { DEFAULT_CONFIG_FILE, findEnvironment, loadLifeboatConfig } from '../../config/load-config';
import { targetEnvironment } from '../target-environment';
import { type CatalogRebuildReport, rebuildCatalog, type RebuildCatalog, type RebuildOutcome, type RebuiltBackup, type VaultSide } from '../../lambdas/catalog/catalog-rebuild';
import { catalogRebuildCommandLine, catalogRebuildCommandWords } from '../../lambdas/catalog/catalog-rebuild-command-line';
import { partialCatalogAdvice } from '../../lambdas/catalog/catalog-rebuild-incomplete-error';
import { MARKER_DATA_DIR_MAX, type MarkerOptions, markerOptionsSchema, withMarkerOptions } from '../../lambdas/catalog/catalog-rebuild-marker-options';
import { type CatalogRebuildSummary, summarizeRebuild } from '../../lambdas/catalog/catalog-rebuild-summary';
import { snapshotPresence } from '../../lambdas/catalog/snapshot-presence';
import { DEFAULT_DATA_DIR } from '../../local/cloud/cloud-state';
import { givenPath } from '../../local/printed-path-option';
import { describeUnreadableSnapshot } from '../../vault';
import { type CliIo, processIo } from '../cli-io';
import { type AccessClients, environmentAccess, type TargetOptions, withTargetOptions } from '../environment-access';
import { targetOptionsLine, vaultTargetOptionsLine } from '../target-options-line';
import { progressLine } from '../progress-line';
import { awsWorkflowRunner, causeMessage, localWorkflowRunner, type WorkflowOutcome, type WorkflowRegion, type WorkflowRunner } from '../workflow-runner';
import { isUsageError, UsageError } from '../usage-error';
import { EXIT_OUTCOME_UNKNOWN, outcomeUnknownJson, outcomeUnknownOf } from '../outcome-unknown';

/**
 * `lifeboat catalog rebuild --vault primary|dr [--region primary|dr]`: the catalog's records of
 * committed backups, rebuilt from a vault's snapshots (lambdas/catalog/catalog-rebuild.ts;
 * docs/RUNBOOKS.md, "Catalog rebuild"), in this process; with `--runbook`, by the environment's
 * catalog-rebuild state machine of that region (started and followed as `lifeboat restore` does),
 * which prints its summary. Both write the newest backups first: a run cut short (the runbook out of rounds, a
 * failure) leaves the oldest missing, and the command without `--runbook` finishes it (catalog-rebuild-command-line.ts).
 *
 * `--region` names the catalog written (and the region whose runbook runs), `--vault` the vault read.
 * The region is never inferred from the vault: `--vault dr` alone keeps writing the primary catalog
 * (the primary vault lost, the primary region up), and a lost DR catalog is `--vault dr --region dr`,
 * which touches nothing of the primary region; the DR region has no primary vault, so `--region dr
 * --vault primary` is refused. Exit codes: 0 every
 * backup in the vault is in the catalog; 3 done, but something was left out (a backup skipped, a
 * snapshot unreadable, a catalog record whose snapshot the vault lacks), each named; 1 failed; 2 the
 * command line is wrong; 5 `--runbook --aws` only: the outcome is unknown (outcome-unknown.ts).
 */
export type CatalogRebuildOptions = TargetOptions & { vault: string; region?: string; json?: boolean; runbook?: boolean };
export type CatalogCommandDeps = { io: CliIo; clients?: AccessClients; stderr: { isTTY?: boolean; write(s: string): boolean }; runner?: WorkflowRunner };
const defaultDeps: CatalogCommandDeps = { io: processIo, stderr: process.stderr };

export const EXIT_LEFT_OUT = 3;

/** What to run when the primary catalog does not answer (environment-access.ts, AccessUse). */
const PRIMARY_CATALOG_UNANSWERED = 'rebuild the DR catalog from the DR vault instead: --vault dr --region dr, which reaches nothing of the primary region; the primary catalog is rebuilt when its region answers';

export async function catalogRebuildCommand(options: CatalogRebuildOptions, deps: Partial<CatalogCommandDeps> = {}): Promise<number> {
  const { io, clients } = { ...defaultDeps, ...deps };
  if (options.vault !== 'primary' && options.vault !== 'dr') {
    io.err(`lifeboat catalog rebuild: --vault must be primary or dr, got ${options.vault}`);
    return 2;
  }
  const region = options.region ?? 'primary';
  if (region !== 'primary' && region !== 'dr') {
    io.err(`lifeboat catalog rebuild: --region must be primary or dr, got ${region}`);
    return 2;
  }
  if (region === 'dr' && options.vault === 'primary') {
    io.err('lifeboat catalog rebuild: --region dr rebuilds the DR catalog from the DR vault only (it must work with the primary region down); use --vault dr, or --region primary to rebuild the primary catalog from the primary vault');
    return 2;
  }
  const side: VaultSide = options.vault;
  // Both ways the catalog's marker keeps these options, so both refuse alike (review r58C F3: the in-process rebuild wrote
  // into the marker a data directory --runbook refused).
  const unfit = markerOptionsUnfit(markerOptionsOf(side, options));
  if (unfit !== undefined) {
    io.err(`lifeboat catalog rebuild${options.runbook ? ' --runbook' : ''}: ${unfit}`);
    return 2;
  }
  if (options.runbook) return catalogRebuildRunbook(options, side, region, { io, stderr: deps.stderr ?? defaultDeps.stderr, runner: deps.runner });
  let written = 0;
  try {
    // `--vault dr` alone writes the primary catalog: with the primary region down only the DR one can be rebuilt. Either
    // way the catalog written is `region`'s, checked against the environment's format before it is (environment-access.ts).
    const access = await environmentAccess(options, clients, region === 'primary' ? { primaryCatalogUnanswered: PRIMARY_CATALOG_UNANSWERED, writes: ['primary'], warn: io.err } : { writes: ['dr'], warn: io.err });
    const vault = await access.openVault(side);
    let drHolds: ((snapshotId: string) => Promise<boolean>) | null = null;
    if (side === 'primary') {
      try {
        const dr = await access.openVault('dr');
        const presence = await snapshotPresence(dr.store);
        if (presence.problem !== undefined) io.err(`note: ${presence.problem}; rebuilt records leave their DR copy status out`);
        drHolds = presence.holds;
      } catch (err) {
        // A rebuild during a DR-region outage still restores the primary's records; only the DR copy status is unknown.
        io.err(`note: the DR vault cannot be opened (${err instanceof Error ? err.message : String(err)}); rebuilt records leave their DR copy status out`);
      }
    }
    const target = access.catalogIn(region);
    const catalog: RebuildCatalog = {
      getBackup: (id) => target.getBackup(id),
      listBackupsOfPlan: (plan) => target.listBackupsOfPlan(plan),
      indexCommittedBackup: (record) => target.indexCommittedBackup(record),
      putRebuiltBackup: async (record) => {
        const put = await target.putRebuiltBackup(record);
        if (put) written++;
        return put;
      },
      rebuildMarker: () => target.rebuildMarker(),
    };
    const finishWith = rebuildCommandLine({ vault: side, region }, options);
    const markerFinishWith = rebuildMarkerCommandLine({ vault: side, region }, access.environment.name, options);
    const report = await rebuildCatalog({ vault, side, catalog, environment: access.environment.name, plans: access.environment.plans.map((p) => p.name), drHolds, finishWith, markerFinishWith });
    if (options.json) io.out(JSON.stringify(report, null, 2));
    else printRebuildReport(report, io, options);
    const leftOut = report.backups.some((b) => b.outcome === 'skipped') || report.unreadableSnapshots.length > 0 || report.missingFromVault.length > 0;
    return leftOut ? EXIT_LEFT_OUT : 0;
  } catch (err) {
    io.err(`lifeboat catalog rebuild: ${err instanceof Error ? err.message : String(err)}`);
    // Cut after it wrote: what it wrote stays, newest first, and the same command creates only the rest.
    if (written > 0) io.err(`The ${written} record(s) created before this stay (the newest backups first, so the catalog lacks the oldest): run the command again to finish (it warns again of the legal holds they lack: each record says it was rebuilt).`);
    return isUsageError(err) ? 2 : 1;
  }
}

/** The errors of a function (Sandbox.Timedout) or an execution (States.Timeout) stopped by its time limit. */
const OUT_OF_TIME: ReadonlySet<string> = new Set(['Sandbox.Timedout', 'States.Timeout']);

/** The runbook's errors whose message ends with the function's finishing line (the rounds ran out, or a round was refused). */
const NAMES_FINISH_LINE: ReadonlySet<string> = new Set(['CatalogRebuildIncompleteError', 'CatalogRebuildTooManySnapshotsError']);

/** The CLI options markerOptions' fields come from, as a refusal names them. */
const MARKER_OPTION_FLAGS: Record<keyof MarkerOptions, string> = { dataDir: '--data-dir', vaultKey: '--vault-key' };

/** Through the state machine: its summary is the output; a failed execution is reported with the error's name and message. */
async function catalogRebuildRunbook(
  options: CatalogRebuildOptions,
  side: VaultSide,
  region: WorkflowRegion,
  deps: { io: CliIo; stderr: CatalogCommandDeps['stderr']; runner: WorkflowRunner | undefined },
): Promise<number> {
  const { io } = deps;
  const markerOptions = markerOptionsOf(side, options);
  const cliLine = rebuildCommandLine({ vault: side, region }, options);
  try {
    // With --stack there is no config file to load (target-environment.ts).
    const config = options.stack === undefined ? loadLifeboatConfig(options.config) : undefined;
    const runner = deps.runner ?? (options.aws || config === undefined ? awsWorkflowRunner({ environment: config !== undefined ? findEnvironment(config, options.env) : await targetEnvironment(options) }) : localWorkflowRunner({ config, envName: options.env, dataDir: options.dataDir }));
    const run = async (input: { vault: VaultSide; markerOptions?: MarkerOptions }): Promise<WorkflowOutcome> => {
      const progress = progressLine(deps.stderr, `catalog rebuild (${side} vault into the ${region} catalog)`);
      const outcome = await runner.run('catalog-rebuild', input, (p) => progress.update(p), { region });
      progress.done();
      return outcome;
    };
    const sent = Object.keys(markerOptions).length > 0;
    let outcome = await run({ vault: side, ...(sent ? { markerOptions } : {}) });
    // A stack deployed before the field refuses it, before reading or writing anything (review r58A F2): run without it.
    const lacking = sent && refusedMarkerOptions(outcome) ? withMarkerOptions('', markerOptions).trim() : undefined;
    if (lacking !== undefined) {
      const functionLine = functionCommandLine({ vault: side, region }, options.env, options);
      io.err(markerOptionsRefusedWarning({ executionId: outcome.executionId, alarmTopic: options.stack !== undefined ? "the protection's alarm topic" : `topic lifeboat-${options.env}-alarms` }, functionLine, lacking, cliLine));
      outcome = await run({ vault: side });
    }
    const summary = outcome.status === 'SUCCEEDED' ? (outcome.output as CatalogRebuildSummary) : undefined;
    if (options.json) {
      io.out(JSON.stringify({ executionId: outcome.executionId, status: outcome.status, ...(summary ? { summary } : { error: outcome.error, cause: causeMessage(outcome.cause) }) }, null, 2));
    } else if (summary) {
      printRebuildSummary(summary, io, { ...options, region });
      io.out(`Execution ${outcome.executionId}`);
    }
    if (!summary) {
      if (!options.json) io.err(`Catalog rebuild ${outcome.status}: ${outcome.error ?? 'unknown error'}: ${causeMessage(outcome.cause) ?? ''}${failureAdvice(outcome, { lacking, config: options.config }, cliLine)}\nExecution ${outcome.executionId}`);
      return 1;
    }
    return summary.leftOut ? EXIT_LEFT_OUT : 0;
  } catch (err) {
    io.err(`lifeboat catalog rebuild: ${err instanceof Error ? err.message : String(err)}`);
    // The CLI stopped following a runbook that goes on in AWS and may still rebuild the catalog, or the start may have
    // begun it: not "failed" (review r64D F1: it exited 1 with nothing on stdout under --json).
    const unknown = outcomeUnknownOf(err);
    if (unknown !== undefined) {
      if (options.json) io.out(outcomeUnknownJson(unknown));
      return EXIT_OUTCOME_UNKNOWN;
    }
    return isUsageError(err) ? 2 : 1;
  }
}

/**
 * What the CLI adds to a failed execution's error. The function or the execution ran out of time (a runbook from before
 * the rounds, or a round cut by Lambda itself): the catalog holds what the rounds wrote, and the command without
 * --runbook finishes it (CatalogRebuildIncompleteError says so itself). An execution run without markerOptions (a stack
 * from before them, `lacking` the options it left out): its errors name the function's line without them, so the CLI's
 * own follows (review r58A F4: the operator pasted a line without --data-dir or --vault-key); and so it does after a
 * run with another `config` than the default, which the function's line never carries (review r58C F5: pasted, it read
 * ./lifeboat.config.json, another config's environment or none).
 */
function failureAdvice(outcome: WorkflowOutcome, run: { lacking: string | undefined; config: string }, cliLine: string): string {
  if (outcome.error === undefined) return '';
  if (OUT_OF_TIME.has(outcome.error)) return `\n${partialCatalogAdvice(cliLine)}`;
  if (!NAMES_FINISH_LINE.has(outcome.error)) return '';
  if (run.lacking !== undefined) return `\nThe function's command above lacks ${run.lacking} (its stack predates markerOptions): finish it with ${cliLine}`;
  if (run.config !== DEFAULT_CONFIG_FILE) return `\nThe function's command above has no --config (this machine's is not the default): from here, finish it with ${cliLine}`;
  return '';
}

/** The execution failed because its function refused the `markerOptions` field, which a stack deployed before it does not know. */
function refusedMarkerOptions(outcome: WorkflowOutcome): boolean {
  return outcome.status === 'FAILED' && outcome.error === 'InvalidInputError' && /Unrecognized keys?: [^\n]*"markerOptions"/.test(causeMessage(outcome.cause) ?? '');
}

/**
 * What the fall-back run means: the refused execution's alert is expected (review r58C F4: it paged the on-call with no
 * word that it was this); the function's own line, without `lacking`, in its marker and errors; and what to do.
 */
function markerOptionsRefusedWarning(refused: { executionId: string; alarmTopic: string }, functionLine: string, lacking: string, cliLine: string): string {
  const { executionId } = refused;
  return (
    `warning: the catalog-rebuild function refused "markerOptions" (execution ${executionId}: its stack was deployed before the field; nothing was read or written), so the rebuild runs again without it. ` +
    `The alert that execution ${executionId} ended FAILED (${refused.alarmTopic}, which pages the on-call) is this refusal: expected, nothing to look into. ` +
    `Until it finishes, the catalog's marker, which a refused restore by point in time, failover or drill prints, and this run's errors name the function's own line, ${functionLine}, without ${lacking}: ` +
    `finish it from this machine with ${cliLine}. Deploy the stacks again (cdk deploy) so the runbook takes the field.`
  );
}

/**
 * Why a rebuild cannot keep `options` in its marker, naming the option given, or undefined: checked before anything
 * starts, as the function would check them (review r58A F5: a data directory too long or with a control character failed
 * the execution on a field the operator never typed), by --runbook and in this process alike (review r58C F3: the
 * in-process rebuild wrote into the marker unchecked what --runbook refused, and told to rebuild in this process). The
 * marker's line is printed to every operator of the catalog.
 */
function markerOptionsUnfit(options: MarkerOptions): string | undefined {
  const parsed = markerOptionsSchema.safeParse(options);
  if (parsed.success) return undefined;
  const flags = [...new Set(parsed.error.issues.map((issue) => issue.path[0] as keyof MarkerOptions))];
  const problems = parsed.error.issues.map((issue) => `${MARKER_OPTION_FLAGS[issue.path[0] as keyof MarkerOptions]} ${issue.message}`);
  return `${problems.join('; ')}: a rebuild keeps it in the catalog's marker, whose command every operator of the catalog is shown; ${flags.map((flag) => MARKER_OPTION_FIX[flag]).join('; ')}`;
}

/** What to do about each option refused. */
const MARKER_OPTION_FIX: Record<keyof MarkerOptions, string> = {
  dataDir: `give the data directory by a path of at most ${MARKER_DATA_DIR_MAX} characters without control, format or line-separator characters (a symbolic link to it)`,
  vaultKey: 'fix --vault-key (the key as KMS names it)',
};

/** The options of the rebuild's own command line, which the commands it prints carry, --vault-key included (target-options-line.ts). */
type PrintedTarget = Parameters<typeof vaultTargetOptionsLine>[0];

/**
 * A `lifeboat catalog rebuild` to paste, in this process, with the rebuild's own target options: the runbook's line
 * (catalogRebuildCommandLine) has only the environment and --aws, and pasted without --config or --data-dir it rebuilt
 * another environment's catalog or another local cloud's (review r57N F2).
 */
function rebuildCommandLine(rebuild: { vault: VaultSide; region: VaultSide }, target: PrintedTarget): string {
  return `${catalogRebuildCommandWords(rebuild)}${vaultTargetOptionsLine(target)}`;
}

/**
 * The finishing line the catalog's marker keeps, which a refused restore by point in time prints to every operator of
 * the catalog: the function's form (catalogRebuildCommandLine), without this machine's --config path (review r57Q F3),
 * with the run's marker options (markerOptionsOf), as the runbook's function makes it from the same options. Options the
 * function would refuse are refused here too (UsageError; review r58C F3), never written into the marker.
 */
export function rebuildMarkerCommandLine(rebuild: { vault: VaultSide; region: VaultSide }, environment: string, target: PrintedTarget): string {
  const options = markerOptionsOf(rebuild.vault, target);
  const unfit = markerOptionsUnfit(options);
  if (unfit !== undefined) throw new UsageError(unfit);
  return withMarkerOptions(functionCommandLine(rebuild, environment, target), options);
}

/**
 * The function's form of the rebuild's line for this command's target: with --stack, the stack (review r60K F4: it
 * printed `--env <name>`, an environment of a config file a --stack user has not got); else the environment and --aws.
 */
function functionCommandLine(rebuild: { vault: VaultSide; region: VaultSide }, environment: string, target: PrintedTarget): string {
  if (target.stack !== undefined) return `${catalogRebuildCommandWords(rebuild)}${targetOptionsLine(target)}`;
  return catalogRebuildCommandLine({ ...rebuild, environment, aws: target.aws === true });
}

/**
 * What holds for every reader of the marker besides the function's line. On the local cloud its --data-dir when one was
 * given, absolute (review r58A F5: a relative one named another directory from another working directory): the marker is read only from
 * that data directory, and without it the line rebuilt the default one's catalog (review r57T C2-1). In AWS the run's
 * --vault-key: a KMS key is the account's, and without it the line opened the primary vault with the alias and failed at
 * KMS (C2-2); never for --vault dr, whose rebuild opens the DR vault with its own key only (environment-access.ts, openVault).
 */
function markerOptionsOf(side: VaultSide, target: Pick<PrintedTarget, 'aws' | 'vaultKey' | 'dataDir'>): MarkerOptions {
  if (target.aws) return side === 'primary' && target.vaultKey ? { vaultKey: target.vaultKey } : {};
  // Any --data-dir given, not only one that differs from ./.lifeboat here: that one too is another from another
  // directory (review r58C F2: an absolute <cwd>/.lifeboat was taken for the default and left out). The printed lines' rule.
  const dataDir = givenPath(target.dataDir, DEFAULT_DATA_DIR);
  return dataDir !== undefined ? { dataDir } : {};
}

/** What both printers show: counts by outcome, the listed backups, and what needs attention. */
type RebuildView = Pick<CatalogRebuildReport, 'vault' | 'snapshots' | 'untaggedSnapshots' | 'drCopies' | 'unreadableSnapshots' | 'missingFromVault' | 'warnings'> & {
  outcomes: Record<RebuildOutcome, number>;
  listed: RebuiltBackup[];
  notListed: number;
};

/** The report for a reader: counts, one row per backup with its notes, then what needs attention on stderr. */
export function printRebuildReport(report: CatalogRebuildReport, io: CliIo, target: PrintedTarget): void {
  printRebuild({ ...report, outcomes: summarizeRebuild(report).outcomes, listed: report.backups, notListed: 0 }, io, target);
}

/** The runbook's summary for a reader: as the report, with only the backups that have a note listed. `region`: the catalog the runbook wrote. */
export function printRebuildSummary(summary: CatalogRebuildSummary, io: CliIo, target: PrintedTarget & { region: VaultSide }): void {
  printRebuild({ ...summary, listed: summary.attention }, io, target);
  if (summary.notListed > 0) {
    const all = `${rebuildCommandLine({ vault: summary.vault, region: target.region }, target)} --json`;
    io.out(`${summary.notListed} more entries are not listed (the runbook's output is kept small): run \`${all}\` (without --runbook) to see them all.`);
  }
  if (summary.drProblem !== undefined) io.err(`note: ${summary.drProblem}`);
}

function printRebuild(view: RebuildView, io: CliIo, target: PrintedTarget): void {
  const { outcomes } = view;
  const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
  io.out(
    `Catalog rebuilt from the ${view.vault} vault: ${view.snapshots} snapshots, ${total} backups — ` +
      `${outcomes.created} created, ${outcomes.updated} updated, ${outcomes.unchanged} unchanged, ${outcomes.kept} kept, ${outcomes.skipped} skipped.`,
  );
  if (view.listed.length > 0) {
    const table = new Table({ head: ['BACKUP', 'PLAN', 'RESULT', 'NOTES'], style: { head: [], border: [] }, wordWrap: true, colWidths: [null, null, null, 70] });
    for (const b of view.listed) {
      const notes = [b.note, ...(b.derived ?? []).map((d) => `derived: ${d}`), ...(b.unrecovered ?? []).map((u) => `not recovered: ${u}`)].filter(Boolean).join('\n');
      table.push([b.backupId, b.plan ?? '?', b.outcome, notes]);
    }
    io.out(table.toString());
  }
  io.out(drCopiesLine(view.drCopies, outcomes));
  if (view.untaggedSnapshots > 0) io.out(`${view.untaggedSnapshots} snapshot(s) without a backupId tag (not written by the backup workflow) were ignored.`);
  for (const w of view.warnings ?? []) io.err(`warning: ${w}`);
  for (const u of view.unreadableSnapshots) io.err(describeUnreadableSnapshot(u));
  for (const m of view.missingFromVault) {
    io.err(
      `backup ${m.backupId} (plan ${m.plan}) is in the catalog but the ${view.vault} vault lacks its snapshot of ${m.sources.map((s) => `${s.source} (${s.snapshotId.slice(0, 12)})`).join(', ')}; ` +
        `the record is left as it is: check it with \`lifeboat verify --backup ${m.backupId}${view.vault === 'dr' ? '' : ' --from dr'}${vaultTargetOptionsLine(target)}\` and restore from the other vault.`,
    );
  }
}

/**
 * The DR copy status of the records this rebuild created. Records it did not create keep theirs (a
 * rebuild changes no existing record): with none created the line says so, not a status, which would
 * read as the status of every backup.
 */
function drCopiesLine(mode: RebuildView['drCopies'], outcomes: Record<RebuildOutcome, number>): string {
  const existing = outcomes.unchanged + outcomes.kept;
  if (outcomes.created === 0) return `DR copies: no record was created${existing > 0 ? `; the ${existing} existing record(s) kept their DR copy status` : ''}.`;
  const created = `the ${outcomes.created} backup(s) created here`;
  const status = {
    'this-vault-is-dr': 'DR copies: COMMITTED (rebuilt from the DR vault).',
    'checked-in-dr-vault': `DR copies: PENDING for ${created} (each plan's next Replicate step checks what the DR vault holds and records them).`,
    unknown: `DR copies: unknown for ${created} (the DR vault was not reached); the next backup's replication records them.`,
  }[mode];
  return `${status}${existing > 0 ? ` The ${existing} existing record(s) kept their DR copy status.` : ''}`;
}

export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('the backup catalog table');
  withTargetOptions(catalog.command('rebuild').description('rebuild the catalog records of every committed backup from a vault\'s snapshots (idempotent; never downgrades a record)'))
    .requiredOption('--vault <vault>', 'the vault to rebuild from: primary or dr')
    .option(
      '--region <region>',
      'the catalog rebuilt, and with --runbook the region whose runbook runs: primary (default; from either vault) or dr (the DR catalog, from --vault dr only; nothing of the primary region is reached). Never inferred from --vault',
      'primary',
    )
    .option('--vault-key <key>', 'with --aws: the primary vault KMS key (ARN, id or alias); default: alias/lifeboat-<env>-vault')
    .option('--runbook', 'run the catalog-rebuild state machine (lifeboat-<env>-catalog-rebuild) of --region instead of rebuilding in this process; prints its summary')
    .action(async (opts: CatalogRebuildOptions) => {
      process.exitCode = await catalogRebuildCommand(opts);
    });
}
