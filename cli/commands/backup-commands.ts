import { type Command } from 'commander';
import { findEnvironment, loadLifeboatConfig } from '../../config/load-config';
import { targetEnvironment } from '../target-environment';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { shownCatalogName } from '../../lambdas/catalog/shown-catalog-name';
import { unseenJsonEscaped, unseenOnlyEscaped } from '../../lambdas/runtime/quoted-service-words';
import { mirrorDuration, type SourceMirrorStatus, UNREACHABLE_ERROR_SHOWN, UNREADABLE_SHOWN } from '../status/mirror-status';
import { mirrorCheckSchedule, planMirrors } from '../status/plan-mirrors';
import { recordedMinute } from '../status/recorded-minute';
import { cut } from '../../lambdas/runtime/cut-text';
import { type CliIo, processIo } from '../cli-io';
import { type AccessClients, type EnvironmentAccess, environmentAccess, type TargetOptions, withTargetOptions } from '../environment-access';
import { progressLine } from '../progress-line';
import { targetOptionsLine } from '../target-options-line';
import { backupFailureNote } from '../backup-failure-note';
import { escapeName } from '../escape-name';
import { registerRetentionCommands } from './retention-commands';
import { awsWorkflowRunner, causeMessage, localWorkflowRunner, type WorkflowRunner } from '../workflow-runner';
import { parseWorkerCount } from '../worker-count-option';
import { unconfiguredNameWarning } from '../unconfigured-names';
import { BACKUP_RUN_STATES } from '../estimate/backup-run-states';
import { isUnknownEnvironment, isUsageError } from '../usage-error';
import { EXIT_OUTCOME_UNKNOWN, outcomeUnknownJson, outcomeUnknownOf } from '../outcome-unknown';

/**
 * `lifeboat backup --plan P` runs the backup workflow once and waits for it; `lifeboat backups list`
 * shows the primary catalog, with the DR copy of a backup the DR catalog marks forgotten (the DR vault's
 * own retention) as FORGOTTEN. Backups retention forgot (FORGOTTEN) or is forgetting (FORGETTING: a forget
 * run claimed them, no restore can pin them) are shown only with --all: neither can be restored from that vault. With the primary catalog unreadable (its region down), it says so and
 * lists the DR catalog instead, the backups `lifeboat restore --from dr` can restore, and exits 1.
 * A run that failed after it committed its backup (its copy to the DR vault failed, or the commit step itself failed
 * once the record was COMMITTED) says so from the catalog's record: the backup is restorable from the primary vault,
 * and the next run copies what the DR vault lacks (docs/RUNBOOKS.md, "Backup").
 * Local cloud by default, AWS with --aws. Exit codes (BACKUP_EXIT): `backup` 0 committed, 3 committed but entries were
 * left out (archived objects, unreadable or too long paths: as `lifeboat vault backup`), 4 committed but the run failed
 * after its commit, 1 failed, 2 bad usage (an unknown --env), 5 the CLI stopped following the run in AWS, or its start
 * may or may not have begun it (its outcome is unknown); `backups list` 0, 1 only the DR catalog read, 2 bad usage.
 */
export type BackupCommandOptions = TargetOptions & { plan: string; strategy?: string; json?: boolean; workers?: number };
export type BackupsListOptions = TargetOptions & { plan?: string; source?: string; all?: boolean; json?: boolean };
/** `now`: the time the mirrors' check ages are taken at (default the clock's). */
export type BackupCommandDeps = { io: CliIo; stderr: { isTTY?: boolean; write(s: string): boolean }; runner?: WorkflowRunner; clients?: AccessClients; now?: () => Date };
const defaultDeps: BackupCommandDeps = { io: processIo, stderr: process.stderr };

