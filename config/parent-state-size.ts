import { type SourceConfig } from './lifeboat-config';
import { failoverTargetName, MAX_BUCKET_NAME } from './failover-target-name';

/**
 * How large a drill's or a failover's Step Functions state can get, from the number of its plan's sources and their
 * names and targets, at the bounds the workflows keep every per-source field within. A state over 256 KiB ends the
 * execution States.DataLimitExceeded, which no Catch takes: a drill whose `Restore sources` Map went over stopped with
 * its pins and scratch targets left; one whose last step went over had recorded PASSED and still failed; a failover
 * that restored every source printed no report (review r58I F2: from ~62 sources of long paths). Synth warns of a plan
 * whose worst case passes the limit, and refuses one whose least state already does (lib/constructs/drill-workflow.ts,
 * failover-workflow.ts); test/unit/config/parent-state-size.test.ts builds the states with the workflows' own code and
 * checks that this model is never below them.
 */

/** Step Functions' limit on a state's input and output: 256 KiB of UTF-8 JSON (the local executor enforces it too). */
export const STATE_LIMIT_BYTES = 262_144;

/**
 * The lists of every source's restore report in a drill's or failover's `$.restored` (notRestored's reasons and paths,
 * the backup's reason lines), their texts as JSON writes them, all sources together: each source's report takes its
 * share (reportListsShare), whatever the number of sources.
 */
export const REPORT_LISTS_TOTAL_BYTES = 80 * 1024;

/** The bytes of texts one source's restore report may carry in its parent's state, the parent having `sources` sources. */
export function reportListsShare(sources: number): number {
  return Math.floor(REPORT_LISTS_TOTAL_BYTES / Math.max(1, Math.floor(sources)));
}

/** A restore-source child started without the count (by a parent deployed before it was passed): the share 40 sources had. */
export const SOURCES_NOT_GIVEN = 40;

/**
 * The drill's live comparison's texts (its errors' messages, why a source was not compared, its notes), all sources
 * together, as JSON writes them (lambdas/drill/comparison-texts.ts): a text past it is cut, its error kept.
 */
export const COMPARISON_TEXTS_TOTAL_BYTES = 16 * 1024;

/** The drill cleanup's lines of earlier drills' targets swept and of errors, together (lambdas/drill/cleanup-lines.ts). */
export const CLEANUP_LINES_TOTAL_BYTES = 8 * 1024;

/**
 * A failed source's caught error's cause as its parent's state writes it (lambdas/restore/bounded-failure.ts): a
 * message of 2,000 plain characters fits; one of control characters (JSON in JSON: seven bytes each) is cut shorter.
 * Every path bounds it (lib/constructs/restore-source-chain.ts, failurePath): the cleanup step's copy, `Bound restore's
 * error` when that step failed after its retries, else a fixed cause (UNBOUNDED_CAUSE); a child stopped or timed out
 * ends with a fixed cause too (restore-source-state-machine.ts, `Source not finished`; review r59A F1).
 */
export const FAILURE_CAUSE_STATE_BYTES = 2_560;

// What the workflows keep of per-source texts elsewhere, as their own files bound them (the test checks the model).
/** Items of notRestored a source's report lists, distinct reasons, and reason lines of the backup (its record keeps 3). */
const LISTED = 10;
const KINDS = 10;
const EXAMPLES = 10;
/** All sources' shortfall lists in a failover's report (lambdas/drill/drill-shortfall.ts). */
const SHORTFALL_TOTAL_BYTES = 32 * 1024;
/**
 * A failed source's action in the failover's report (failover-report.ts): its words (some 1,400 characters at most, the
 * input that fails it over again included), its target named up to four times, its restore id twice, and what the
 * cause names of the execution that holds its restore id and its target (HELD_BY_TEXT_BYTES each).
 */
const ACTION_WORDS_BYTES = 1_400;
/** The failed sources' messages in a failover's report, together, as JSON writes them (failover-report.ts). */
export const FAILED_MESSAGES_TOTAL_BYTES = 32 * 1024;

/** What a failover's report shows of a caught message's parts (the restore that holds a target, its execution: failover-report.ts). */
export const HELD_BY_TEXT_BYTES = 256;

