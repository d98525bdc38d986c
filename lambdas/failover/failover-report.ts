import { z } from 'zod';
import { saysCleanupFailed } from '../../config/cleanup-failed-note';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type DrillBackupLeftOut, type DrillNotRestored } from '../catalog/drill-record';
import { recordInstant } from '../catalog/record-instant';
import { ShortfallBudget, sourceShortfall } from '../drill/drill-shortfall';
import { caughtErrorSchema } from '../drill/drill-state';
import { caughtErrorOf } from '../drill/drill-verdict';
import { reportedBackupLeftOutSchema } from '../restore/reported-backup-left-out';
import { reportedNotRestoredSchema } from '../restore/reported-not-restored';
import { FAILED_MESSAGES_TOTAL_BYTES, HELD_BY_TEXT_BYTES } from '../../config/parent-state-size';
import { cutJsonText, jsonBytes } from '../restore/json-text-budget';
import { LAMBDA_INVOKE_PASSING_ERRORS } from '../../config/lambda-invoke-errors';
import { describeTarget } from '../restore/resolved-restore';
import { type RestoreTarget } from '../restore/restore-request';
import { ABORT_INCOMPLETE_UPLOADS_DAYS, ABORT_INCOMPLETE_UPLOADS_RULE } from '../restore/target-upload-lifecycle';
import { type RestoreReport } from '../restore/verify-restore';
import { shellWord } from '../runtime/shell-word';
import { type FailoverStart } from './failover-start';
import { mapFailureCauseOf } from './map-failure-cause';

/** The parts of a source's RestoreReport (lambdas/restore/verify-restore.ts) the failover report reads. */
export const restoredSourceSchema = z.object({
  restoreId: z.string().min(1),
  source: z.string().min(1),
  target: z.object({ type: z.enum(['s3', 'dynamodb', 'filesystem']) }),
  targetDescription: z.string(),
  entries: z.number().int().nonnegative(),
  items: z.number().int().nonnegative().optional(),
  bytes: z.number().int().nonnegative(),
  /** What the target lacks although the restore was verified: kept (bounded) in the source's report (review r58D F3). */
  notRestored: reportedNotRestoredSchema.optional(),
  /** What the restored backup itself did not hold whole of the source: kept (bounded) in the source's report (review f58O). */
  backupLeftOut: reportedBackupLeftOutSchema.optional(),
  durationMs: z.number().nonnegative(),
});
export type RestoredSource = Pick<RestoreReport, 'restoreId' | 'source' | 'targetDescription' | 'entries' | 'items' | 'bytes' | 'notRestored' | 'backupLeftOut' | 'durationMs'> & {
  target: { type: RestoreReport['target']['type'] };
};

/**
 * An iteration of `Restore sources` whose restore failed: its Catch (lib/constructs/failover-workflow.ts, `Source not
 * restored`) turns the failure into this item, so the Map goes on with the other sources and the report names every
 * one. `error`: the child restore's own error and cause, as Step Functions caught them.
 */
export const failedSourceSchema = z.object({ restoreId: z.string().min(1), source: z.string().min(1), failed: z.literal(true), error: caughtErrorSchema });
export type FailedSource = z.infer<typeof failedSourceSchema>;

function isFailedSource(item: RestoredSource | FailedSource): item is FailedSource {
  return 'failed' in item && item.failed === true;
}

/** An item of `$.restored`: the source's restore report, or its failure; told apart by `failed`. */
export const sourceOutcomeSchema = z.discriminatedUnion('failed', [failedSourceSchema, restoredSourceSchema.extend({ failed: z.undefined().optional() })]);

/**
 * One source of the failover: where it now is, what was restored, and how long its restore took; `from`
 * says whether that is its mirror (nothing restored) or a restore from the DR vault, and `reason` why.
 */
