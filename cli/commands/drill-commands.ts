import { type Command } from 'commander';
import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { findEnvironment, loadLifeboatConfig } from '../../config/load-config';
import { targetEnvironment } from '../target-environment';
import { type DrillRecord } from '../../lambdas/catalog/drill-record';
import { DRILL_ID_EXAMPLE, isDrillId } from '../../lambdas/catalog/drill-id';
import { CatalogItemInvalidError } from '../../lambdas/catalog/catalog-errors';
import { shownCatalogName } from '../../lambdas/catalog/shown-catalog-name';
import { InvalidInputError } from '../../lambdas/runtime/errors';
import { unseenJsonEscaped, unseenOnlyEscaped } from '../../lambdas/runtime/quoted-service-words';
import { cut } from '../../lambdas/runtime/cut-text';
import { type CliIo, processIo } from '../cli-io';
import { type DrillAccess, type DrillAccessClients, drillAccess, type DrillSide } from '../drills/drill-access';
import { collectDrillEvidence, evidenceComplete, evidenceMarkdown, evidenceProblems } from '../drills/drill-evidence';
import { drillListLines, drillReportLines, namesDeletes } from '../drills/drill-report-text';
import { DRILL_EXIT, drillRunInput, drillRunRegion, type DrillRunResult, exitCodeOfRun, interpretDrillOutcome } from '../drills/drill-run-outcome';
import { sinceDate } from '../duration-option';
import { type TargetOptions, withTargetOptions } from '../environment-access';
import { progressLine } from '../progress-line';
import { executionLine } from '../execution-history-line';
import { doctorCommandLine, targetOptionsLine } from '../target-options-line';
import { stoppedLocalCloudLine } from './stopped-local-cloud-line';
import { unreadableRecordsCommands } from './unreadable-records-commands';
import { catalogRebuildTargetLine } from '../catalog-rebuild-target-line';
import { awsWorkflowRunner, localWorkflowRunner, type WorkflowRegion, type WorkflowRunner } from '../workflow-runner';
import { parseWorkerCount } from '../worker-count-option';
import { unconfiguredNameWarning } from '../unconfigured-names';
import { isUsageError } from '../usage-error';
import { EXIT_OUTCOME_UNKNOWN, outcomeUnknownJson, outcomeUnknownOf } from '../outcome-unknown';

/**
 * `lifeboat drill run` starts the drill workflow `<prefix>-drill` in the region of the vault it drills
 * and prints its report; `lifeboat drills list|show|evidence` read the drills recorded in both
 * regions' catalogs (docs/ARCHITECTURE.md, "Planned: the DR region stands alone"). Local cloud by
 * default, AWS with --aws.
 *
 * Exit codes. `drill run`: 0 PASSED, 1 FAILED (or the execution failed before recording a report),
 * 2 the command line is wrong, 4 OBJECTIVE_MISSED, 5 the CLI stopped following the drill in AWS, or its start may or
 * may not have begun it (its outcome is unknown: cli/outcome-unknown.ts). `drills list|show`: 0, 1 a catalog could not be
 * read (list: what could be read is still printed) or no such drill, 2 usage. `drills evidence`: 0
 * every report object matches its recorded SHA-256 and its catalog item, 1 one is mismatched, differs
 * from its item, is missing or unreadable, or has no catalog item, or a catalog or vault could not be
 * read, 2 usage.
 */
// No vaultKey: `drill run` takes no --vault-key (its parser refuses it); the drill's deployment opens the primary vault by
// the default alias, and so does the rebuild line it prints (review r62R F1).
export type DrillRunCommandOptions = Omit<TargetOptions, 'vaultKey'> & { plan: string; backup?: string; vault?: string; json?: boolean; workers?: number };
export type DrillsListOptions = TargetOptions & { plan?: string; since?: string; vault?: string; json?: boolean };
export type DrillsShowOptions = TargetOptions & { vault?: string; json?: boolean };
export type DrillsEvidenceOptions = TargetOptions & { since?: string; plan?: string; format?: string; vault?: string; json?: boolean };