/** A failover's FailoverIncompleteError cause as the state writes it (failover-incomplete.ts): within its 32,768 characters. */
export const INCOMPLETE_CAUSE_STATE_BYTES = 40 * 1024;

/** A caught error's cause at `$.error` or `$.cleanupError` (a Lambda's message and trace), allowed for each. */
const CAUGHT_ERROR_BYTES = 8 * 1024;
/** The execution's input (the drill's or failover's request: a plan, ids, a suffix, requestedBy of 512 characters). */
const EXECUTION_INPUT_BYTES = 2 * 1024;
/** What else a drill's or failover's state holds once: its execution's name and start, the start step's ids, backup, RPO, approval. */
const HEADER_BYTES = 2 * 1024;
/** The largest integer a count or size is written with. */
const NUMBER = Number.MAX_SAFE_INTEGER;
/** Longest error name kept for a failed source (a Lambda error's type, States.*). */
const ERROR_NAME = 'X'.repeat(64);
/** Longest restore id (drill-start.ts, failover-start.ts), backup id, snapshot id. */
const RESTORE_ID = 'r'.repeat(80);
const BACKUP_ID = '20261205T100000Z-1a2b3c4d';
const SNAPSHOT_ID = 'f'.repeat(64);
/** A text cut to nothing where a budget was spent: "…" (three bytes). */
const CUT = '…';
/** A mirror choice's reason (lambdas/mirror/mirror-choice.ts): some 300 characters with the mirror's name. */
const CHOICE_REASON = 'x'.repeat(400);

/** A restore target as the state writes it (lambdas/restore/restore-request.ts), and as reports describe it. */
export type StateTarget = { type: 's3'; bucket: string; prefix: string } | { type: 'dynamodb'; table: string } | { type: 'filesystem'; path: string };

/** One source of the plan, with the longest target the workflow can give it. */
export type StateSource = { name: string; target: StateTarget };

/** How a report describes a target (lambdas/restore/resolved-restore.ts, describeTarget), at most. */
function targetDescription(target: StateTarget): string {
  if (target.type === 's3') return `s3://${target.bucket}/${target.prefix}`;
  if (target.type === 'dynamodb') return `dynamodb table ${target.table}`;
  return `directory ${target.path}`;
}

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** An item of `$.drill.restores` / `$.failover.restores` (its request with every default written), and its comma. */
function restoreItemBytes(source: StateSource): number {
  return bytesOf({ restoreId: RESTORE_ID, request: { source: source.name, backupId: BACKUP_ID, target: source.target, overwrite: false, keepSetIdBits: false, allowUnprotectedTarget: false, vault: 'primary' } }) + 1;
}

/** A restored source's item of `$.restored`: its report's fields at their longest and its lists' items and keys (their texts are REPORT_LISTS_TOTAL_BYTES'). */
function reportBytes(source: StateSource): number {
  const listed = { path: CUT, what: CUT, entries: NUMBER };
  return (
    bytesOf({
      restoreId: RESTORE_ID,
      backupId: BACKUP_ID,
      source: source.name,
      snapshotId: SNAPSHOT_ID,
      vault: 'primary',
      target: source.target,
      targetDescription: targetDescription(source.target),
      entries: NUMBER,
      bytes: NUMBER,
      items: NUMBER,
      verified: { entries: NUMBER, mismatches: NUMBER },
      notRestored: { count: NUMBER, kinds: Array.from({ length: KINDS }, () => CUT), first: Array.from({ length: LISTED }, () => listed) },
      backupLeftOut: { skipped: NUMBER, skippedExamples: Array.from({ length: EXAMPLES }, () => CUT), vanished: NUMBER, changedDuringRead: NUMBER },
      durationMs: NUMBER,
    }) + 1
  );
}

/** A failed source's item of `$.restored`, with its cause. */
function failedBytes(source: StateSource): number {
  return bytesOf({ source: source.name, restoreId: RESTORE_ID, target: source.target, failed: true, error: { Error: ERROR_NAME, Cause: '' } }) + FAILURE_CAUSE_STATE_BYTES + 1;
}

