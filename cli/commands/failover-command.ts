import { localRequester, REQUESTED_BY_OPTION } from '../requester';
import Table from 'cli-table3';
import { type Command } from 'commander';
import { loadLifeboatConfig } from '../../config/load-config';
import { targetEnvironment } from '../target-environment';
import { FAILOVER_INCOMPLETE_ERROR, finishCommand, reportOfIncompleteCause } from '../../lambdas/failover/failover-incomplete';
import { type FailoverReport } from '../../lambdas/failover/failover-report';
import { type CliIo, processIo } from '../cli-io';
import { type TargetOptions, withTargetOptions } from '../environment-access';
import { humanBytes } from '../human-bytes';
import { progressLine } from '../progress-line';
import { awsWorkflowRunner, causeMessage, localWorkflowRunner, type WorkflowOutcome, type WorkflowRunner } from '../workflow-runner';
import { isUsageError, UsageError } from '../usage-error';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './restore-commands';
import { EXIT_OUTCOME_UNKNOWN, outcomeUnknownJson, outcomeUnknownOf } from '../outcome-unknown';
import { parseWorkerCount } from '../worker-count-option';
import { doctorCommandLine, targetOptionsLine } from '../target-options-line';
import { stoppedLocalCloudLine } from './stopped-local-cloud-line';
import { unreadableRecordsCommands } from './unreadable-records-commands';
import { catalogRebuildTargetLine } from '../catalog-rebuild-target-line';
import { shownItemKeyPart } from '../../lambdas/catalog/shown-item-key';
import { comparedInstant } from '../../lambdas/catalog/compared-instant';
import { executionLine } from '../execution-history-line';
import { notRestoredLines } from '../not-restored-lines';
import { backupLeftOutLines } from '../backup-left-out-lines';
import { leftOutCount } from '../../lambdas/drill/drill-shortfall';
import { awsFailoverReportReader, type FailoverReportReader, localFailoverReportReader, whereTheFullReportIs } from '../failover-report-from-history';

/**
 * `lifeboat failover` starts the failover runbook `lifeboat-<env>-failover` of the DR region (the
 * same input JSON as its console, docs/RUNBOOKS.md, "Failover") and waits for its report: every
 * source of the plan restored from the DR vault into new targets, with the RTO and RPO against the
 * plan's objectives. Local cloud by default, AWS with --aws (Step Functions of the DR region only:
 * the primary region may be down). Exit codes: 0 every source restored, 1 the run failed (a partial
 * failover too: its table says which sources are live and where, which failed and why, and the command
 * that finishes it), 2 the command line is wrong, 5 the CLI stopped following the run in AWS, or its start may or may
 * not have begun it (its outcome is unknown: cli/outcome-unknown.ts). An objective missed is reported, not an exit code:
 * the data is there.
 */
export type FailoverCommandOptions = TargetOptions & {
  plan: string;
  backup?: string;
  at?: string;
  targetSuffix?: string;
  overwrite?: boolean;
  /** Only these sources of the plan (`sources`: the failed ones of a partial failover). */
  sources?: string[];
  /** Who asks (the approval record's `requestedBy`); the command line defaults it to user@host. */
  requestedBy?: string;
  json?: boolean;
  workers?: number;
  /** `--use-mirrors`: `"useMirrors": true` given, which a mirror keeping deleted objects (deleteMarkers false) needs to be used. */
  useMirrors?: boolean;
  /** `--no-mirrors` sets it false (commander's negated option; true, or absent, otherwise): `"useMirrors": false`. */
  mirrors?: boolean;
};

export type FailoverCommandDeps = {
  io: CliIo;
  stderr: { isTTY?: boolean; write(s: string): boolean };
  runner?: WorkflowRunner;
  /** Reads a partial failover's report from its history when the cause was cut to fit (failover-report-from-history.ts). @default the local history, or GetExecutionHistory with --aws */
  reportReader?: FailoverReportReader;
};
const defaultDeps: FailoverCommandDeps = { io: processIo, stderr: process.stderr };