export type DrillCommandDeps = {
  io: CliIo;
  stderr: { isTTY?: boolean; write(s: string): boolean };
  runner?: WorkflowRunner;
  access?: DrillAccess;
  clients?: DrillAccessClients;
  now?: () => Date;
};
const defaultDeps: DrillCommandDeps = { io: processIo, stderr: process.stderr };

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Characters (code points) of a catalog's or an execution's error a line quotes: the cause, not a page of it. */
const SHOWN_ERROR = 200;

/**
 * Characters of the run's own outcome error: a refusal (ForgottenBackupError, InvalidInputError) is bounded by its writer
 * and ends with what to do, which the 200 cut lost (review r63X F3); it reaches the CLI as the execution's cause, a
 * string, so its class cannot be told here, and only a run-away text is cut, with where the whole of it is.
 */
const SHOWN_OUTCOME_ERROR = 1_000;

function shownOutcomeError(text: string): string {
  const shown = cut(text, SHOWN_OUTCOME_ERROR, unseenOnlyEscaped);
  return [...text].length > SHOWN_OUTCOME_ERROR ? `${shown} (--json has all of it)` : shown;
}

/**
 * An error's text from a catalog read (the execution's: shownOutcomeError): it may quote a source object's key or a service's
 * answer, so its newlines, ESC, C1 controls and bidi overrides are shown as \uXXXX, and a long one is cut (review r63R
 * F7). A damaged record's CatalogItemInvalidError is whole: it escaped and bounded its item's text itself, and its
 * end says what to do with the item, which a cut would lose.
 */
function shownError(err: unknown): string {
  const text = message(err);
  return err instanceof CatalogItemInvalidError ? unseenOnlyEscaped(text) : cut(text, SHOWN_ERROR, unseenOnlyEscaped);
}

function sidesOf(vault: string | undefined): DrillSide[] {
  if (vault === undefined || vault === 'both') return ['primary', 'dr'];
  if (vault === 'primary' || vault === 'dr') return [vault];
  throw new InvalidInputError(`--vault must be primary, dr or both, got ${vault}`);
}

async function accessOf(options: TargetOptions, deps: Partial<DrillCommandDeps>): Promise<DrillAccess> {
  return deps.access ?? drillAccess(options, deps.clients);
}

/** The execution's name (what a drill record's `execution` holds): the local executor's id, or the last field of an AWS execution ARN. */
function executionNameOf(executionId: string): string {
  return executionId.startsWith('arn:') ? executionId.slice(executionId.lastIndexOf(':') + 1) : executionId;
}

/**
 * The report of a drill that failed at its Choice: the record of this run's execution, by a drill id
 * named in the cause, else among the drills of the plan that started since the command did (a few
 * minutes' slack for the clocks of AWS and this machine). Never another execution's: a concurrent
 * drill of the same plan has its own verdict.
 */
async function readBackRecord(log: ReturnType<DrillAccess['drillLog']>, plan: string, execution: string, candidates: readonly string[], startedAt: Date): Promise<DrillRecord | undefined> {
  const ours = (record: DrillRecord | undefined): record is DrillRecord => record?.plan === plan && record.execution === execution;
  for (const id of candidates) {
    const record = await log.get(id);
    if (ours(record)) return record;
  }
  const recent = await log.list({ since: new Date(startedAt.getTime() - 5 * 60_000), plan });
  return recent.filter(ours).at(-1);
}