/** A restored source's entries of the drill's `$.comparison` (their texts are COMPARISON_TEXTS_TOTAL_BYTES'). */
function comparisonBytes(source: StateSource): number {
  const sampled = { source: source.name, sampled: { compared: NUMBER, matched: NUMBER, skippedChanged: NUMBER, checkedLive: NUMBER, unreachable: CUT, liveNotes: [CUT, CUT, CUT] } };
  const errors = ['LiveSampleMismatchError', 'BackupLacksLiveObjectsError'].map((error) => ({ error, message: CUT, step: 'Compare with live sources', source: source.name }));
  return bytesOf(sampled) + bytesOf(errors) + 1;
}

/**
 * The larger of a state whose sources are all restored and one whose sources all failed, each source at its bound:
 * every mix lies between them, as the lists' total (`sharedByRestored`) is shared out by the number of sources
 * (reportListsShare). Budgets shared in order, whatever the number of sources, are the caller's to add.
 */
function worstOf(sources: readonly StateSource[], restored: (s: StateSource) => number, failed: (s: StateSource) => number, sharedByRestored: number): number {
  const sum = (bytes: (s: StateSource) => number): number => sources.reduce((n, s) => n + bytes(s), 0);
  return Math.max(sharedByRestored + sum(restored), sum(failed));
}

/**
 * The largest state of a drill of `sources` (Record drill's input: the execution's input twice, the start step's
 * result, every source's report or failure, the comparison of the restored ones, the cleanup, and a caught error of a
 * step and of the cleanup), in bytes. A source whose restore failed has no lists and is not compared: the worst is
 * every source restored with everything at its bound, or every source failed with its cause at its bound.
 */
export function drillStateBytes(sources: readonly StateSource[]): number {
  const fixed = 2 * EXECUTION_INPUT_BYTES + HEADER_BYTES + COMPARISON_TEXTS_TOTAL_BYTES + CLEANUP_LINES_TOTAL_BYTES + 2 * CAUGHT_ERROR_BYTES;
  const own = (s: StateSource): number => restoreItemBytes(s) + bytesOf([targetDescription(s.target)]);
  return fixed + worstOf(sources, (s) => own(s) + reportBytes(s) + comparisonBytes(s), (s) => own(s) + failedBytes(s), REPORT_LISTS_TOTAL_BYTES);
}

/** A source's mirror choice in `$.failover.choices` (failover-start.ts), and its target bucket in `bucketsAbortingUploads`. */
function choiceBytes(source: StateSource): number {
  return bytesOf({ source: source.name, use: 'vault', reason: CHOICE_REASON, target: targetDescription(source.target), type: source.target.type, dataAgeSeconds: NUMBER }) + bytesOf([source.target.type === 's3' ? source.target.bucket : '']);
}

/** A live source's entry of the failover's report (its shortfall lists' keys; their texts are SHORTFALL_TOTAL_BYTES'). */
function liveEntryBytes(source: StateSource): number {
  return bytesOf({
    source: source.name,
    type: source.target.type,
    target: targetDescription(source.target),
    entries: NUMBER,
    items: NUMBER,
    bytes: NUMBER,
    rtoSeconds: NUMBER,
    from: 'vault',
    reason: CHOICE_REASON,
    dataAgeSeconds: NUMBER,
    notRestored: { count: NUMBER, kinds: Array.from({ length: KINDS }, () => CUT), first: Array.from({ length: LISTED }, () => ({ path: CUT, what: CUT, entries: NUMBER })) },
    backupLeftOut: { skipped: NUMBER, skippedExamples: Array.from({ length: LISTED }, () => CUT), vanished: NUMBER, changedDuringRead: NUMBER },
  });
}

/** A failed source's entry of the failover's report: its message's keys (its text is FAILED_MESSAGES_TOTAL_BYTES'), its action, and its name in a finish input. */
function failedEntryBytes(source: StateSource): number {
  const target = targetDescription(source.target);
  const action = ACTION_WORDS_BYTES + 4 * bytesOf(target) + 2 * RESTORE_ID.length + 3 * HELD_BY_TEXT_BYTES;
  return bytesOf({ source: source.name, type: source.target.type, target, error: ERROR_NAME, message: CUT, action: '', heldBy: '', wroteNothing: true }) + action + 2 * HELD_BY_TEXT_BYTES + bytesOf([source.name]);
}