/** The runbook input a command line stands for; the runbook validates every field itself. */
export function failoverInput(
  options: Pick<FailoverCommandOptions, 'plan' | 'backup' | 'at' | 'targetSuffix' | 'overwrite' | 'sources' | 'requestedBy' | 'useMirrors' | 'mirrors'>,
): Record<string, unknown> {
  if (options.backup !== undefined && options.at !== undefined) throw new UsageError('give at most one of --backup <id> and --at <time> (neither: the newest backup in the DR vault)');
  if (options.useMirrors === true && options.mirrors === false) {
    throw new UsageError('give at most one of --use-mirrors and --no-mirrors (neither: the mirrors that are fresh enough, but not those keeping deleted objects)');
  }
  // --use-mirrors with --backup or --at is sent as given: the runbook refuses it naming useMirrors, and says which to drop.
  const useMirrors = options.useMirrors === true ? true : options.mirrors === false ? false : undefined;
  return {
    plan: options.plan,
    ...(options.backup !== undefined ? { backupId: options.backup } : {}),
    ...(options.at !== undefined ? { at: options.at } : {}),
    ...(options.targetSuffix !== undefined ? { targetSuffix: options.targetSuffix } : {}),
    ...(options.overwrite ? { overwrite: true } : {}),
    ...(options.sources !== undefined ? { sources: options.sources } : {}),
    ...(options.requestedBy !== undefined ? { requestedBy: options.requestedBy } : {}),
    ...(useMirrors !== undefined ? { useMirrors } : {}),
  };
}

async function runnerFor(options: TargetOptions & { workers?: number }): Promise<WorkflowRunner> {
  // With --stack there is no config file to load (target-environment.ts).
  if (options.aws || options.stack !== undefined) return awsWorkflowRunner({ environment: await targetEnvironment(options) });
  return localWorkflowRunner({ config: loadLifeboatConfig(options.config), envName: options.env, dataDir: options.dataDir, targetOptions: targetOptionsLine(options), ...(options.workers !== undefined ? { workers: options.workers } : {}) });
}

/** Seconds as `1 h 02 min 05 s`, `4 min 10 s` or `12 s`. */
export function humanDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min ${String(s).padStart(2, '0')} s`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

/** Where the sources came from: the backup only when some source was (or was to be) restored from the DR vault. */
function copiesText(fromVault: boolean, report: FailoverReport): string {
  const mirrored = report.sources.filter((s) => s.from === 'mirror').map((s) => s.source);
  const mirrors = mirrored.length > 0 ? `${mirrored.join(', ')} from ${mirrored.length === 1 ? 'its mirror' : 'their mirrors'}` : '';
  if (!fromVault) return `${mirrors}; no source from the DR vault (its newest backup, ${report.backup.backupId}, was not restored)`;
  return `backup ${report.backup.backupId} (started ${shownBackupStart(report.backup.startedAt)}), from the DR vault${mirrors ? `; ${mirrors}` : ''}`;
}

/**
 * The backup's start as the RPO judged it: the instant whole and in UTC (comparedInstant). Cut as other record text, a
 * real ISO start with a long offset lost its middle and the report's "the data is as of" named no time (review r65E F2);
 * only a text that is no time is shown escaped and cut, so a newline in it cannot forge a line.
 */
function shownBackupStart(startedAt: string): string {
  return comparedInstant(startedAt) ?? shownItemKeyPart(startedAt);
}

/**
 * How old each source's data is: the backup's start holds only for the sources restored from the vault; a mirror's data is
 * as old as its own data age (the RPO counts both, so printing the backup's start for a mirror misstates it either way).
 */
function dataAsOfText(fromVault: readonly string[], report: FailoverReport): string {
  const mirrored = report.sources.filter((s) => s.from === 'mirror');
  if (mirrored.length === 0) return `the data is as of ${shownBackupStart(report.backup.startedAt)}`;
  const started = Date.parse(report.startedAt);
  const mirrorText = mirrored.map((s) =>
    s.dataAgeSeconds !== undefined && Number.isFinite(started)
      ? `${s.source} (its mirror) as of ${new Date(started - s.dataAgeSeconds * 1000).toISOString()} or later`
      : `${s.source} (its mirror) of the age its reason gives`,
  );
  const vaultText = fromVault.length > 0 ? [`${fromVault.join(', ')} (the DR vault) as of ${shownBackupStart(report.backup.startedAt)}`] : [];
  return `the data is, per source: ${[...vaultText, ...mirrorText].join('; ')}`;
}

/**
 * Under the sources' table: per source restored in part, what its target lacks although its restore was verified (review
 * r58D F3: the report dropped it, and the failover read "restored and verified" for a target without 5,000 files' extended
 * attributes), then what its backup left out (review f58O, likewise), as `lifeboat drills show` prints them; nothing when
 * none lacks anything.
 */
function restoredInPart(report: FailoverReport): string[] {
  const lines = report.sources.flatMap((s) => [...(s.notRestored ? notRestoredLines(s.source, s.notRestored) : []), ...(s.backupLeftOut ? backupLeftOutLines(s.source, s.backupLeftOut) : [])]);
  return lines.length > 0 ? ['Restored in part (the rest restored and verified):', ...lines] : [];
}

/** A live source's state in a partial failover's table: `live, in part` when its target lacks what it says under the table. */
function liveState(s: FailoverReport['sources'][number]): string {
  if (s.from === 'mirror') return 'live (mirror)';
  return s.notRestored || (s.backupLeftOut && leftOutCount(s.backupLeftOut) > 0) ? 'live, in part' : 'live';
}

/** The RPO against its objective; unknown (judged neither way) when the backup's start is not a time. */
function rpoText(report: FailoverReport): string {
  const { rpoSeconds } = report;
  const { rpoMinutes, rpoMet } = report.objectives;
  if (rpoSeconds === undefined || rpoMet === undefined) return `RPO unknown (objective ${rpoMinutes} min: not judged, the backup's startedAt is not a time)`;
  return `RPO ${humanDuration(rpoSeconds)} (objective ${rpoMinutes} min: ${rpoMet ? 'met' : 'NOT MET'})`;
}

