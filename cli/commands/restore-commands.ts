import { localRequester, REQUESTED_BY_OPTION } from '../requester';
import { type Command, Option } from 'commander';
import { loadLifeboatConfig } from '../../config/load-config';
import { targetEnvironment } from '../target-environment';
import { isoInstant, type RestoreTarget } from '../../lambdas/restore/restore-request';
import { ForgottenBackupError, UnknownBackupError } from '../../lambdas/catalog/catalog-errors';
import { readBackupRecord, type RestorableBackup } from '../../lambdas/restore/restored-backup';
import { InvalidInputError } from '../../lambdas/runtime/errors';
import { verifyBackup } from '../../lambdas/restore/verify-backup';
import { type CliIo, processIo } from '../cli-io';
import { type AccessClients, type EnvironmentAccess, environmentAccess, type TargetOptions, withTargetOptions } from '../environment-access';
import { progressLine } from '../progress-line';
import { targetOptionsLine } from '../target-options-line';
import { executionLine } from '../execution-history-line';
import { awsWorkflowRunner, causeMessage, localWorkflowRunner, type WorkflowOutcome, type WorkflowRegion, type WorkflowRunner } from '../workflow-runner';
import { restoreFailureMessage } from '../restore-cleanup-failed';
import { parseWorkerCount } from '../worker-count-option';
import { restoreFlagHint } from '../runbook-field-flags';
import { escapeName } from '../escape-name';
import { entriesNotRestored, type NotRestored } from '../../vault';
import { type BackupLeftOut } from '../../lambdas/restore/backup-left-out';
import { type TimeToLiveLeftOff } from '../../lambdas/restore/restored-table-ttl';
import { mentionsUnanswered } from '../unanswered-endpoint';
import { FollowingGaveUpError, WorkflowStartFoundNoneError, WorkflowStartUnansweredError } from '../aws-execution-errors';
import { isUnknownEnvironment, isUsageError, UsageError } from '../usage-error';
import { isThrottledRequest } from '../throttled-request';
import { saidWithNextStep } from '../throttled-next-step';
import { EXIT_OUTCOME_UNKNOWN, outcomeUnknownJson, outcomeUnknownOf } from '../outcome-unknown';

/**
 * `lifeboat restore` starts the restore runbook (the same input JSON as the console, docs/RUNBOOKS.md)
 * and waits for its report; `lifeboat verify` checks one backup in the vault. Local cloud by
 * default, AWS with --aws. `--from dr` runs the DR region's own restore runbook (the DR vault and
 * the DR catalog, with a client of the DR region only), so that it works with the primary region
 * down; `--region primary` runs the primary region's runbook on the DR vault instead. Exit codes:
 * 0 success (entries not restored, and what the backup left out, are printed under the report, not
 * failed), 1 the run failed or verification found problems, 2 the command line is wrong, 5 (`restore --aws`) the CLI
 * stopped following the run in AWS, which may still restore, or its start may or may not have begun it
 * (cli/outcome-unknown.ts).
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export type RestoreCommandOptions = TargetOptions & {
  source: string;
  backup?: string;
  at?: string;
  target: string;
  overwrite?: boolean;
  /** Who asks (the approval record's `requestedBy`); the command line defaults it to user@host. */
  requestedBy?: string;
  keepSetid?: boolean;
  allowUnprotectedTarget?: boolean;
  /** DynamoDB targets: 'off' leaves the source's TTL off on the restored table (the runbook's `timeToLive`). */
  ttl?: 'on' | 'off';
  from?: string;
  /** The region whose restore runbook runs. @default 'dr' with `--from dr`, else 'primary' */
  region?: string;
  prefix?: string;
  json?: boolean;
  workers?: number;
};
export type VerifyCommandOptions = TargetOptions & { backup: string; readData?: boolean; from?: string; json?: boolean };

export type RestoreCommandDeps = {
  io: CliIo;
  stderr: { isTTY?: boolean; write(s: string): boolean };
  runner?: WorkflowRunner;
  clients?: AccessClients;
  /** The catalogs, for what a failed restore's hint says (does the other vault keep a forgotten backup?). */
  access?: EnvironmentAccess;
};
const defaultDeps: RestoreCommandDeps = { io: processIo, stderr: process.stderr };

/**
 * `s3://bucket[/prefix]`, `dynamodb://table`, or an absolute directory (`/path` or `file:///path`).
 * An S3 prefix is a folder, as `aws s3 cp` and restic read `s3://bucket/restored`: `restored/`, so
 * the keys land under `restored/…`, never as `restoredreports/…`. The runbook's own `prefix` field
 * stays a raw key prefix for the console.
 */