/**
 * What `lifeboat backup` exits with. `leftOut`: some source's `skipped` count is not 0, as `lifeboat vault backup`'s
 * exit 3 (audit a58A F3: it exited 0). `failedAfterCommit`: the run failed, but the catalog records its backup
 * COMMITTED, so it restores (audit a58A F4: it said `Backup FAILED` and exited 1). `outcomeUnknown`: the CLI stopped
 * following the run in AWS, which goes on (cli/outcome-unknown.ts). README and docs/RUNBOOKS.md say so.
 */
export const BACKUP_EXIT = { committed: 0, failed: 1, usage: 2, leftOut: 3, failedAfterCommit: 4, outcomeUnknown: EXIT_OUTCOME_UNKNOWN } as const;

export async function backupCommand(options: BackupCommandOptions, deps: Partial<BackupCommandDeps> = {}): Promise<number> {
  const { io, stderr } = { ...defaultDeps, ...deps };
  try {
    if (options.strategy !== undefined && !['full', 'incremental', 'differential'].includes(options.strategy)) {
      io.err(`lifeboat backup: --strategy must be full, incremental or differential, got ${options.strategy}`);
      return 2;
    }
    // With --stack there is no config file to load (target-environment.ts).
    const config = options.stack === undefined ? loadLifeboatConfig(options.config) : undefined;
    const runner =
      deps.runner ??
      (options.aws || config === undefined
        ? awsWorkflowRunner({ environment: config !== undefined ? findEnvironment(config, options.env) : await targetEnvironment(options) })
        : localWorkflowRunner({ config, envName: options.env, dataDir: options.dataDir, ...(options.workers !== undefined ? { workers: options.workers } : {}) }));
    const progress = progressLine(stderr, `backup ${options.plan}`);
    const input = { plan: options.plan, trigger: 'cli', ...(options.strategy ? { strategy: options.strategy } : {}) };
    // The states the run entered: one that entered the commit may have committed its backup, whatever failed after.
    let entered: readonly string[] = [];
    const outcome = await runner.run('backup', input, (p) => {
      entered = p.entered ?? entered;
      progress.update(p);
    });
    progress.done();
    const committedRun = outcome.status !== 'SUCCEEDED' && entered.includes(COMMIT_STATE) ? await committedRecordOfRun(options, deps.clients) : undefined;
    const output = outcome.output as { committed?: Record<string, unknown>; replication?: { copiedObjects?: number; copiedBytes?: number } } | undefined;
    const committed = output?.committed ?? {};
    if (options.json) {
      const afterCommit = committedRun ? { committedBackup: { backupId: committedRun.backupId, status: 'COMMITTED', drCopy: committedRun.drCopy ?? 'PENDING' } } : {};
      io.out(JSON.stringify({ executionId: outcome.executionId, status: outcome.status, output: outcome.output, error: outcome.error, cause: causeMessage(outcome.cause), ...afterCommit }, null, 2));
    } else if (outcome.status === 'SUCCEEDED') {
      // The commit step reports sums under `totals`.
      const totals = (committed['totals'] as Record<string, unknown> | undefined) ?? committed;
      io.out(`Backup ${String(committed['backupId'] ?? '?')} of plan ${options.plan} committed.`);
      for (const key of ['entries', 'bytesScanned', 'bytesNew', 'bytesStored']) if (totals[key] !== undefined) io.out(`  ${key.padEnd(14)}${String(totals[key])}`);
      if (output?.replication) io.out(`  ${'drCopy'.padEnd(14)}replicated (${output.replication.copiedObjects ?? 0} objects, ${output.replication.copiedBytes ?? 0} bytes copied)`);
      for (const line of observationNotes(committed['sources'])) io.out(`  ${'note'.padEnd(14)}${line}`);
    } else {
      const failure = `${outcome.error ?? 'unknown error'}: ${causeMessage(outcome.cause) ?? ''}`;
      if (committedRun) io.err(failedAfterCommitLine(committedRun, failure, entered.includes(REPLICATE_STATE), options.plan));
      else io.err(`Backup ${outcome.status}: ${failure}`);
    }
    if (outcome.status === 'SUCCEEDED') return leftOutEntries(committed['sources']) ? BACKUP_EXIT.leftOut : BACKUP_EXIT.committed;
    return committedRun ? BACKUP_EXIT.failedAfterCommit : BACKUP_EXIT.failed;
  } catch (err) {
    io.err(`lifeboat backup: ${err instanceof Error ? err.message : String(err)}`);
    // The CLI stopped following a run that goes on in AWS and may still commit, or the start may have begun it: not
    // "failed" (review r63Q F6, f64H).
    const unknown = outcomeUnknownOf(err);
    if (unknown !== undefined) {
      if (options.json) io.out(outcomeUnknownJson(unknown));
      return BACKUP_EXIT.outcomeUnknown;
    }
    return isUsageError(err) ? 2 : 1;
  }
}