/** The report as a person reads it: a table of the sources, then RTO and RPO against the objectives. */
export function formatFailoverReport(report: FailoverReport): string[] {
  const table = new Table({ head: ['SOURCE', 'FROM', 'TARGET', 'ENTRIES', 'BYTES', 'RTO'], style: { head: [], border: [] }, colAligns: ['left', 'left', 'left', 'right', 'right', 'right'] });
  for (const s of report.sources) table.push([s.source, s.from ?? 'vault', s.target, s.from === 'mirror' ? '-' : s.items !== undefined ? `${s.entries} (${s.items} items)` : String(s.entries), s.from === 'mirror' ? '-' : humanBytes(s.bytes), humanDuration(s.rtoSeconds)]);
  const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');
  const { objectives: o } = report;
  return [
    `Failover ${report.failoverId} of plan ${report.plan}: ${copiesText(report.sources.filter((s) => s.from !== 'mirror').length > 0, report)}`,
    table.toString(),
    ...restoredInPart(report),
    ...report.sources.filter((s) => s.reason !== undefined).map((s) => `${s.source}: ${s.from ?? 'vault'}, because ${s.reason ?? ''}`),
    `RTO ${humanDuration(report.rtoSeconds)} (objective ${o.rtoMinutes} min: ${verdict(o.rtoMet)})`,
    `${rpoText(report)}: ${dataAsOfText(report.sources.filter((s) => s.from !== 'mirror').map((s) => s.source), report)}`,
    'Point the applications at the targets above (docs/RUNBOOKS.md, "The primary region is down").',
  ];
}

/**
 * A partial failover (FailoverIncompleteError) as a person acts on it: per source live (its target), failed
 * (its error), or REFUSED because another restore holds its target (that restore's, which this failover
 * neither wrote nor finishes), what to point the applications at, and the commands that finish it (with --overwrite for
 * the targets it may have written, without for those it did not), with the command's own target options: a finish
 * command pasted without --aws --env prod fails over env dev in the local cloud (audit a57C-1).
 */