export type FailoverSourceReport = {
  source: string;
  type: 's3' | 'dynamodb' | 'filesystem';
  target: string;
  entries: number;
  /** A DynamoDB source's items (its `entries` are the pages that hold them). */
  items?: number;
  bytes: number;
  rtoSeconds: number;
  from?: 'mirror' | 'vault';
  reason?: string;
  /** With `from` mirror: how old its data may be at the failover's start (the report's RPO counts it; the backup's age is not this source's). */
  dataAgeSeconds?: number;
  /**
   * Restored in part: what the target lacks although its restore was verified (its report's `notRestored`: sockets,
   * devices, and in AWS FIFOs and extended attributes), as a drill keeps it: `count` every entry or attribute, `kinds`
   * their reasons, `first` the first 10 (`entries`: how many one said once stands for), every text cut to 256 UTF-8 bytes
   * and all sources' lists to 32 KiB together (drill-shortfall.ts), so the report stays within the state's 256 KiB.
   * Absent when it lacks nothing.
   */
  notRestored?: DrillNotRestored;
  /**
   * What the restored backup itself did not hold whole of the source, so neither does the target (its report's
   * `backupLeftOut`: archived or unreadable entries skipped, entries that vanished or changed while read, the whole
   * source's counts, with their first reason lines; or `unknown`, why that could not be told), as a drill keeps it: the
   * counts whole, up to 10 reason lines within the same budget as `notRestored`'s. Absent when it left nothing out.
   * Until review f58O the report dropped it, and such a source read "restored and verified".
   */
  backupLeftOut?: DrillBackupLeftOut;
};

/** A source whose restore failed: not live. Its target may hold part of the restore, so it is no target for the applications. */
export type FailoverFailedSource = {
  source: string;
  type: 's3' | 'dynamodb' | 'filesystem';
  target: string;
  /** The error's name (the restore step's own, e.g. RestoreIncompleteError, or States.Timeout). */
  error: string;
  /** Its message (a Lambda error's `errorMessage`), at most MAX_FAILED_MESSAGE characters, within what the failed sources' messages share (FAILED_MESSAGES_TOTAL_BYTES). */
  message: string;
  /** What to do about it. */
  action: string;
  /**
   * Its restore was refused (RestoreTargetClaimedError): the restore that holds the target's claim, e.g. another
   * failover's `<execution>-<source>` ("another restore" if its message names none). This failover wrote nothing
   * there, and leaves the source out of `finish`. Refused at its own restore id (review rBB F3): the execution that
   * holds the id, `<arn> (restore id <id>)`, which may hold another target; its action says whether this one may hold
   * anything, and the input that fails the source over again.
   */
  heldBy?: string;
  /**
   * Its restore stopped in its first step, Validate and resolve (its error is one of TARGET_UNWRITTEN_ERRORS), which
   * writes nothing to the target: this failover wrote nothing there, and finishes it without `overwrite`
   * (`finishWithoutOverwrite`), never over what another failover or restore may have written there since. (A target's
   * own refusal, RestoreTargetNotEmptyError or RestoreTargetNotAllowedError, may also come from Verify restore, after
   * the writes: its action says so; the finish without overwrite is refused by the same check then.)
   */
  wroteNothing?: true;
};

/**
 * The runbook input that finishes a partial failover: the same plan, backup and targets, only the failed sources
 * whose restores may have written their targets (not those refused because another restore holds them, nor those
 * that stopped before writing: `wroteNothing`), over what their targets partly hold (`overwrite`, which the approver
 * sees). Without the other fields of the first input: `requestedBy` is the new starter's, and `useMirrors` goes with
 * the backup named.
 */
export type FailoverFinishInput = { plan: string; backupId: string; targetSuffix?: string; overwrite: true; sources: string[] };

/**
 * The runbook input that finishes the failed sources whose restores wrote nothing to their targets (`wroteNothing`):
 * as `finish`, without `overwrite`, so that its Validate failover refuses a target another failover or restore has
 * written since rather than replace that data.
 */
export type FailoverFinishWithoutOverwriteInput = Omit<FailoverFinishInput, 'overwrite'>;