/**
 * The largest state of a failover of `sources`, in bytes: the larger of `Restore sources`' result (the execution's
 * input, the approval, the start step's result with each source's restore and mirror choice, every source's report or
 * failure; `Failover report`'s input holds the same) and `Failover report`'s result (the report, every source live or
 * failed, and the FailoverIncompleteError cause that carries it again).
 */
export function failoverStateBytes(sources: readonly StateSource[]): number {
  // The execution's input may name every source (`sources`: a finish), and the state holds it twice (at `$`, at `request`).
  const own = (s: StateSource): number => restoreItemBytes(s) + choiceBytes(s) + 2 * bytesOf([s.name]);
  const restored = 2 * EXECUTION_INPUT_BYTES + HEADER_BYTES + worstOf(sources, (s) => own(s) + reportBytes(s), (s) => own(s) + failedBytes(s), REPORT_LISTS_TOTAL_BYTES);
  const report = HEADER_BYTES + INCOMPLETE_CAUSE_STATE_BYTES + SHORTFALL_TOTAL_BYTES + FAILED_MESSAGES_TOTAL_BYTES + worstOf(sources, liveEntryBytes, failedEntryBytes, 0);
  return Math.max(restored, report);
}

/** The least state of a drill or failover of `sources`: every source restored, with nothing to list and no error. */
export function leastStateBytes(sources: readonly StateSource[]): number {
  return sources.reduce(
    (sum, s) =>
      sum +
      restoreItemBytes(s) +
      bytesOf({ restoreId: RESTORE_ID, backupId: BACKUP_ID, source: s.name, snapshotId: SNAPSHOT_ID, vault: 'dr', target: s.target, targetDescription: targetDescription(s.target), entries: 1, bytes: 1, verified: { entries: 1, mismatches: 0 }, durationMs: 1 }),
    0,
  );
}

/** A scratch target's name (lambdas/drill/scratch-targets.ts: `<prefix><8 hex>-<source>`, cut to fit) is at most 63 characters. */
const SCRATCH_NAME = 'x'.repeat(63);

/** A source of a drill, with the longest scratch target it can be restored into (`mountPath`: the functions' mount of the file system). */
export function drillStateSource(source: SourceConfig, mountPath: string | undefined): StateSource {
  if (source.type === 's3') return { name: source.name, target: { type: 's3', bucket: SCRATCH_NAME, prefix: '' } };
  if (source.type === 'dynamodb') return { name: source.name, target: { type: 'dynamodb', table: SCRATCH_NAME } };
  return { name: source.name, target: { type: 'filesystem', path: `${mountPath ?? ''}/${SCRATCH_NAME}` } };
}

/** The longest failover target suffix (failover-request.ts). */
const SUFFIX = 'x'.repeat(20);

/**
 * A source of a failover, with the longest target it can be restored into: a bucket of 63 characters, a table named as
 * the bucket would be with the longest suffix, a directory under the DR region's mount (`drMountPath`) at the source's path.
 */
export function failoverStateSource(source: SourceConfig, restoreTargetPrefix: string, drMountPath: string | undefined): StateSource {
  if (source.type === 's3') return { name: source.name, target: { type: 's3', bucket: 'x'.repeat(MAX_BUCKET_NAME), prefix: '' } };
  if (source.type === 'dynamodb') return { name: source.name, target: { type: 'dynamodb', table: failoverTargetName(restoreTargetPrefix, source.name, SUFFIX) } };
  return { name: source.name, target: { type: 'filesystem', path: `${drMountPath ?? ''}${source.path}-${SUFFIX}` } };
}

/**
 * How many of `sources` a drill's or failover's state holds at worst within its limit (`stateBytes`: drillStateBytes or
 * failoverStateBytes): the most sources, the largest first, whose worst case fits.
 */
export function sourcesWithinState(sources: readonly StateSource[], stateBytes: (sources: readonly StateSource[]) => number): number {
  const largestFirst = [...sources].sort((a, b) => stateBytes([b]) - stateBytes([a]));
  let n = 0;
  while (n < largestFirst.length && stateBytes(largestFirst.slice(0, n + 1)) <= STATE_LIMIT_BYTES) n++;
  return n;
}