export function parseTargetSpec(spec: string): RestoreTarget {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(spec);
  if (s3) {
    const prefix = s3[2] ?? '';
    return { type: 's3', bucket: s3[1] ?? '', prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
  }
  const table = /^dynamodb:(?:\/\/)?(.+)$/.exec(spec);
  if (table) return { type: 'dynamodb', table: table[1] ?? '' };
  const dir = spec.startsWith('file://') ? spec.slice('file://'.length) : spec;
  if (dir.startsWith('/')) return { type: 'filesystem', path: dir };
  throw new UsageError(`--target ${JSON.stringify(spec)}: give s3://bucket[/prefix], dynamodb://table or an absolute directory path`);
}

/**
 * `--at` by the runbook's own rule (isoInstant), before anything starts: a garbage time was refused only by the started
 * execution, as `pointInTime`, a name the command line never showed. An offset is an instant (the runbook reads
 * `2026-12-07T11:00:00+02:00` as 09:00Z); a time without a zone is refused, as the runbook would.
 */
function checkPointInTime(at: string): void {
  const parsed = isoInstant.safeParse(at);
  if (!parsed.success) {
    const problem = parsed.error.issues[0]?.message ?? 'is no time';
    throw new UsageError(`--at ${JSON.stringify(at)}: ${problem} (an offset such as 2026-11-24T12:00:00+02:00 is read as the instant it names)`);
  }
}

/** The runbook input a command line stands for (docs/RUNBOOKS.md). */
export function restoreInput(options: RestoreCommandOptions): Record<string, unknown> {
  if ((options.backup === undefined) === (options.at === undefined)) throw new UsageError('give exactly one of --backup <id> and --at <time>');
  if (options.at !== undefined) checkPointInTime(options.at);
  return {
    source: options.source,
    ...(options.backup !== undefined ? { backupId: options.backup } : {}),
    ...(options.at !== undefined ? { pointInTime: options.at } : {}),
    target: parseTargetSpec(options.target),
    ...(options.overwrite ? { overwrite: true } : {}),
    ...(options.keepSetid ? { keepSetIdBits: true } : {}),
    ...(options.allowUnprotectedTarget ? { allowUnprotectedTarget: true } : {}),
    ...(options.ttl !== undefined ? { timeToLive: options.ttl } : {}),
    ...(options.from !== undefined ? { vault: options.from } : {}),
    ...(options.prefix !== undefined ? { filter: { prefix: options.prefix } } : {}),
    ...(options.requestedBy !== undefined ? { requestedBy: options.requestedBy } : {}),
  };
}

/**
 * The region whose restore runbook runs: the DR region's for the DR vault (it reads the DR catalog and
 * works with the primary region down), unless --region says otherwise; the DR region has no primary vault.
 */
export function restoreRegion(options: Pick<RestoreCommandOptions, 'from' | 'region'>): WorkflowRegion {
  const from = options.from ?? 'primary';
  const region = options.region ?? (from === 'dr' ? 'dr' : 'primary');
  if (region !== 'primary' && region !== 'dr') throw new UsageError(`--region must be primary or dr, got ${JSON.stringify(region)}`);
  if (region === 'dr' && from !== 'dr') {
    throw new UsageError("--region dr runs the DR region's restore runbook, which reads the DR vault only (so that it works with the primary region down); add --from dr, or leave out --region to restore from the primary vault");
  }
  return region;
}

/**
 * What a failed restore adds under its error: the options that set the fields it names, the DR
 * region's runbook when the primary region does not answer, the other vault for a forgotten backup.
 */
async function failureHints(error: string | undefined, cause: string, region: WorkflowRegion, from: string, options: RestoreCommandOptions, deps: Partial<RestoreCommandDeps>): Promise<string[]> {
  const hints: string[] = [];
  const flags = restoreFlagHint(cause);
  if (flags !== undefined) hints.push(flags);
  if (region === 'primary' && from === 'primary' && readsAsSilence(`${error ?? ''} ${cause}`)) {
    hints.push(
      'The primary region does not answer (its catalog or vault could not be reached): restore from the DR region with --from dr (its own restore runbook, DR vault and DR catalog; ' +
        'targets in the DR region), or fail the plan over (`lifeboat failover --plan …`); docs/RUNBOOKS.md, "The primary region is down".',
    );
  }
  // --from dr --region primary runs the primary region's runbook on the DR vault: it needs the primary up (audit a59A F3).
  if (region === 'primary' && from === 'dr' && readsAsSilence(`${error ?? ''} ${cause}`)) {
    hints.push(
      'The primary region does not answer (its restore runbook could not run): drop --region primary, and the DR region\'s own restore runbook restores from the DR vault ' +
        '(targets in the DR region); docs/RUNBOOKS.md, "The primary region is down".',
    );
  }
  // The DR catalog's UnknownBackupError names `lifeboat backups list` and the DR catalog's rebuild bare: from a function,
  // which cannot know this run's --env, --config, --aws or --data-dir; pasted bare they asked env dev's local cloud (audit a59A F5).
  const target = targetOptionsLine(options);
  if (error === 'UnknownBackupError' && cause.includes('DR catalog') && target !== '') {
    hints.push(`With this run's target options: \`lifeboat backups list${target}\`, \`lifeboat catalog rebuild --vault dr --region dr${target}\`.`);
  }
  if (error === 'ForgottenBackupError') {
    const other = from === 'dr' ? 'primary' : 'dr';
    const kept = await keptByOtherVault(options, deps, other);
    if (kept === true) hints.push(`The ${other === 'dr' ? 'DR' : 'primary'} vault still keeps it: restore it with --from ${other}.`);
    else if (kept === undefined) hints.push(`If the ${other === 'dr' ? 'DR' : 'primary'} vault still keeps it (\`lifeboat backups list --all\`), restore it with --from ${other}.`);
  }
  return hints;
}

/**
 * Whether an error told as text says its endpoint did not answer: mentionsUnanswered's words, and the runner's own bound
 * on a call to Step Functions (CallDeadlineError), which is a silence as much as the SDK's TimeoutError (review r63F F4).
 */
function readsAsSilence(text: string): boolean {
  return mentionsUnanswered(text) || /\bCallDeadlineError\b/.test(text);
}

/** Whether the other vault's catalog holds the backup committed and not forgotten; undefined when that could not be read. */
async function keptByOtherVault(options: RestoreCommandOptions, deps: Partial<RestoreCommandDeps>, other: 'primary' | 'dr'): Promise<boolean | undefined> {
  if (options.backup === undefined) return undefined;
  try {
    const access = deps.access ?? (await environmentAccess(options, deps.clients));
    const record = await access.catalogIn(other).getBackup(options.backup);
    return record !== undefined && record.status === 'COMMITTED' && record.forgottenAt === undefined;
  } catch {
    return undefined;
  }
}

async function runnerFor(options: TargetOptions & { workers?: number }): Promise<WorkflowRunner> {
  // With --stack there is no config file to load (target-environment.ts).
  if (options.aws || options.stack !== undefined) return awsWorkflowRunner({ environment: await targetEnvironment(options) });
  return localWorkflowRunner({ config: loadLifeboatConfig(options.config), envName: options.env, dataDir: options.dataDir, targetOptions: targetOptionsLine(options), ...(options.workers !== undefined ? { workers: options.workers } : {}) });
}

type RestoreReportView = {
  restoreId?: string;
  backupId?: string;
  source?: string;
  targetDescription?: string;
  vault?: string;
  entries?: number;
  bytes?: number;
  items?: number;
  durationMs?: number;
  verified?: { entries: number };
  notRestored?: { count: number; first: NotRestored[] };
  backupLeftOut?: BackupLeftOut;
  timeToLiveOff?: TimeToLiveLeftOff;
};

/** Entries of the report's lists printed under their line: the rest are in `--json` (notRestored: the first 20). */
const LISTED = 5;

/**
 * The lines under the table that say what the target lacks although the restore succeeded (audit R41
 * F2, F4): entries the restore was not allowed to recreate (not counted as verified), and what the backup
 * itself left out of the source. The exit code stays 0: the execution succeeded, and the restored
 * entries are verified; these lines, and the report's fields, are how it is told (docs/RUNBOOKS.md).
 * Paths and reason lines are escaped: a name is data whoever wrote the source chose.
 */
function shortfallLines(r: RestoreReportView): string[] {
  const lines: string[] = [];
  const notRestored = r.notRestored;
  if (notRestored && notRestored.count > 0) {
    lines.push(`Not restored  ${notRestored.count} ${notRestored.count === 1 ? 'entry or attribute' : 'entries or attributes'} (the target lacks them; not counted as verified):`);
    const shown = notRestored.first.slice(0, LISTED);
    for (const n of shown) lines.push(`  ${escapeName(n.path)}: ${escapeName(n.what)}`);
    // A line may stand for many entries (a platform loss said once: its `entries`); the rest are those no line printed stands for.
    const more = notRestored.count - entriesNotRestored(shown);
    if (more > 0) lines.push(`  … and ${more} more (--json lists the first ${notRestored.first.length})`);
  }
  const leftOut = r.backupLeftOut;
  if (leftOut && 'unknown' in leftOut) lines.push(`Left out by the backup: not known (${leftOut.unknown})`);
  else if (leftOut) {
    const plural = (n: number): string => `${n} entr${n === 1 ? 'y' : 'ies'}`;
    // Which of them the target lacks differs (review 44c F1): a skipped entry may be in the backup without some metadata,
    // and an entry changed while read was restored as read.
    const parts = [
      leftOut.skipped > 0 ? `${plural(leftOut.skipped)} not backed up whole (left out as archived or unreadable: not in the target; or stored without metadata it could not read)` : undefined,
      leftOut.vanished > 0 ? `${plural(leftOut.vanished)} vanished between listing and reading (not in the target)` : undefined,
      leftOut.changedDuringRead > 0 ? `${plural(leftOut.changedDuringRead)} changed while read (restored as read, possibly torn)` : undefined,
    ].filter((p): p is string => p !== undefined);
    lines.push(`Left out by the backup (counts of the whole source): ${parts.join('; ')}`);
    for (const e of leftOut.skippedExamples.slice(0, LISTED)) lines.push(`  ${escapeName(e)}`);
  }
  return lines;
}

/** A failed restore's message, with the note of a cleanup step that failed when no step could write it (review r60E F2). */
function failureMessage(outcome: WorkflowOutcome): string | undefined {
  const message = causeMessage(outcome.cause);
  return message === undefined ? undefined : restoreFailureMessage(message, outcome.failureReportInput);
}

export async function restoreCommand(options: RestoreCommandOptions, deps: Partial<RestoreCommandDeps> = {}): Promise<number> {
  const { io, stderr, runner } = { ...defaultDeps, ...deps };
  let input: Record<string, unknown>;
  let region: WorkflowRegion;
  try {
    input = restoreInput(options);
    region = restoreRegion(options);
  } catch (err) {
    io.err(`lifeboat restore: ${(err as Error).message}`);
    return EXIT_USAGE;
  }
  const from = options.from ?? 'primary';
  try {
    const progress = progressLine(stderr, region === 'dr' ? "restore (the DR region's runbook)" : 'restore');
    const outcome = await (runner ?? (await runnerFor(options))).run('restore', input, (p) => progress.update(p), { region });
    progress.done();
    if (options.json) {
      io.out(JSON.stringify({ executionId: outcome.executionId, status: outcome.status, ...(outcome.status === 'SUCCEEDED' ? { report: outcome.output } : { error: outcome.error, cause: failureMessage(outcome) }) }, null, 2));
      return outcome.status === 'SUCCEEDED' ? EXIT_OK : EXIT_FAILED;
    }
    if (outcome.status !== 'SUCCEEDED') {
      const cause = failureMessage(outcome) ?? '';
      io.err(`Restore ${outcome.status}: ${outcome.error ?? 'unknown error'}: ${cause}`);
      for (const hint of await failureHints(outcome.error, cause, region, from, options, deps)) io.err(hint);
      io.err(executionLine(outcome, options.dataDir));
      return EXIT_FAILED;
    }
    const r = (outcome.output ?? {}) as RestoreReportView;
    const rows: [string, string][] = [
      ['Restore', r.restoreId ?? outcome.executionId],
      ['Backup', `${r.backupId ?? '?'} (source ${r.source ?? options.source}, ${r.vault ?? 'primary'} vault)`],
      ['Target', r.targetDescription ?? options.target],
      ['Entries', String(r.entries ?? 0)],
      ...(r.items !== undefined ? [['Items', String(r.items)] as [string, string]] : []),
      ['Bytes', String(r.bytes ?? 0)],
      ['Verified', `${r.verified?.entries ?? 0} entries equal to the backup`],
      ['Duration', `${((r.durationMs ?? 0) / 1000).toFixed(1)} s`],
    ];
    for (const [k, v] of rows) io.out(`${k.padEnd(10)}${v}`);
    if (r.timeToLiveOff) io.out(`${'TTL'.padEnd(10)}left off (--ttl off); the source expired items by "${escapeName(r.timeToLiveOff.attribute)}": ${r.timeToLiveOff.turnOnWith} turns it on, and DynamoDB then deletes within days the items past their time`);
    for (const line of shortfallLines(r)) io.out(line);
    return EXIT_OK;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // The CLI stopped following, not the restore, or the start may have begun it: it may run (its ARN and lines are in
    // the message), so its outcome is unknown (review r63Q F6, f64H), and no hint of a restore from the DR region, which
    // would race it into the target.
    const unknown = outcomeUnknownOf(err);
    // Any other throttle came before the start (the runner follows a started one through throttles): no restore began,
    // and the message said what was throttled alone (f65K).
    io.err(`lifeboat restore: ${unknown === undefined && isThrottledRequest(err) ? saidWithNextStep(message) : message}`);
    if (isUsageError(err)) return EXIT_USAGE;
    if (unknown !== undefined) {
      // The polls of Step Functions failed for 10 minutes: its region does not answer, not the restore (review r63F F4).
      if (err instanceof FollowingGaveUpError) io.err(`Step Functions in ${err.region} stopped answering; the restore may still run: describe it first (line above).`);
      // Only StartExecution went unanswered: the catalog and the vault were not asked, and the start may have begun the
      // restore, so no "the primary region does not answer … restore from the DR region" beside it (review r63Q F5).
      if ((err instanceof WorkflowStartUnansweredError || err instanceof WorkflowStartFoundNoneError) && readsAsSilence(message)) {
        io.err(
          `Step Functions in ${err.region} did not answer the start; ${
            err instanceof WorkflowStartUnansweredError
              ? 'the restore may or may not have started: describe it first (line above).'
              : 'the restore was not found so far: describe it again in a minute (line above).'
          }`,
        );
      }
      if (options.json) io.out(outcomeUnknownJson(unknown));
      return EXIT_OUTCOME_UNKNOWN;
    }
    for (const hint of await failureHints(err instanceof Error ? err.name : undefined, message, region, from, options, deps)) io.err(hint);
    return EXIT_FAILED;
  }
}

/**
 * The backup record that `verify` checks a vault against, read from the catalog of that vault's region:
 * the DR vault's is the DR catalog, which answers with the primary region down and with the DR account's
 * credentials (docs/DEPLOYMENT.md, "Operators"), and whose forgottenAt is about the DR vault. Only a
 * record the DR catalog lacks is read from the primary catalog; its forgottenAt is the primary vault's,
 * so it does not stop a verify of the DR vault. When the primary catalog cannot tell either (no such
 * record, region down, another account's table), what is said is that the DR catalog lacks it.
 */
async function recordToVerify(access: EnvironmentAccess, side: 'primary' | 'dr', backupId: string): Promise<RestorableBackup> {
  const own = await access.catalogIn(side).getBackup(backupId);
  if (own?.forgottenAt !== undefined) throw new ForgottenBackupError(backupId, own.forgottenAt, side);
  if (own !== undefined) return committedRecord(readBackupRecord(own));
  if (side === 'primary') throw new UnknownBackupError(backupId);
  const primary = await access
    .catalogIn('primary')
    .getBackup(backupId)
    .catch(() => undefined);
  if (primary === undefined) throw new UnknownBackupError(backupId, 'DR');
  return committedRecord(readBackupRecord(primary));
}

/**
 * A FAILED or RUNNING backup has no snapshots to check (its record's sources are empty), so a verify of it
 * would pass on nothing; it is refused as a restore refuses it (snapshotOfSource).
 */
function committedRecord(record: RestorableBackup): RestorableBackup {
  if (record.status === 'COMMITTED') return record;
  const next = record.status === 'RUNNING' ? 'wait for its run to commit it, or choose' : 'choose';
  throw new InvalidInputError(
    `Invalid verify request: backup ${record.backupId} is ${record.status}, and only COMMITTED backups can be verified; ${next} a committed backup (\`lifeboat backups list\`)`,
  );
}

export async function verifyCommand(options: VerifyCommandOptions, deps: Partial<RestoreCommandDeps> = {}): Promise<number> {
  const { io, clients, access: givenAccess } = { ...defaultDeps, ...deps };
  const side = options.from ?? 'primary';
  // Anything else would be read as the primary vault, and an OK for the wrong vault is worse than none.
  if (side !== 'primary' && side !== 'dr') {
    io.err(`lifeboat verify: --from must be primary or dr, got ${JSON.stringify(side)}`);
    return EXIT_USAGE;
  }
  try {
    // The record is read before the vault is opened: with the primary region down, its catalog is the first thing not to answer.
    const access = givenAccess ?? (await environmentAccess(options, clients, { primaryCatalogUnanswered: 'verify the copy in the DR vault instead, whose record the DR catalog keeps: --from dr' }));
    const record = await recordToVerify(access, side, options.backup);
    const result = await verifyBackup(await access.openVault(side), record, { readData: options.readData ?? false });
    if (options.json) io.out(JSON.stringify(result, null, 2));
    else {
      io.out(`${'SOURCE'.padEnd(20)}${'SNAPSHOT'.padEnd(14)}${'ENTRIES'.padStart(9)}${'BYTES'.padStart(14)}${'BLOBS'.padStart(9)}  RESULT`);
      for (const s of result.sources) {
        io.out(`${s.source.padEnd(20)}${s.snapshotId.slice(0, 12).padEnd(14)}${String(s.entries).padStart(9)}${String(s.bytes).padStart(14)}${String(s.blobs).padStart(9)}  ${s.ok ? 'OK' : 'FAILED'}`);
        for (const p of s.problems) io.out(`    ${p}`);
      }
      io.out(`${result.ok ? 'OK' : 'FAILED'}: backup ${result.backupId} in the ${side} vault${result.readData ? ', every blob read and re-hashed' : ' (structure; add --read-data to read every blob)'}`);
    }
    return result.ok ? EXIT_OK : EXIT_FAILED;
  } catch (err) {
    io.err(`lifeboat verify: ${err instanceof Error ? err.message : String(err)}`);
    // Only the environment: a backup that is not COMMITTED is an InvalidInputError too, and is a refusal (1).
    return isUnknownEnvironment(err) ? EXIT_USAGE : EXIT_FAILED;
  }
}

export function registerRestoreCommand(program: Command): void {
  withTargetOptions(program.command('restore').description('run the restore runbook: a backup (by id or point in time) of one source into a target, verified'))
    .requiredOption('--source <name>', 'the protected source to restore')
    .option('--backup <id>', 'backup id (see lifeboat backups list)')
    .option('--at <time>', 'point in time (ISO 8601 with a zone, Z or an offset such as +02:00, read as the instant it names): the newest committed backup that started at or before it (STARTED in backups list, not the time in its id)')
    .requiredOption('--target <spec>', 's3://bucket[/prefix] (a prefix is a folder: s3://b/restored writes restored/…), dynamodb://table or /absolute/directory')
    .option('--overwrite', 'allow restoring onto the original source or a non-empty target')
    .option('--keep-setid', 'directory targets: keep setuid/setgid bits (the runbook drops them by default)')
    .option('--allow-unprotected-target', 'S3 targets: restore into a bucket without default encryption or Block Public Access (refused otherwise)')
    .addOption(
      new Option('--ttl <on|off>', "DynamoDB targets: off leaves the source's TTL off on the restored table, so no restored item is deleted for being past its TTL time (default: on, as the source had it)").choices(['on', 'off']),
    )
    .addOption(new Option('--from <vault>', "the vault: primary or dr (dr: the DR region's restore runbook, which works with the primary region down; targets in the DR region)").choices(['primary', 'dr']).default('primary'))
    .addOption(
      new Option('--region <region>', "the region whose restore runbook runs (default: dr with --from dr, else primary); --region primary --from dr reads the DR vault from the primary region's runbook").choices([
        'primary',
        'dr',
      ]),
    )
    .option('--prefix <prefix>', 'restore only keys / paths under this prefix')
    .option(...REQUESTED_BY_OPTION, localRequester())
    .option('--workers <n>', 'local Lambda worker threads (1 to 64)', parseWorkerCount)
    .action(async (opts: RestoreCommandOptions) => {
      process.exitCode = await restoreCommand(opts);
    });
}

export function registerVerifyCommand(program: Command): void {
  withTargetOptions(program.command('verify').description('verify one backup in the vault: snapshots, manifests, blobs (and their data with --read-data)'))
    .requiredOption('--backup <id>', 'backup id')
    .option('--read-data', 'read, decrypt and re-hash every blob')
    .addOption(new Option('--from <vault>', 'the vault: primary or dr').choices(['primary', 'dr']).default('primary'))
    .option('--vault-key <key>', 'with --aws: the primary vault KMS key (ARN, id or alias); default: alias/lifeboat-<env>-vault')
    .action(async (opts: VerifyCommandOptions) => {
      process.exitCode = await verifyCommand(opts);
    });
}