/** The failover runbook's result. */
export type FailoverReport = {
  failoverId: string;
  plan: string;
  backup: FailoverStart['backup'];
  startedAt: string;
  finishedAt: string;
  sources: FailoverSourceReport[];
  /** From the failover's start to its report: how long the plan's data was unavailable, at least. */
  rtoSeconds: number;
  /**
   * The age of the data at the failover's start, the oldest source's (backup age, or a mirror's data age): what was lost,
   * at most. Absent when unknown: the backup restored from the vault has a `startedAt` that is not a time (hand-written).
   */
  rpoSeconds?: number;
  /**
   * `rtoMet` is false while a source is not live: the plan's data is not all back. `rpoMet` is absent with `rpoSeconds`:
   * an RPO that cannot be measured is claimed neither met nor missed (review r64O F5).
   */
  objectives: { rtoMinutes: number; rpoMinutes: number; rtoMet: boolean; rpoMet?: boolean };
  /** The sources whose restore failed; absent when every source is live (`sources` lists the live ones only). */
  failed?: FailoverFailedSource[];
  /**
   * With `failed`: the input that restores just those whose restores may have written their targets, over what they
   * partly hold (docs/RUNBOOKS.md, "A source fails"); absent when there is none (every failed source `heldBy` another
   * restore, or `wroteNothing`).
   */
  finish?: FailoverFinishInput;
  /** With `failed`: the input that restores those that wrote nothing to their targets (`wroteNothing`), without overwrite; absent when there is none. */
  finishWithoutOverwrite?: FailoverFinishWithoutOverwriteInput;
};

/** A failed source's message in the report: room for what the error says to do, not for every key it lists. */
export const MAX_FAILED_MESSAGE = 1000;

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

// Errors that outlast the retries without anything being wrong with the data or the input: a Lambda invocation still
// throttled or failing after the workflows' retries too (one a mass failover meets when it fills the DR region's
// concurrency), by the names the state machines retry it by (review r61F F3).
const PASSING: ReadonlySet<string> = new Set(['TransientError', 'States.Timeout', 'States.HeartbeatTimeout', 'RestoreSourceNotFinished', ...LAMBDA_INVOKE_PASSING_ERRORS]);

// The error of a restore refused because another restore holds its target's claim (restore-target-claimed-error.ts).
const TARGET_CLAIMED = 'RestoreTargetClaimedError';

/**
 * The errors that say a source's restore wrote nothing to its target: raised only by its first step, Validate and
 * resolve (resolve-restore.ts), which writes nothing there (only its claim on the target and its pin on the backup;
 * Plan restore shards creates the table or directory, Restore shard writes the data), or they refuse the target
 * itself, which another run then holds or changed (RestoreTargetNotEmptyError, RestoreTargetNotAllowedError: also
 * the later steps' when the target directory was replaced by a file or a link). The report has only a failed
 * restore's error name, and a name the resolve step shares with the steps that write (TransientError, a timeout,
 * ForgottenBackupError, SnapshotMismatchError, InvalidInputError, …) does not say where the restore stopped: such a
 * source may hold part of the restore and is finished with `overwrite`, as before.
 */
export const TARGET_UNWRITTEN_ERRORS: readonly string[] = [
  'BackupNotReplicatedError',
  'UnknownBackupError',
  'NoBackupAtTimeError',
  'RestoreTargetNotEmptyError',
  'RestoreTargetNotAllowedError',
  'RestoreTargetUnprotectedError',
];

/**
 * The restore that holds the target, as RestoreTargetClaimedError's message names it ("… is being restored by
 * restore <id> (…"): the caught error carries only its name and message.
 */