export function formatIncompleteFailover(report: FailoverReport, target: Pick<TargetOptions, 'env' | 'config' | 'dataDir' | 'aws'>): string[] {
  const finishLine = (finish: Parameters<typeof finishCommand>[0]) => `  ${finishCommand(finish)}${targetOptionsLine(target)}`;
  const table = new Table({ head: ['SOURCE', 'STATE', 'TARGET', 'ERROR'], style: { head: [], border: [] }, wordWrap: true, colWidths: [null, null, null, 70] });
  const failed = report.failed ?? [];
  const held = failed.filter((f) => f.heldBy !== undefined);
  for (const s of report.sources) table.push([s.source, liveState(s), s.target, '']);
  for (const f of failed) {
    if (f.heldBy !== undefined) table.push([f.source, 'REFUSED', `${f.target} (held by ${f.heldBy})`, `${f.error}: ${f.message}`]);
    else table.push([f.source, 'FAILED', `${f.target} (not for the applications)`, `${f.error}: ${f.message}`]);
  }
  const total = report.sources.length + failed.length;
  const noneLive =
    held.length > 0
      ? `No source of this failover is live; the targets of ${held.map((f) => f.source).join(', ')} are held by other restores (above), whose own reports say whether they are live.`
      : 'No source is live yet.';
  return [
    `Failover ${report.failoverId} of plan ${report.plan} is INCOMPLETE: ${failed.length} of ${total} source(s) not restored; ${copiesText(failed.length > 0 || report.sources.some((s) => s.from !== 'mirror'), report)}`,
    table.toString(),
    ...restoredInPart(report),
    ...(report.sources.length > 0 ? [`Live sources: ${dataAsOfText(report.sources.filter((s) => s.from !== 'mirror').map((s) => s.source), report)}`] : []),
    ...failed.map((f) => `${f.source}: ${f.action}`),
    report.sources.length > 0 ? `Point the applications of ${report.sources.map((s) => s.source).join(', ')} at their targets above (docs/RUNBOOKS.md, "A source fails").` : noneLive,
    ...(report.finish ? ['Finish the failover (only the failed sources, the same backup and targets; it asks for an approval again):', finishLine(report.finish), `  or in the console: ${JSON.stringify(report.finish)}`] : []),
    ...(report.finishWithoutOverwrite
      ? [
          // Their targets hold nothing of this failover's: finished without --overwrite, so a target another run wrote since is refused, not replaced.
          `Finish ${report.finishWithoutOverwrite.sources.join(', ')}, whose ${report.finishWithoutOverwrite.sources.length > 1 ? 'targets' : 'target'} this failover did not write (without --overwrite; it asks for an approval again):`,
          finishLine(report.finishWithoutOverwrite),
          `  or in the console: ${JSON.stringify(report.finishWithoutOverwrite)}`,
        ]
      : []),
  ];
}

/**
 * A failed failover's partial report: from FailoverIncompleteError's cause, or, when the cause was cut to fit Step
 * Functions' limit (from about 20 failed sources), from the execution history's report step (audit aX1-2: the command
 * printed the summary paragraph alone, without the per-source table and actions). `unread`: where the full report is,
 * when it could be read from neither.
 */
async function partialReportOf(
  outcome: WorkflowOutcome,
  options: Pick<FailoverCommandOptions, 'aws' | 'dataDir'>,
  reader: FailoverReportReader | undefined,
): Promise<{ report: FailoverReport | undefined; unread: string | undefined }> {
  const fromCause = reportOfIncompleteCause(outcome.cause);
  if (fromCause || outcome.error !== FAILOVER_INCOMPLETE_ERROR) return { report: fromCause, unread: undefined };
  const where = whereTheFullReportIs(outcome.executionId, options.aws === true, options.dataDir);
  try {
    const report = await (reader ?? (options.aws ? awsFailoverReportReader() : localFailoverReportReader(options.dataDir)))(outcome.executionId);
    return report ? { report, unread: undefined } : { report: undefined, unread: `The execution's history holds no output of its report step to print the full report from. ${where}` };
  } catch (err) {
    return { report: undefined, unread: `The full report could not be read from the execution's history (${err instanceof Error ? err.message : String(err)}). ${where}` };
  }
}