export async function drillRunCommand(options: DrillRunCommandOptions, deps: Partial<DrillCommandDeps> = {}): Promise<number> {
  const { io, stderr, now } = { ...defaultDeps, now: () => new Date(), ...deps };
  let input: ReturnType<typeof drillRunInput>;
  let region: WorkflowRegion;
  // With --stack there is no config file to load (target-environment.ts).
  let config: ReturnType<typeof loadLifeboatConfig> | undefined;
  let environment: EnvironmentConfig;
  try {
    config = options.stack === undefined ? loadLifeboatConfig(options.config) : undefined;
    environment = config !== undefined ? findEnvironment(config, options.env) : await targetEnvironment(options);
    const { plans } = environment;
    input = drillRunInput(options, plans);
    region = drillRunRegion(options, plans);
  } catch (err) {
    io.err(`lifeboat drill run: ${message(err)}`);
    return isUsageError(err) ? DRILL_EXIT.USAGE : DRILL_EXIT.FAILED;
  }
  try {
    const runner =
      deps.runner ??
      (options.aws || config === undefined
        ? awsWorkflowRunner({ environment })
        : localWorkflowRunner({ config, envName: options.env, dataDir: options.dataDir, ...(options.workers !== undefined ? { workers: options.workers } : {}) }));
    const startedAt = now();
    const progress = progressLine(stderr, `drill ${options.plan} (${region} vault)`);
    const outcome = await runner.run('drill', input, (p) => progress.update(p), { region });
    progress.done();
    const result: DrillRunResult = interpretDrillOutcome(outcome);
    let record = result.kind === 'report' ? result.record : undefined;
    let readBackProblem: string | undefined;
    // The problem as the text line shows it: --json quotes readBackProblem whole, JSON-escaped.
    let readBackShown: string | undefined;
    if (result.kind === 'recorded') {
      try {
        const access = await accessOf(options, deps);
        const execution = executionNameOf(outcome.executionId);
        record = await readBackRecord(access.drillLog(region), options.plan, execution, result.drillIdCandidates, startedAt);
        if (!record) {
          readBackProblem = `no drill of plan ${options.plan} by execution ${execution} is recorded in the ${region} catalog since ${startedAt.toISOString()}`;
          readBackShown = unseenOnlyEscaped(readBackProblem);
        }
      } catch (err) {
        readBackProblem = message(err);
        readBackShown = shownError(err);
      }
    }
    if (options.json) {
      io.out(
        unseenJsonEscaped(
          JSON.stringify(
            {
              executionId: outcome.executionId,
              status: outcome.status,
              verdict: record?.verdict ?? (result.kind === 'recorded' ? result.verdict : undefined),
              ...(record ? { report: record } : {}),
              ...(result.kind !== 'report' ? { error: result.message } : {}),
              ...(readBackProblem !== undefined ? { readBackProblem } : {}),
            },
            null,
            2,
          ),
        ),
      );
    } else {
      // No hint in the report: the run knows whether the cloud it ran in stopped, and says so once, below (review r62U F5).
      if (record) for (const line of drillReportLines(record)) io.out(line);
      if (result.kind !== 'report') io.err(`Drill ${result.kind === 'recorded' ? result.verdict : outcome.status}: ${shownOutcomeError(result.message)}`);
      // Failed by records it cannot read: the recorded error names their deletes against the cloud it ran in (the local
      // one's endpoint included, review r62H F1); its rebuild and the doctor need this run's target options (review r62H F5).
      const target = targetOptionsLine(options);
      if (target !== '' && record?.errors.some((e) => e.error === 'UnreadableNewerBackupError') === true) {
        // options has no vaultKey (DrillRunCommandOptions): the primary vault's rebuild opens the default alias, as the drill did.
        const rebuild = `\`${catalogRebuildTargetLine({ vault: region, region }, options)}\``;
        io.err(`With this run's target options: ${unreadableRecordsCommands(doctorCommandLine(options), rebuild)}.`);
      }
      if (record !== undefined && namesDeletes(record) && outcome.localCloudStopped === true) io.err(stoppedLocalCloudLine(options));
      if (readBackShown !== undefined) io.err(`The drill recorded a report that could not be read back (${readBackShown}): see lifeboat drills list --plan ${options.plan} --vault ${region}`);
      io.out(executionLine(outcome, options.dataDir));
    }
    return exitCodeOfRun(result);
  } catch (err) {
    io.err(`lifeboat drill run: ${message(err)}`);
    // The CLI stopped following a drill that goes on in AWS and may still pass, or the start may have begun it: not
    // FAILED (review r63Q F6, f64H).
    const unknown = outcomeUnknownOf(err);
    if (unknown !== undefined) {
      if (options.json) io.out(outcomeUnknownJson(unknown));
      return EXIT_OUTCOME_UNKNOWN;
    }
    return isUsageError(err) ? DRILL_EXIT.USAGE : DRILL_EXIT.FAILED;
  }
}