export function claimHolderOf(message: string): string | undefined {
  return /\bis being restored by restore (\S+) \(/.exec(message)?.[1];
}

/**
 * The execution that holds a refused restore's own restore id (review rBB F3), as RestoreTargetClaimedError's message
 * for a restore id's claim names it ("restore id <id> is claimed by another execution <arn>, not this one (…), since
 * <at>, restoring <target>: …"): `execution` absent for one that recorded none. No restore holds the refused one's
 * target then: the execution holds its restore id, and `target` is the one it restores.
 */
export type RestoreIdHolder = { restoreId: string; execution?: string; target: string };

export function restoreIdHolderOf(message: string): RestoreIdHolder | undefined {
  const match = /\brestore id (\S+) is claimed by (?:another execution (\S+), not this one|an execution that recorded none) .*?, restoring (.+?): a restore's pin and plan/.exec(message);
  if (!match?.[1] || match[3] === undefined) return undefined;
  return { restoreId: match[1], ...(match[2] !== undefined ? { execution: match[2] } : {}), target: match[3] };
}

/**
 * A part of a caught message (the holder's restore id, execution or target) shown in `heldBy` or an action: cut to
 * HELD_BY_TEXT_BYTES as JSON writes it. The message is as long as its cause allows, and every failed source's report
 * shares the failover's state (review r58I F2).
 */
const shown = (text: string): string => cutJsonText(text, HELD_BY_TEXT_BYTES);

/** What a source refused at its restore id is held by, for `heldBy`: the execution, never a restore of its target. */
function restoreIdHeldBy(holder: RestoreIdHolder): string {
  return `${holder.execution !== undefined ? shown(holder.execution) : 'an execution that recorded none'} (restore id ${shown(holder.restoreId)})`;
}

function restoreIdClaimedAction(target: string, holder: RestoreIdHolder, again: FailoverFinishWithoutOverwriteInput): string {
  const by = holder.execution !== undefined ? `execution ${shown(holder.execution)}` : 'an execution that recorded none (started before claims named their execution)';
  const refused =
    `This source's restore was refused in its first step (Validate and resolve), before writing to ${target}: its restore id ${shown(holder.restoreId)} is claimed by ${by}, which restores ${shown(holder.target)} ` +
    '(a failover stopped and redriven keeps its restores\' ids, <its execution>-<source>, so its stopped child holds them; or an execution was started by hand with this id). ' +
    'It is in neither "finish" nor "finishWithoutOverwrite". ';
  // Only a restore of the same id and the same target (this failover's stopped child) may have written there.
  const next =
    holder.target === target
      ? `That execution claimed ${target} too and may have written part of its restore there: once it is no longer running, free its claims (docs/RUNBOOKS.md, "Freeing a stuck claim") or wait for them to lapse, check what ${target} holds, and fail this source over again, alone (a new failover's restores have new ids): ${JSON.stringify({ ...again, overwrite: true })} to replace what it partly holds.`
      : `${target} is not that execution's and this failover wrote nothing there: fail this source over again, alone (a new failover's restores have new ids), without "overwrite": ${JSON.stringify(again)}.`;
  return refused + next;
}

function claimedAction(target: string, holder: string | undefined): string {
  const other = holder !== undefined ? `restore ${holder}` : 'another restore';
  return (
    `This failover wrote nothing to ${target}: ${other} holds it (another failover, restore or drill into the same target; a failover's restores are named <its execution>-<source>). ` +
    `It is not in "finish": do not restore this source there with "overwrite", which would replace what ${other} restored and the applications may already use. ` +
    `Wait for ${other} to end (if its failover completes, this source is live at that target, with that failover's backup: its report says so), or fail this source over with another "targetSuffix".`
  );
}

// Errors a target raises itself (a link or a file on its path, or data in it): the resolve step's, and Verify
// restore's too when the target was changed under a restore that had written it (target-directory.ts).
const TARGET_REFUSED = new Set(['RestoreTargetNotEmptyError', 'RestoreTargetNotAllowedError']);

function unwrittenAction(target: string, error: string, startedWithOverwrite: boolean): string {
  const stopped = TARGET_REFUSED.has(error)
    ? `This failover's restore was refused by ${target} itself (the error says what is there: data, or a link or file on its path), most likely in its first step (Validate and resolve), before writing; if the refusal came in Verify restore, after the shards had written, the target may hold part of the restore. `
    : `This failover wrote nothing to ${target}: its restore stopped in its first step (Validate and resolve), which writes only its claim on the target and its pin on the backup. `;
  // Started with overwrite, the target may still hold what the approver agreed to replace: a finish without it is
  // refused then, for this failover's own reason, not because another run wrote there.
  const refusal = startedWithOverwrite
    ? `this failover was started with "overwrite", so ${target} may still hold the data it was to replace, and that run is refused until you have checked what it holds and add "overwrite" (--overwrite) knowingly`
    : `if another failover or restore has written ${target} since, that run is refused rather than replace it`;
  return (
    stopped +
    'Fix what the error names (the restore\'s own error; "lifeboat executions show" or the child restore execution has the rest), ' +
    `then restore it with the input in "finishWithoutOverwrite" (this source only, the same backup, without "overwrite"): ${refusal}; ` +
    'or restore it alone from the DR vault with the restore runbook (lifeboat restore --from dr).'
  );
}

// A child restore that timed out or was stopped (its own execution, not one of its steps) ran no Catch, so its Abandon
// restore never aborted its uploads nor removed its `.part` files (audit aT1-2); States.Timeout may also be a step's.
const UNFINISHED = new Set(['States.Timeout', 'RestoreSourceNotFinished']);

/**
 * Whether an S3 target's lifecycle configuration aborts a stopped restore's uploads: what Validate failover found or
 * put (`bucketsAbortingUploads`), or unknown in the state of a failover started before it was kept.
 */
function uploadRuleOf(bucket: string, bucketsAbortingUploads: readonly string[] | undefined): string {
  const rule = `lifecycle rule ${ABORT_INCOMPLETE_UPLOADS_RULE} aborts it ${ABORT_INCOMPLETE_UPLOADS_DAYS} days after it began`;
  const yourself = `abort it yourself ("aws s3api abort-multipart-upload")`;
  if (bucketsAbortingUploads === undefined) {
    return `If ${bucket}'s lifecycle configuration holds ${ABORT_INCOMPLETE_UPLOADS_RULE} ("aws s3api get-bucket-lifecycle-configuration --bucket ${bucket}"), its ${rule}; else ${yourself} unless a rule of its own does.`;
  }
  if (bucketsAbortingUploads.includes(bucket)) return `Its ${rule}.`;
  return `${bucket} has a lifecycle configuration of its own, which the failover left as it was, without ${ABORT_INCOMPLETE_UPLOADS_RULE}: ${yourself} unless a rule of its own does.`;
}

/**
 * What a restore that ran no Abandon restore may have left in its target, and how it goes: named by its restore id,
 * since the finish restores under a new one and leaves them alone.
 */
function leftByUnfinished(restoreId: string, target: RestoreTarget, bucketsAbortingUploads: readonly string[] | undefined): string {
  const unfinished = `If its restore (restore id ${restoreId}) timed out or was stopped, it ran no Abandon restore, and the finish (a new restore id) does not clean up after it: `;
  if (target.type === 's3') {
    return (
      unfinished +
      `${target.bucket} may keep an incomplete multipart upload of it (billed while it lasts; "aws s3api list-multipart-uploads --bucket ${target.bucket}"). ` +
      uploadRuleOf(target.bucket, bucketsAbortingUploads)
    );
  }
  if (target.type === 'filesystem') {
    return unfinished + `${target.path} may keep its pieces, .<name>.lifeboat-${restoreId}.part files: once its execution has ended, remove them (find ${shellWord(target.path)} -name '.*.lifeboat-${restoreId}.part' -delete).`;
  }
  return '';
}

// The child restore's Distributed Map `Restore shards` tolerates no failed shard (restore-source-chain.ts): a shard whose
// invocation stayed throttled, as in a mass failover, fails the restore with this name, not with the shard's own error.
const SHARD_FAILED = 'States.ExceedToleratedFailureThreshold';

const TO_THE_RUNBOOK = 'or restore it alone from the DR vault with the restore runbook (lifeboat restore --from dr)';

/**
 * A restore stopped by a failed shard (review r61M F1): its error names neither the shard nor why, so the action says
 * where the shard's own error is and which ones are a passing fault; the local executor's cause names the first, and
 * one that is passing is said outright only when its child execution is the only one that failed (review r61X F3: the
 * others may be of the data; review r61AE F1: a child fails all its shards).
 * `messageWhole`: the report shows the source's message uncut, so it has the shard's words (review r61X F2).
 */
function shardFailedAction(message: string, finish: string, messageWhole: boolean): string {
  // The local executor's cause names the first failed shard's error and counts shards and child executions (batches of
  // up to 10 shards: one throttled child fails every shard of its batch, review r61AE F1); AWS's names none.
  const { firstError: shardError, failedShards, failedChildren } = mapFailureCauseOf(message);
  // One failed child's shards all failed with its error; without the child count, only one shard is surely one failure.
  const onlyOne = failedChildren !== undefined ? failedChildren === 1 : failedShards === 1;
  if (shardError !== undefined && PASSING.has(shardError) && onlyOne) {
    return `A passing fault (throttling, a timeout) outlasted the retries: a restore shard failed with ${shardError}; ${finish}.`;
  }
  const where =
    'the map run\'s results in the DR vault (restore-plans/map-runs/<map run id>/FAILED_0.json) and the failed shard\'s execution have its own error ' +
    '(console: the child restore execution, which the failover\'s "Restore source" step of this source links, its "Restore shards" state, Map Run; locally "lifeboat executions show")';
  if (shardError !== undefined) {
    const first = onlyOne
      ? 'the first that failed'
      : failedChildren !== undefined
        ? `the first of ${failedChildren} child executions that failed (${failedShards ?? 'their'} shards); the others' errors are in FAILED_0.json`
        : `the first of ${failedShards ?? 'those'} that failed; the others' errors are in FAILED_0.json`;
    const words = messageWhole ? '; the message has its words' : '';
    if (PASSING.has(shardError)) {
      return (
        `A restore shard failed with ${shardError}, a passing fault that outlasted the retries (${first}${words}, ${where}). ` +
        `If the others' are passing faults too, ${finish}. Otherwise fix what they name, ${finish}; ${TO_THE_RUNBOOK}.`
      );
    }
    return `A restore shard failed with ${shardError} (${first}${words}, ${where}): fix what it names, ${finish}; ${TO_THE_RUNBOOK}.`;
  }
  return (
    `A restore shard failed (the Distributed Map "Restore shards" of the child restore tolerates none, and this error names neither the shard nor why): ${where}. ` +
    `If it is a throttle or a Lambda service error (${LAMBDA_INVOKE_PASSING_ERRORS.join(', ')}), a TransientError or a timeout (States.Timeout), ` +
    `it is a passing fault that outlasted the retries: ${finish}. Otherwise fix what it names, ${finish}; ${TO_THE_RUNBOOK}.`
  );
}

function actionFor(error: string, message: string, messageWhole: boolean, restoreId: string, target: RestoreTarget, bucketsAbortingUploads: readonly string[] | undefined): string {
  const finish = 'then restore it with the input in "finish" (this source only, the same backup, over what its target partly holds)';
  if (UNFINISHED.has(error)) return `A passing fault (throttling, a timeout) outlasted the retries: ${finish}. ${leftByUnfinished(restoreId, target, bucketsAbortingUploads)}`.trimEnd();
  if (error === SHARD_FAILED) return shardFailedAction(message, finish, messageWhole);
  return PASSING.has(error)
    ? `A passing fault (throttling, a timeout) outlasted the retries: ${finish}.`
    : `Fix what the error names (the restore's own error; "lifeboat executions show" or the child restore execution has the rest), ${finish}; ${TO_THE_RUNBOOK}.`;
}

/**
 * What the action adds when the source's message says its cleanup step failed too (config/cleanup-failed-note.ts): the
 * finish it suggests is refused while the restore's claim stands (review r59K F3). The message may be cut in the report.
 */
function cleanupFailedAction(message: string): string {
  if (!saysCleanupFailed(message)) return '';
  return (
    ' Its cleanup step (Abandon or Release restore) failed too: the finish is refused with RestoreTargetClaimedError until the restore\'s claim on its target lapses ' +
    '(the restore workflow\'s timeout after it began: 24 hours, 72 with an archive tier) or is freed (docs/RUNBOOKS.md, "Freeing a stuck claim"), ' +
    'and its incomplete multipart uploads or .part piece files may be left in the target.'
  );
}

/** A restore result the report cannot place, or a source without one: the Map and the start disagree. */
export class FailoverReportMismatchError extends Error {
  override readonly name = 'FailoverReportMismatchError';
}

/** The plan's objectives are read from the function's configuration: the plan may have been removed since the start. */
export class FailoverPlanUnknownError extends Error {
  override readonly name = 'FailoverPlanUnknownError';
}

/**
 * Rounded up: a report never shows a recovery faster, or data fresher, than it was. Read as recordInstant reads a record's
 * time (a zoneless one as UTC, as the failover's choice of the newest backup does), not in the process's zone: the same
 * failover's RPO was another on each machine (review r64O F5). NaN when either is no time.
 */
const seconds = (fromIso: string, toIso: string): number => Math.max(0, Math.ceil((recordInstant(toIso) - recordInstant(fromIso)) / 1000));

/** The targetSuffix the execution's input named, if any (it passed Validate failover, so it is a valid one). */
function targetSuffixOf(request: unknown): string | undefined {
  const suffix = request !== null && typeof request === 'object' ? (request as { targetSuffix?: unknown }).targetSuffix : undefined;
  return typeof suffix === 'string' ? suffix : undefined;
}

/**
 * The failover's last state, reached whether or not every source was restored: per live source its
 * target and figures (a restore from the DR vault, or its mirror), per failed source its error and what
 * to do, the RTO of the whole failover (start → `finishedAt`), the RPO of the data restored (the backup's
 * age at the start), and both against the plan's objectives. Pure: everything comes from the state's
 * input (`request`: the execution's input, for the finishing input's targetSuffix) and the plans.
 */
export function failoverReport(
  input: { failover: FailoverStart; restored: readonly (RestoredSource | FailedSource)[]; finishedAt: string; request?: unknown },
  plans: readonly ProtectionPlanConfig[],
): FailoverReport {
  const { failover, restored } = input;
  const plan = plans.find((p) => p.name === failover.plan);
  if (!plan) throw new FailoverPlanUnknownError(`Plan "${failover.plan}" of failover ${failover.failoverId} is not in this function's configuration; its objectives are unknown`);
  const byId = new Map(restored.map((r) => [r.restoreId, r]));
  const unknown = restored.filter((r) => !failover.restores.some((s) => s.restoreId === r.restoreId)).map((r) => r.restoreId);
  if (unknown.length > 0) throw new FailoverReportMismatchError(`Restore results ${unknown.join(', ')} belong to no source of failover ${failover.failoverId}`);
  const choices = failover.choices ?? [];
  const choiceOf = (source: string) => choices.find((c) => c.source === source);
  const targetSuffix = targetSuffixOf(input.request);
  const finishing = { plan: failover.plan, backupId: failover.backup.backupId, ...(targetSuffix !== undefined ? { targetSuffix } : {}) };
  const restoredSources: FailoverSourceReport[] = [];
  const failed: FailoverFailedSource[] = [];
  // The sources' lists of what their targets lack share one budget, in the failover's order of restores.
  const shortfall = new ShortfallBudget();
  // So do the failed sources' messages: each of MAX_FAILED_MESSAGE characters at most, cut to what is left of
  // FAILED_MESSAGES_TOTAL_BYTES as JSON writes them ("…" once it is spent); their error and action are kept whole. Each
  // alone as long as its cause allows, many failed sources' messages took the report past the state's limit (review r58I F2).
  let messagesLeft = FAILED_MESSAGES_TOTAL_BYTES;
  const shownMessage = (message: string): string => {
    const kept = cutJsonText(clip(message, MAX_FAILED_MESSAGE), messagesLeft);
    messagesLeft = Math.max(0, messagesLeft - jsonBytes(kept));
    return kept;
  };
  for (const { restoreId, request } of failover.restores) {
    const report = byId.get(restoreId);
    if (!report) throw new FailoverReportMismatchError(`Failover ${failover.failoverId} has no restore result for source "${request.source}" (restore ${restoreId})`);
    if (isFailedSource(report)) {
      const { error, message } = caughtErrorOf(report.error);
      const target = describeTarget(request.target);
      if (error === TARGET_CLAIMED) {
        const idHolder = restoreIdHolderOf(message);
        if (idHolder) {
          // Refused at its restore id: no restore holds the target; the action says whether it may hold anything.
          const again = { ...finishing, sources: [request.source] };
          failed.push({ source: request.source, type: request.target.type, target, error, message: shownMessage(message), action: restoreIdClaimedAction(target, idHolder, again), heldBy: restoreIdHeldBy(idHolder) });
          continue;
        }
        // Refused before it wrote: the target is the holder's, never this failover's to finish over.
        const holder = claimHolderOf(message);
        const shownHolder = holder !== undefined ? shown(holder) : undefined;
        failed.push({ source: request.source, type: request.target.type, target, error, message: shownMessage(message), action: claimedAction(target, shownHolder), heldBy: shownHolder ?? 'another restore' });
        continue;
      }
      if (TARGET_UNWRITTEN_ERRORS.includes(error)) {
        // Its target holds nothing of this failover's: only a finish without overwrite may restore it there.
        failed.push({ source: request.source, type: request.target.type, target, error, message: shownMessage(message), action: unwrittenAction(target, error, request.overwrite), wroteNothing: true });
        continue;
      }
      const shownText = shownMessage(message);
      const action = actionFor(error, message, shownText === message, restoreId, request.target, failover.bucketsAbortingUploads) + cleanupFailedAction(message);
      failed.push({ source: request.source, type: request.target.type, target, error, message: shownText, action });
      continue;
    }
    const reason = choiceOf(request.source)?.reason;
    restoredSources.push({
      source: request.source,
      type: report.target.type,
      target: report.targetDescription,
      entries: report.entries,
      ...(report.items !== undefined ? { items: report.items } : {}),
      bytes: report.bytes,
      rtoSeconds: Math.ceil(report.durationMs / 1000),
      ...(choices.length > 0 ? { from: 'vault' as const, ...(reason !== undefined ? { reason } : {}) } : {}),
      ...sourceShortfall(report, shortfall),
    });
  }
  const mirrored = choices.filter((c) => c.use === 'mirror');
  const mirrorSources = mirrored.map((c): FailoverSourceReport => ({ source: c.source, type: c.type, target: c.target ?? '', entries: 0, bytes: 0, rtoSeconds: 0, from: 'mirror', reason: c.reason, ...(c.dataAgeSeconds !== undefined ? { dataAgeSeconds: Math.ceil(c.dataAgeSeconds) } : {}) }));
  // In the plan's order.
  const order = choices.map((c) => c.source);
  const inPlanOrder = <T extends { source: string }>(list: T[]): T[] => list.sort((x, y) => order.indexOf(x.source) - order.indexOf(y.source));
  const sources = inPlanOrder([...restoredSources, ...mirrorSources]);
  const finishedAt = new Date(input.finishedAt).toISOString();
  const rtoSeconds = seconds(failover.startedAt, finishedAt);
  const backupAge = failover.restores.length > 0 || mirrored.length === 0 ? seconds(failover.backup.startedAt, failover.startedAt) : 0;
  const rpoSeconds = Math.max(backupAge, ...mirrored.map((c) => Math.ceil(c.dataAgeSeconds ?? 0)));
  // NaN (JSON null) was judged "NOT MET" and printed as "NaN s": unknown, the report says so and claims neither.
  const rpoKnown = Number.isFinite(rpoSeconds);
  const { rtoMinutes, rpoMinutes } = plan.objectives;
  const ordered = inPlanOrder(failed);
  const toFinish = ordered.filter((f) => f.heldBy === undefined && f.wroteNothing === undefined).map((f) => f.source);
  const toFinishWithoutOverwrite = ordered.filter((f) => f.wroteNothing === true).map((f) => f.source);
  return {
    failoverId: failover.failoverId,
    plan: failover.plan,
    backup: failover.backup,
    startedAt: failover.startedAt,
    finishedAt,
    sources,
    rtoSeconds,
    ...(rpoKnown ? { rpoSeconds } : {}),
    objectives: { rtoMinutes, rpoMinutes, rtoMet: failed.length === 0 && rtoSeconds <= rtoMinutes * 60, ...(rpoKnown ? { rpoMet: rpoSeconds <= rpoMinutes * 60 } : {}) },
    ...(failed.length > 0
      ? {
          failed: ordered,
          ...(toFinish.length > 0 ? { finish: { ...finishing, overwrite: true as const, sources: toFinish } } : {}),
          ...(toFinishWithoutOverwrite.length > 0 ? { finishWithoutOverwrite: { ...finishing, sources: toFinishWithoutOverwrite } } : {}),
        }
      : {}),
  };
}