export async function failoverCommand(options: FailoverCommandOptions, deps: Partial<FailoverCommandDeps> = {}): Promise<number> {
  const { io, stderr, runner, reportReader } = { ...defaultDeps, ...deps };
  let input: Record<string, unknown>;
  try {
    input = failoverInput(options);
  } catch (err) {
    io.err(`lifeboat failover: ${(err as Error).message}`);
    return EXIT_USAGE;
  }
  try {
    const progress = progressLine(stderr, 'failover');
    const outcome = await (runner ?? (await runnerFor(options))).run('failover', input, (p) => progress.update(p), { region: 'dr' });
    progress.done();
    const { report: partial, unread } = outcome.status === 'SUCCEEDED' ? { report: undefined, unread: undefined } : await partialReportOf(outcome, options, reportReader);
    if (options.json) {
      // A partial failover's report comes with its cause: scripts get it as they get a complete one.
      io.out(
        JSON.stringify(
          { executionId: outcome.executionId, status: outcome.status, ...(outcome.status === 'SUCCEEDED' ? { report: outcome.output } : { error: outcome.error, cause: causeMessage(outcome.cause), ...(partial ? { report: partial } : {}), ...(unread !== undefined ? { reportUnread: unread } : {}) }) },
          null,
          2,
        ),
      );
      return outcome.status === 'SUCCEEDED' ? EXIT_OK : EXIT_FAILED;
    }
    if (outcome.status !== 'SUCCEEDED') {
      if (partial) for (const line of formatIncompleteFailover(partial, options)) io.err(line);
      else io.err(`Failover ${outcome.status}: ${outcome.error ?? 'unknown error'}: ${causeMessage(outcome.cause) ?? ''}`);
      // The failover function's rebuild of a DR catalog that may have been lost (dr-catalog-lost-hint.ts) names its own
      // --env and --aws, not this run's --config, --data-dir or --stack: restore adds the same line (review r60E F4).
      const target = targetOptionsLine(options);
      const rebuild = `\`${catalogRebuildTargetLine({ vault: 'dr', region: 'dr' }, options)}\``;
      // Records it cannot read: its deletes are already against the cloud it ran in (the local one's endpoint included,
      // review r62H F1); the doctor that names more of them than it does needs this run's target options (review r62H F5).
      if (target !== '' && outcome.error === 'UnreadableNewerBackupError') io.err(`With this run's target options: ${unreadableRecordsCommands(doctorCommandLine(options), rebuild)}.`);
      else if (target !== '' && causeMessage(outcome.cause)?.includes('lifeboat catalog rebuild --vault dr') === true) io.err(`With this run's target options: ${rebuild}.`);
      if (outcome.error === 'UnreadableNewerBackupError' && outcome.localCloudStopped === true) io.err(stoppedLocalCloudLine(options));
      if (unread !== undefined) io.err(unread);
      io.err(executionLine(outcome, options.dataDir));
      return EXIT_FAILED;
    }
    for (const line of formatFailoverReport(outcome.output as FailoverReport)) io.out(line);
    return EXIT_OK;
  } catch (err) {
    io.err(`lifeboat failover: ${err instanceof Error ? err.message : String(err)}`);
    // The CLI stopped following a failover that goes on in AWS and may still restore every source, or the start may
    // have begun it (review r63Q F6, f64H).
    const unknown = outcomeUnknownOf(err);
    if (unknown !== undefined) {
      if (options.json) io.out(outcomeUnknownJson(unknown));
      return EXIT_OUTCOME_UNKNOWN;
    }
    return isUsageError(err) ? EXIT_USAGE : EXIT_FAILED;
  }
}

export function registerFailoverCommand(program: Command): void {
  withTargetOptions(program.command('failover').description('run the failover runbook in the DR region: every source of a plan restored from the DR vault into new targets, with RTO and RPO'))
    .requiredOption('--plan <name>', 'the protection plan to fail over')
    .option('--backup <id>', 'backup id (default: the newest backup in the DR vault)')
    .option('--at <time>', 'point in time (ISO 8601 with zone): the newest backup that started at or before it (STARTED in backups list, not the time in its id)')
    .option('--target-suffix <suffix>', 'targets are lifeboat-<env>-restore-<source>-<suffix> and <directory>-<suffix> (default: failover)')
    .option('--overwrite', 'restore into targets that already hold data (an earlier failover)')
    .option('--use-mirrors', 'use a mirror that keeps objects deleted from its source (deleteMarkers false) too, when fresh enough ("useMirrors": true; not with --backup or --at)')
    .option('--no-mirrors', 'restore every source from the DR vault, mirrored or not ("useMirrors": false)')
    .option('--sources <names>', 'only these sources of the plan, comma-separated (a partial failover prints the command with its failed ones)', (value: string) => value.split(',').map((s) => s.trim()))
    .option(...REQUESTED_BY_OPTION, localRequester())
    .option('--workers <n>', 'local Lambda worker threads (1 to 64)', parseWorkerCount)
    .action(async (opts: FailoverCommandOptions) => {
      process.exitCode = await failoverCommand(opts);
    });
}