/** The backup workflow's commit and replication states (lib/constructs/backup-workflow.ts), as the run-states list names them. */
const COMMIT_STATE: (typeof BACKUP_RUN_STATES.once)[number] = 'Commit backup';
const REPLICATE_STATE = BACKUP_RUN_STATES.replicationPass[0];

/** A run's backup the catalog records COMMITTED though the run failed: its DR copy as the record has it (absent: PENDING). */
type CommittedRun = { backupId: string; drCopy?: string; drRegion: string };

/**
 * After a run that failed once it had entered the commit: its backup, the plan's newest (it planned under the run's
 * lease), when the primary catalog records it COMMITTED: the commit marked it so and then failed (a Lambda timeout or
 * crash after markCommitted, audit a58A F4), or its replication failed (the workflow's Record failure step then sets
 * its DR copy FAILED). Undefined when the catalog says otherwise or cannot be read (a local cloud the command started
 * is stopped by then): the run's failure is then reported as it is.
 */
async function committedRecordOfRun(options: BackupCommandOptions, clients: AccessClients | undefined): Promise<CommittedRun | undefined> {
  try {
    const access = await environmentAccess(options, clients);
    for await (const read of access.catalog.newestBackupsOfPlan(options.plan)) {
      if (!('head' in read)) return undefined;
      const { head } = read;
      if (head.status !== 'COMMITTED') return undefined;
      return { backupId: head.backupId, ...(head.copies?.dr !== undefined ? { drCopy: head.copies.dr } : {}), drRegion: access.environment.drRegion };
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** What a run that failed after committing its backup prints: restorable from the primary vault, and where its DR copy stands. */
function failedAfterCommitLine(run: CommittedRun, failure: string, replicating: boolean, plan: string): string {
  const restorable = `Backup ${run.backupId} committed (restorable from the primary vault)`;
  if (replicating && run.drCopy === 'FAILED') return `${restorable}; its copy to the DR vault (${run.drRegion}) failed: ${failure}; the next run of plan ${plan} copies it.`;
  const drCopy =
    run.drCopy === 'COMMITTED'
      ? `its copy to the DR vault (${run.drRegion}) is made`
      : `its copy to the DR vault (${run.drRegion}) is not made (DR COPY ${run.drCopy ?? 'PENDING'}): the next run of plan ${plan} copies it`;
  return `${restorable}, but the workflow failed after its commit: ${failure}; ${drCopy}.`;
}

/** Whether a committed backup's sources (the commit step's output) left entries out: archived objects, unreadable or too long paths. */
function leftOutEntries(sources: unknown): boolean {
  return Array.isArray(sources) && sources.some((source: unknown) => typeof (source as { skipped?: unknown }).skipped === 'number' && ((source as { skipped: number }).skipped > 0));
}

export async function backupsListCommand(options: BackupsListOptions, deps: Partial<BackupCommandDeps> = {}): Promise<number> {
  const { io, clients, now: clock } = { ...defaultDeps, ...deps };
  try {
    const access = await environmentAccess(options, clients, { readOnly: true });
    const unconfigured = unconfiguredNameWarning(access.environment, options);
    if (unconfigured !== undefined) io.err(unconfigured);
    let records: BackupRecord[];
    let fromDr = false;
    // A refused plan list leaves unconfigured plans out, said once the region's list is read: never a reason for the DR fallback (review r64W F1).
    let unlistedPlans: string | undefined;
    try {
      ({ records, unlistedPlans } = await listedBackups(access, 'primary', options));
    } catch (primaryErr) {
      // The primary region down: what the DR region can restore is in the DR catalog (its restore runbook reads it).
      const primaryProblem = `the primary catalog (${access.environment.primaryRegion}) could not be read: ${errorMessage(primaryErr)}`;
      try {
        ({ records, unlistedPlans } = await listedBackups(access, 'dr', options));
      } catch (drErr) {
        io.err(`lifeboat backups list: ${primaryProblem}; the DR catalog (${access.environment.drRegion}) neither: ${errorMessage(drErr)}`);
        return 1;
      }
      fromDr = true;
      io.err(
        `lifeboat backups list: ${primaryProblem}. Listed instead: the DR catalog (${access.environment.drRegion}), the backups the DR vault holds; ` +
          "restore one with `lifeboat restore --from dr …` (the DR region's restore runbook, which works with the primary region down), or fail a plan over with `lifeboat failover --plan …`.",
      );
    }
    if (unlistedPlans !== undefined) io.err(unlistedPlans);
    // An empty DR catalog with the primary down may be a lost one, not a DR vault without backups: "No backups." alone
    // left nothing to do during the outage (audit a59A F1). The CLI may not list the DR vault here, hence the "if".
    if (fromDr && records.length === 0) {
      io.err(
        `lifeboat backups list: the DR catalog (${access.environment.drRegion}) holds no backup${options.plan !== undefined ? ` of plan ${options.plan}` : ''}; ` +
          `if the DR vault holds backups, the DR catalog may have been lost: rebuild it from the DR vault with \`lifeboat catalog rebuild --vault dr --region dr${targetOptionsLine(options)}\`, then list again.`,
      );
    }
    // The primary's record keeps the DR copy as replication left it; the DR vault's retention forgets on its own (docs/RUNBOOKS.md, "Retention").
    const drForgotten = fromDr ? new Map<string, string>() : await drForgottenOf(access, records, io);
    const exitCode = fromDr ? 1 : 0;
    if (options.json) {
      // A record's text is any string: a C1 or bidi control JSON leaves raw acted in the terminal; as \uXXXX a JSON reader reads it back the same (status --json's rule).
      io.out(unseenJsonEscaped(JSON.stringify(records.map((r) => (drForgotten.has(r.backupId) ? { ...r, drForgottenAt: drForgotten.get(r.backupId) } : r)), null, 2)));
      return exitCode;
    }
    // Each mirrored source's last check, from the DR catalog the mirror check writes, judged as `lifeboat status` judges it (cli/status/mirror-status.ts).
    const now = clock ? clock() : new Date();
    const { environment } = access;
    const schedule = mirrorCheckSchedule(environment);
    const mirrors: SourceMirrorStatus[] = [];
    for (const plan of environment.plans.filter((p) => options.plan === undefined || p.name === options.plan)) {
      const mirrorCheck = (source: string) => access.mirrorsIn('dr').get(source);
      // The reasons' command lines with the list's own target options (review r58A F3).
      mirrors.push(...(await planMirrors({ plan, ...(options.source !== undefined ? { source: options.source } : {}), mirrorCheck, schedule, now, commandOptions: targetOptionsLine(options) })).mirrors);
    }
    for (const line of mirrorLines(mirrors)) io.out(line);
    if (records.length === 0) {
      io.out('No backups.');
      return exitCode;
    }
    io.out(`${'BACKUP'.padEnd(28)}${'PLAN'.padEnd(14)}${'STATUS'.padEnd(11)}${'STRATEGY'.padEnd(13)}${'DR COPY'.padEnd(11)}${'STARTED'.padEnd(26)}SOURCES`);
    for (const r of records) {
      // A record's id, plan, start, source names and hold reason are any strings (backupRecordSchema): shown escaped, as a
      // newline or ESC in one would forge a row of the list or colour the terminal (f62W).
      const sources = r.sources.map((s) => shownCatalogName(s.name)).join(', ');
      const drCopy = r.status !== 'COMMITTED' ? '-' : drForgotten.has(r.backupId) ? 'FORGOTTEN' : (r.copies?.dr ?? '-');
      const status = r.forgottenAt !== undefined ? 'FORGOTTEN' : r.forgettingAt !== undefined ? 'FORGETTING' : r.status;
      const hold = r.hold ? `  [legal hold: ${shownCatalogName(r.hold.reason)}]` : '';
      io.out(`${shownCatalogName(r.backupId).padEnd(28)}${shownCatalogName(r.plan).padEnd(14)}${status.padEnd(11)}${r.strategy.padEnd(13)}${drCopy.padEnd(11)}${shownCatalogName(r.startedAt).padEnd(26)}${sources}${hold}`);
      // Why a failed run failed, under its row: the record keeps what the workflow's Catch saw (review rFF F3: the list said FAILED, and only --json said why).
      if (r.status === 'FAILED') io.out(`    ${backupFailureNote(r, targetOptionsLine(options))}`);
      // What the backup saw change, or did not back up whole, under its row.
      for (const line of observationNotes(r.sources)) io.out(`    ${line}`);
    }
    return exitCode;
  } catch (err) {
    io.err(`lifeboat backups list: ${err instanceof Error ? err.message : String(err)}`);
    return isUnknownEnvironment(err) ? 2 : 1;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The backups a list shows, from one region's catalog, newest first; the catalog validates every record it reads
 * (lambdas/catalog/backup-record.ts). unlistedPlans: the warning when --all could not read which plans the catalog holds.
 */
async function listedBackups(access: EnvironmentAccess, region: 'primary' | 'dr', options: BackupsListOptions): Promise<{ records: BackupRecord[]; unlistedPlans?: string }> {
  const catalog = access.catalogIn(region);
  if (options.source !== undefined) return { records: await catalog.listBackupsOfSource(options.source) };
  const configured = access.environment.plans.map((p) => p.name);
  let plans = options.plan !== undefined ? [options.plan] : configured;
  let unlistedPlans: string | undefined;
  // --all: also the plans no longer configured (removed or renamed) whose backups the catalog still holds, which the
  // doctor and the prune's stop send the operator here to see (review r64Q F3: the list queried configured plans only).
  // That takes a Scan, which the operator's documented policy (GetItem, Query) may not grant: the configured plans are
  // listed all the same, as before --all read them (review r64W F1: the list exited 1, or blamed the primary region).
  if (options.plan === undefined && options.all) {
    try {
      plans = [...new Set([...configured, ...(await catalog.recordedPlanNames())])];
    } catch (err) {
      unlistedPlans = `warning: plans no longer in the config are not listed: ${planListFailure(err)} (${errorMessage(err)}); list one with --plan <name>, or grant the Scan (docs/RUNBOOKS.md, "What each persona needs")`;
    }
  }
  const records: BackupRecord[] = [];
  for (const plan of plans) records.push(...(await catalog.listBackupsOfPlan(plan)));
  if (options.plan === undefined) records.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  // Forgotten backups stay in the catalog for the history, and claimed ones are on their way there; --all shows them.
  const listed = options.all ? records : records.filter((r) => r.forgottenAt === undefined && r.forgettingAt === undefined);
  return unlistedPlans === undefined ? { records: listed } : { records: listed, unlistedPlans };
}

/** A denial is the caller's policy to fix; anything else (a throttle, a timeout) may pass on a retry. */
function planListFailure(err: unknown): string {
  const refused = err instanceof Error && (err.name === 'AccessDeniedException' || /not authorized/i.test(err.message));
  return `dynamodb:Scan on the byPlan index ${refused ? 'was refused' : 'failed'}`;
}

/**
 * The listed backups whose DR copy the DR catalog marks forgotten (`forgottenAt`: the DR vault's retention
 * deleted their snapshots there), backupId → when. Every COMMITTED backup is asked about, whatever its primary
 * record says of the copy: a primary catalog rebuilt from the primary vault says PENDING for every backup, and
 * Replicate skips a copy the DR catalog forgot without recording it, so PENDING would stay for good (audit
 * c5-2: only COMMITTED copies were asked about). One byPlan query per listed plan, so a list without a
 * committed backup reads nothing of the DR region. A DR catalog that cannot be read (a DR-region outage) is a
 * warning: the column then shows the primary's record.
 */
async function drForgottenOf(access: EnvironmentAccess, records: readonly BackupRecord[], io: CliIo): Promise<Map<string, string>> {
  const committed = records.filter((r) => r.status === 'COMMITTED');
  const forgotten = new Map<string, string>();
  if (committed.length === 0) return forgotten;
  const wanted = new Set(committed.map((r) => r.backupId));
  try {
    for (const plan of new Set(committed.map((r) => r.plan))) {
      for (const dr of await access.catalogIn('dr').listBackupsOfPlan(plan)) if (dr.forgottenAt !== undefined && wanted.has(dr.backupId)) forgotten.set(dr.backupId, dr.forgottenAt);
    }
  } catch (err) {
    io.err(
      `warning: the DR catalog (${access.environment.drRegion}) could not be read (${err instanceof Error ? err.message : String(err)}): ` +
        "DR COPY is the primary catalog's record, which does not know what the DR vault's retention forgot",
    );
  }
  return forgotten;
}

const MIRROR_STATE: Record<SourceMirrorStatus['verdict'], string> = {
  equal: 'EQUAL',
  replicating: 'REPLICATING',
  'not-compared-yet': 'WAITING',
  differences: 'DIFFERS',
  failed: 'FAILED',
  'not-checked': 'UNCHECKED',
  'not-compared': 'N/A',
  unreadable: 'UNKNOWN',
};

/**
 * One line per mirrored source: the last check's verdict, lag and age, the mirror; then what makes it
 * not within the plan's objectives (a difference, a check older than twice its schedule, a lag beyond
 * the RPO: the rule of `lifeboat status`) or why it says nothing. STATE is MIRROR_STATE's word for the
 * verdict (WAITING: a file system's check compared none of its samples, all read after EFS's last sync and
 * kept for a later run), with ✗ when not within the objectives (docs/RUNBOOKS.md, `lifeboat status`).
 */
export function mirrorLines(mirrors: readonly SourceMirrorStatus[]): string[] {
  if (mirrors.length === 0) return [];
  const lines = [`${'MIRROR OF'.padEnd(16)}${'STATE'.padEnd(10)}${'LAG'.padEnd(14)}${'CHECKED'.padEnd(16)}MIRROR`];
  for (const m of mirrors) {
    const lag = m.lagSeconds === undefined ? '-' : m.lagSeconds === null ? 'not measured' : mirrorDuration(m.lagSeconds);
    const checked = m.checkAgeSeconds === undefined ? '-' : `${mirrorDuration(m.checkAgeSeconds)} ago${m.stale ? ' ✗' : ''}`;
    const state = `${MIRROR_STATE[m.verdict]}${m.withinObjectives || m.verdict === 'unreadable' ? '' : ' ✗'}`;
    // The mirror, the check's note and its unreachable attempt are the check record's text (any string): escaped as
    // status's mirror line and reasons show them, since a newline in a damaged record forged a row and an ESC coloured the terminal (f63H).
    // An unreadable DR catalog's note is the read's error, of any length (a local endpoint's answer quoted whole): cut as its reason is (review r63R F6).
    const where = m.mirror !== undefined ? shownCatalogName(m.mirror) : m.verdict === 'not-checked' ? 'no mirror check recorded yet' : cut(m.note ?? '', UNREADABLE_SHOWN, unseenOnlyEscaped);
    lines.push(`${m.source.padEnd(16)}${state.padEnd(10)}${lag.padEnd(14)}${checked.padEnd(16)}${where}`);
    for (const reason of m.reasons) lines.push(`  ✗ ${reason}`);
    // Its time as status's summary prints it (recordedMinute); its error is the Lambda's message, of any length: cut as the doctor cuts one.
    if (m.unreachable && !m.stale) lines.push(`  ! the source's region was unreachable at ${recordedMinute(m.unreachable.at)}: ${cut(m.unreachable.error, UNREACHABLE_ERROR_SHOWN, unseenOnlyEscaped)}`);
  }
  lines.push('');
  return lines;
}

export function registerBackupCommand(program: Command): void {
  withTargetOptions(program.command('backup').description('run the backup workflow for a protection plan now, and wait for it'))
    .requiredOption('--plan <name>', 'protection plan')
    .option('--strategy <strategy>', 'full, incremental or differential (default: the plan\'s)')
    .option('--workers <n>', 'local Lambda worker threads (1 to 64)', parseWorkerCount)
    .action(async (opts: BackupCommandOptions) => {
      process.exitCode = await backupCommand(opts);
    });
}

export function registerBackupsCommands(program: Command): void {
  const backups = program.command('backups').description('the backup catalog');
  withTargetOptions(backups.command('list').description('backups, newest first'))
    .option('--plan <name>', 'only this plan\'s backups')
    .option('--source <name>', 'only committed backups of this source (never forgotten or claimed ones)')
    .option('--all', 'also the backups retention forgot or is forgetting, and those of plans no longer in the config')
    .action(async (opts: BackupsListOptions) => {
      process.exitCode = await backupsListCommand(opts);
    });
  registerRetentionCommands(backups);
}

/**
 * What the sources saw change under them while the backup read them (the catalog keeps the counts:
 * `backups list --json`): an entry that changed while read is kept as read, and may be a state
 * that never existed whole, so the operator hears of it. Entries not backed up whole (an archived
 * object or unreadable file left out, an extended attribute that could not be read) come with the first few reason lines the record keeps, escaped: a key is data
 * whoever wrote the source chose.
 */
function observationNotes(sources: unknown): string[] {
  if (!Array.isArray(sources)) return [];
  return sources.flatMap((raw: unknown) => {
    const source = raw as { name?: unknown; changedDuringRead?: unknown; vanished?: unknown; skipped?: unknown; skippedExamples?: unknown };
    const counts = (key: 'changedDuringRead' | 'vanished' | 'skipped'): number => (typeof source[key] === 'number' ? source[key] : 0);
    const parts = [
      counts('changedDuringRead') > 0 ? `${counts('changedDuringRead')} entr${counts('changedDuringRead') === 1 ? 'y' : 'ies'} changed while read (kept as read, possibly torn; the next backup reads them again)` : undefined,
      counts('vanished') > 0 ? `${counts('vanished')} vanished between listing and reading` : undefined,
      counts('skipped') > 0 ? `${counts('skipped')} not backed up whole (left out as archived or unreadable, or stored without metadata it could not read)` : undefined,
    ].filter((p): p is string => p !== undefined);
    if (parts.length === 0) return [];
    const examples = Array.isArray(source.skippedExamples) ? source.skippedExamples.filter((e): e is string => typeof e === 'string') : [];
    return [`source ${escapeName(String(source.name))}: ${parts.join('; ')}`, ...examples.map((e) => `  ${escapeName(e)}`)];
  });
}