export async function drillsListCommand(options: DrillsListOptions, deps: Partial<DrillCommandDeps> = {}): Promise<number> {
  const { io, now } = { ...defaultDeps, now: () => new Date(), ...deps };
  let sides: DrillSide[];
  let since: Date | undefined;
  try {
    sides = sidesOf(options.vault);
    since = options.since !== undefined ? sinceDate(options.since, now()) : undefined;
  } catch (err) {
    io.err(`lifeboat drills list: ${message(err)}`);
    return 2;
  }
  try {
    const access = await accessOf(options, deps);
    const unconfigured = unconfiguredNameWarning(access.environment, options);
    if (unconfigured !== undefined) io.err(unconfigured);
    const records: DrillRecord[] = [];
    let unread = 0;
    for (const side of sides) {
      try {
        records.push(...(await access.drillLog(side).list({ ...(since ? { since } : {}), ...(options.plan !== undefined ? { plan: options.plan } : {}) })));
      } catch (err) {
        unread++;
        io.err(`The ${side} catalog (${access.regionOf(side)}) could not be read, its drills are not listed: ${shownError(err)}`);
      }
    }
    records.sort((a, b) => b.drillId.localeCompare(a.drillId));
    // A record's text (a message, a plan) may hold a C1 control, U+2028 or a bidi override, which JSON.stringify leaves raw (review f63T).
    if (options.json) io.out(unseenJsonEscaped(JSON.stringify(records, null, 2)));
    else if (records.length === 0) io.out('No drills.');
    else for (const line of drillListLines(records)) io.out(line);
    return unread > 0 ? 1 : 0;
  } catch (err) {
    io.err(`lifeboat drills list: ${message(err)}`);
    return isUsageError(err) ? 2 : 1;
  }
}

export async function drillsShowCommand(drillId: string, options: DrillsShowOptions, deps: Partial<DrillCommandDeps> = {}): Promise<number> {
  const { io } = { ...defaultDeps, ...deps };
  let sides: DrillSide[];
  try {
    sides = sidesOf(options.vault);
    // The id is the user's text: echoed raw, a newline or ESC in it forged a line or drove the terminal (review r62M F2).
    if (!isDrillId(drillId)) throw new InvalidInputError(`drill id ${shownCatalogName(drillId)}: must look like ${DRILL_ID_EXAMPLE} (see lifeboat drills list)`);
  } catch (err) {
    io.err(`lifeboat drills show: ${message(err)}`);
    return 2;
  }
  try {
    const access = await accessOf(options, deps);
    const unread: string[] = [];
    for (const side of sides) {
      let record: DrillRecord | undefined;
      try {
        record = await access.drillLog(side).get(drillId);
      } catch (err) {
        unread.push(`the ${side} catalog (${access.regionOf(side)}) could not be read: ${shownError(err)}`);
        continue;
      }
      if (!record) continue;
      if (options.json) io.out(unseenJsonEscaped(JSON.stringify(record, null, 2)));
      // Read from the local cloud (no --aws; --stack is AWS only): the drill ran there (review r62U F5), in its region,
      // whose endpoint now is the one its deletes go to (review r63D F3).
      else {
        const local = options.aws !== true && access.localDynamoDbOf !== undefined;
        for (const line of drillReportLines(record, local ? { region: record.region, dynamoDb: access.localDynamoDbOf?.(record.region) } : undefined)) io.out(line);
      }
      return 0;
    }
    io.err(`lifeboat drills show: no drill ${drillId} in the ${sides.join(' or ')} catalog${unread.length ? `; ${unread.join('; ')}` : ''}`);
    return 1;
  } catch (err) {
    io.err(`lifeboat drills show: ${message(err)}`);
    return isUsageError(err) ? 2 : 1;
  }
}

export async function drillsEvidenceCommand(options: DrillsEvidenceOptions, deps: Partial<DrillCommandDeps> = {}): Promise<number> {
  const { io, now } = { ...defaultDeps, now: () => new Date(), ...deps };
  let sides: DrillSide[];
  let since: Date;
  const until = now();
  const format = options.json ? 'json' : (options.format ?? 'md');
  try {
    sides = sidesOf(options.vault);
    since = sinceDate(options.since ?? '90d', until);
    if (format !== 'md' && format !== 'json') throw new InvalidInputError(`--format must be md or json, got ${format}`);
  } catch (err) {
    io.err(`lifeboat drills evidence: ${message(err)}`);
    return 2;
  }
  try {
    const access = await accessOf(options, deps);
    const unconfigured = unconfiguredNameWarning(access.environment, options);
    if (unconfigured !== undefined) io.err(unconfigured);
    const evidence = await collectDrillEvidence(access, { since, until, sides, ...(options.plan !== undefined ? { plan: options.plan } : {}) });
    if (format === 'json') io.out(unseenJsonEscaped(JSON.stringify(evidence, null, 2)));
    else io.out(evidenceMarkdown(evidence).trimEnd());
    // The document goes to stdout (to a file, usually): the failures are said again where a person sees them.
    for (const line of evidenceProblems(evidence)) io.err(line);
    return evidenceComplete(evidence) ? 0 : 1;
  } catch (err) {
    io.err(`lifeboat drills evidence: ${message(err)}`);
    return isUsageError(err) ? 2 : 1;
  }
}

export function registerDrillCommand(program: Command): void {
  const drill = program.command('drill').description('restore-and-verify drills (docs/RUNBOOKS.md, "Drill")');
  withTargetOptions(drill.command('run').description('run the drill workflow for a plan now: restore a backup into scratch targets, verify, compare with live sources, measure RTO/RPO; exit 0 PASSED, 1 FAILED, 2 bad usage, 4 OBJECTIVE_MISSED, 5 --aws: the CLI stopped following the drill or does not know whether its start began it, its outcome unknown'))
    .requiredOption('--plan <name>', 'protection plan')
    .option('--backup <id>', 'drill this backup (default: the plan\'s drill selection)')
    .option('--vault <vault>', 'dr or primary: the vault drilled, and so the region the drill runs in (default: the plan\'s drill.vault, else dr)')
    .option('--workers <n>', 'local Lambda worker threads (1 to 64)', parseWorkerCount)
    .action(async (opts: DrillRunCommandOptions) => {
      process.exitCode = await drillRunCommand(opts);
    });
}

export function registerDrillsCommands(program: Command): void {
  const drills = program.command('drills').description('the drills recorded in the primary and DR catalogs');
  withTargetOptions(drills.command('list').description('drills, newest first: plan, vault, backup, verdict, RTO and RPO against their objectives'))
    .option('--plan <name>', 'only this plan\'s drills')
    .option('--since <duration>', 'only drills started in this period, as 30d, 12h, 2w, 6mo, 1y')
    .option('--vault <vault>', 'primary, dr or both: whose catalog to read', 'both')
    .action(async (opts: DrillsListOptions) => {
      process.exitCode = await drillsListCommand(opts);
    });
  withTargetOptions(drills.command('show').description('one drill\'s report: backup, per-source results, RTO and RPO against objectives, verdict, errors, cleanup').argument('<drill-id>'))
    .option('--vault <vault>', 'primary, dr or both: whose catalog to read', 'both')
    .action(async (drillId: string, opts: DrillsShowOptions) => {
      process.exitCode = await drillsShowCommand(drillId, opts);
    });
  withTargetOptions(drills.command('evidence').description('audit evidence: every drill of the period from both catalogs and vaults, verdicts and figures from each report object, checked against its recorded SHA-256 and its catalog item; objects without a catalog item named'))
    .option('--since <duration>', 'the period, as 90d, 12h, 2w, 6mo, 1y', '90d')
    .option('--plan <name>', 'only this plan\'s drills')
    .option('--format <format>', 'md or json (--json is the same as --format json)', 'md')
    .option('--vault <vault>', 'primary, dr or both: whose catalog to read', 'both')
    .action(async (opts: DrillsEvidenceOptions) => {
      process.exitCode = await drillsEvidenceCommand(opts);
    });
}
