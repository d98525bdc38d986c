import { type ApprovalLog, type ClaimRevision } from './approval-log';
import {
  APPROVAL_REJECTED,
  ApprovalAbandonedError,
  ApprovalAmbiguousError,
  ApprovalAnsweredEarlierError,
  ApprovalAnsweredElsewhereError,
  ApprovalNotFoundError,
  ApprovalNotPendingError,
  ApprovalOutcomeUnknownError,
  ApprovalUnsentError,
  type EarlierAnswer,
} from './approval-errors';
import { type CatalogRegion } from './approval-place';
import { type ApprovalRecord } from './approval-record';
import { type SentDecision, sentDecision, type TaskAnswer, type TaskAnswerProbe } from './task-answer';
import { errorAsText } from '../runtime/error-as-text';

export type { CatalogRegion };

/** SendTaskSuccess / SendTaskFailure, in the region of the runbook that waits: Step Functions in AWS, the data directory locally. */
export type TaskResponder = {
  success(region: CatalogRegion, token: string, output: string): Promise<void>;
  failure(region: CatalogRegion, token: string, error: string, cause: string): Promise<void>;
};

export type ApprovalDecision = { approve: true } | { approve: false; reason: string };

/**
 * Step Functions' refusals of SendTaskSuccess/SendTaskFailure for a token no task waits for any more:
 * TaskTimedOut (the wait timed out, or the execution was stopped or failed) and TaskDoesNotExist (the
 * local executor's answer for the same cases, local/executor/task-tokens.ts). Any other error (no
 * permission, throttling, a region that does not answer) says nothing about the execution.
 */
const DEAD_TOKEN_ERRORS: ReadonlySet<string> = new Set(['TaskTimedOut', 'TaskDoesNotExist']);

export function isDeadTokenError(err: unknown): err is Error {
  return err instanceof Error && DEAD_TOKEN_ERRORS.has(err.name);
}

/**
 * Finds the approval of `execution` in the catalog of `region`, or without it in either region's catalog
 * (an overwrite restore asks in its own region, a failover in the DR region). The name is unique per state
 * machine only, so both regions may hold one: both are asked at once and both answers awaited, and a name
 * PENDING in both is refused (ApprovalAmbiguousError, naming each region and runbook) rather than answering
 * whichever returns first; one PENDING in one region only is that one (the other's being decided). A region
 * that cannot be read does not stop the other's approval from being found: a failover is approved while the
 * primary region is down. Its read then ends only when its client gives up (client-timeouts.ts); with
 * `region` the other catalog is not asked at all, so `--region dr` never waits on a primary endpoint that
 * takes the request and never answers. When none has it, ApprovalNotFoundError; when one region answered so and the
 * other could not be read, one that says both (not the unread region's bare connection error, audit a59A F4); when
 * no region could be read, the first region's error (primary first). `names`: the regions' names, for the message.
 */
export function findApproval(
  logs: Record<CatalogRegion, ApprovalLog>,
  execution: string,
  region?: CatalogRegion,
  names?: Record<CatalogRegion, string>,
): Promise<{ region: CatalogRegion; record: ApprovalRecord }> {
  const regions: readonly CatalogRegion[] = region !== undefined ? [region] : ['primary', 'dr'];
  return new Promise((resolve, reject) => {
    const found: { region: CatalogRegion; record: ApprovalRecord }[] = [];
    const errors = new Map<CatalogRegion, unknown>();
    let pending = regions.length;
    const settled = (): void => {
      if (--pending > 0) return;
      // In the order of `regions` (primary first), whichever answered first.
      found.sort((a, b) => regions.indexOf(a.region) - regions.indexOf(b.region));
      const waiting = found.filter((f) => f.record.status === 'PENDING');
      if (waiting.length > 1) return reject(new ApprovalAmbiguousError(execution, waiting));
      const chosen = waiting[0] ?? found[0];
      if (chosen !== undefined) return resolve(chosen);
      const failed = regions.find((r) => errors.has(r));
      const answered = regions.find((r) => !errors.has(r));
      if (failed === undefined) return reject(new ApprovalNotFoundError(execution));
      if (answered === undefined) return reject(errors.get(failed));
      reject(new ApprovalNotFoundError(execution, { answered, unread: failed, error: errorAsText(errors.get(failed)), ...(names ? { names } : {}) }));
    };
    for (const r of regions) {
      // Through a promise: a log that throws rather than rejects is one region's failure too.
      Promise.resolve()
        .then(() => logs[r].get(execution))
        .then(
          (record) => {
            if (record) found.push({ region: r, record });
            settled();
          },
          (err: unknown) => {
            errors.set(r, err);
            settled();
          },
        );
    }
  });
}

/**
 * The status of the execution an approval belongs to (RUNNING, SUCCEEDED, ABORTED, …: DescribeExecution's,
 * or the local executor's history), or undefined when there is no such execution. Rejects when it cannot
 * be asked (no permission, a region that does not answer): that tells nothing about the execution.
 */
export type ExecutionStatusProbe = (region: CatalogRegion, record: ApprovalRecord) => Promise<string | undefined>;

/** A dead token's execution that went on past its wait: it was answered outside `lifeboat approve`, not abandoned. */
const WENT_ON: ReadonlySet<string> = new Set(['SUCCEEDED', 'RUNNING', 'PENDING_REDRIVE']);

type Claim = { status: 'APPROVED' | 'REJECTED'; decidedBy: string; decidedAt: string };

/** Whether `now` is the record holding this very claim (its token, status, who and when to the millisecond). */
function holdsClaim(now: ApprovalRecord | undefined, taskToken: string, claim: Claim): boolean {
  return now !== undefined && now.taskToken === taskToken && now.status === claim.status && now.decidedBy === claim.decidedBy && now.decidedAt === claim.decidedAt;
}

/** Whether `now` already reads what reviseClaim was to write over this claim. */
function reached(now: ApprovalRecord | undefined, taskToken: string, claim: Claim, to: ClaimRevision): boolean {
  if (now === undefined || now.taskToken !== taskToken || now.status !== to.status) return false;
  if (to.status === 'PENDING') return now.decidedBy === undefined && now.decidedAt === undefined;
  if (to.status === 'ABANDONED') return now.decidedBy === claim.decidedBy && now.decidedAt === claim.decidedAt && now.reason === to.reason;
  return now.decidedBy === claim.decidedBy && now.decidedAt === to.decidedAt && now.reason === to.reason;
}

/**
 * Whether the answer the task received is this run's own send (its first attempt taken, the SDK's retry refused): an
 * approval carries the time of this run's claim (`approvedAt`), which no other run has. A rejection carries no time of
 * its own, so which run sent it cannot be told: it is recorded as an answer taken earlier (with Step Functions' time),
 * and the command says it may have been this run's first attempt.
 */
function ownFirstAttempt(sent: SentDecision, decidedAt: string): boolean {
  return sent.status === 'APPROVED' && sent.decidedAt === decidedAt;
}

/** A decided approval; `answeredEarlier` when the execution had received this caller's earlier answer (its reply lost) and this call sent nothing. */
export type DecidedApproval = ApprovalRecord & { answeredEarlier?: true };

/**
 * `lifeboat approve`: records the decision in the catalog, then answers the waiting execution's task
 * token (success: the runbook goes on; failure ApprovalRejected with the reason: it fails before
 * writing).
 *
 * Recorded first, with a conditional update from PENDING, so that of two approvers at once only one
 * sends anything: the other fails the condition (ApprovalNotPendingError naming the first one's
 * decision). Sent second, so what the catalog says has to be undone when the send does not get through:
 * - Step Functions refuses the token as timed out or gone (the execution was stopped, failed or timed
 *   out): the record becomes ABANDONED and the caller gets ApprovalAbandonedError; otherwise it would
 *   claim a decision the execution never received. Unless the execution is known to have gone on
 *   (`executionStatus` says SUCCEEDED or RUNNING: its task was answered outside `lifeboat approve`, by
 *   the console): then it goes back to PENDING, as that answer left it, and the caller gets
 *   ApprovalAnsweredElsewhereError. When `executionStatus` cannot be asked (no states:DescribeExecution,
 *   a region that does not answer), it goes back to PENDING too, with ApprovalOutcomeUnknownError.
 * - Any other error (no permission, throttling, a region that does not answer) says nothing about
 *   the execution: the record goes back to PENDING and the error is rethrown, so a retry sends again
 *   (a send that did get through before its answer was lost is then refused as a dead token, above).
 * - For a dead token of an execution that exists, `taskAnswer` (the execution history) tells what its
 *   task received. This caller's own earlier answer (lifeboat approve's output naming `decidedBy`, or
 *   its `Rejected by <decidedBy>: …` cause), sent by a run whose reply was lost, is recorded as that
 *   decision, with its time and reason, and returned with `answeredEarlier` (ApprovalAnsweredEarlierError
 *   when it differs from this one); someone else's answer leaves the record PENDING with
 *   ApprovalAnsweredElsewhereError naming whose it was; no answer (the wait timed out) marks it
 *   ABANDONED. Without `taskAnswer`, or when the history cannot be read, an execution that went on
 *   gets ApprovalAnsweredElsewhereError saying that whose answer it was could not be told: it is never
 *   said to be this caller's, nor someone else's.
 *   If the record cannot be set back either, ApprovalUnsentError says what the catalog wrongly holds.
 * Each rewrite happens only while the record still holds this caller's decision.
 *
 * The SDK retries a write whose answer was lost (a 500, a dropped connection), and the retry of one that
 * was applied fails its own condition: a claim refused so is read back, and if the record holds this very
 * claim (token, status, decidedBy, decidedAt) it is sent; a rewrite refused so is done if the record
 * already reads what it was to write.
 *
 * Step Functions, not this code, decides whether the caller may answer: SendTaskSuccess/SendTaskFailure
 * allow no resource-level permissions, so any principal allowed them that can read the token can
 * (docs/SECURITY.md, "Approvals").
 */
export async function decideApproval(options: {
  logs: Record<CatalogRegion, ApprovalLog>;
  responder: TaskResponder;
  execution: string;
  decision: ApprovalDecision;
  decidedBy: string;
  now?: Date;
  /** The approval as findApproval just read it: not read again (with one region down, each read waits on it). */
  found?: { region: CatalogRegion; record: ApprovalRecord };
  /** Asked only when Step Functions refuses the token as dead; without it, a dead token always means ABANDONED. */
  executionStatus?: ExecutionStatusProbe;
  /**
   * Asked only when Step Functions refuses the token as dead and the execution exists: what its task
   * received. Give it only when `decidedBy` names the caller for sure (a caller STS could not name must
   * not take another unnamed caller's answer for its own).
   */
  taskAnswer?: TaskAnswerProbe;
}): Promise<DecidedApproval> {
  const { region, record } = options.found ?? (await findApproval(options.logs, options.execution));
  if (record.status !== 'PENDING') throw new ApprovalNotPendingError(options.execution, record.status, record.decidedBy);
  const log = options.logs[region];
  const decidedAt = (options.now ?? new Date()).toISOString();
  const status = options.decision.approve ? 'APPROVED' : 'REJECTED';
  const reason = options.decision.approve ? undefined : options.decision.reason;
  const claim: Claim = { status, decidedBy: options.decidedBy, decidedAt };
  try {
    await log.decide(options.execution, record.taskToken, { ...claim, reason });
  } catch (err) {
    if (!(err instanceof ApprovalNotPendingError)) throw err;
    // A retried UpdateItem (the SDK retries a 500 or a dropped connection) whose first attempt was applied fails
    // its own PENDING condition: the record then holds this very claim, and sending it is still this caller's.
    const now = await log.get(options.execution).catch(() => undefined);
    if (!holdsClaim(now, record.taskToken, claim)) {
      throw now === undefined || now.status === 'PENDING' ? new ApprovalNotPendingError(options.execution) : new ApprovalNotPendingError(options.execution, now.status, now.decidedBy);
    }
  }
  try {
    if (options.decision.approve) {
      await options.responder.success(region, record.taskToken, JSON.stringify({ approvedBy: options.decidedBy, approvedAt: decidedAt }));
    } else {
      await options.responder.failure(region, record.taskToken, APPROVAL_REJECTED, `Rejected by ${options.decidedBy}: ${options.decision.reason}`);
    }
  } catch (err) {
    /** Rewrites this caller's record; undefined when done, else why not (and what the catalog holds instead). */
    const revise = async (to: ClaimRevision): Promise<string | undefined> => {
      try {
        if (await log.reviseClaim(options.execution, record.taskToken, claim, to)) return undefined;
      } catch (reviseErr) {
        const message = reviseErr instanceof Error ? reviseErr.message : String(reviseErr);
        return to.status === 'APPROVED' || to.status === 'REJECTED'
          ? `${message}: the catalog still reads ${status} by ${options.decidedBy} at ${decidedAt}`
          : `${message}: the catalog still reads ${status} by ${options.decidedBy}, a decision the execution never received`;
      }
      // The condition failed: a retried UpdateItem whose first attempt was applied (the record already reads
      // `to`), or a retried request task replaced the record with a new token.
      let now: ApprovalRecord | undefined;
      try {
        now = await log.get(options.execution);
      } catch (readErr) {
        return `it no longer holds this decision, and it could not be read again (${errorAsText(readErr)}): see lifeboat approvals list`;
      }
      if (reached(now, record.taskToken, claim, to)) return undefined;
      if (now === undefined || now.taskToken !== record.taskToken) return 'it was requested again meanwhile, with a new task token: see lifeboat approvals list';
      return `it now reads ${now.status}${now.decidedBy !== undefined ? ` by ${now.decidedBy}` : ''}: see lifeboat approvals list`;
    };
    if (!isDeadTokenError(err)) {
      const resetFailure = await revise({ status: 'PENDING' });
      if (resetFailure === undefined) throw err;
      throw new ApprovalUnsentError(options.execution, status, options.decidedBy, errorAsText(err), resetFailure);
    }
    const refusal = errorAsText(err);
    let executionStatus: string | undefined;
    try {
      executionStatus = await options.executionStatus?.(region, record);
    } catch (probeErr) {
      // Not knowing whether the execution went on is no ground for saying nothing was approved: the token may
      // have been answered from the console, or by an earlier attempt of this very send whose reply was lost.
      throw new ApprovalOutcomeUnknownError(options.execution, refusal, errorAsText(probeErr), await revise({ status: 'PENDING' }));
    }
    let answer: TaskAnswer | undefined;
    let unknownWhy = 'the execution history, which names who answered, was not read';
    if (executionStatus !== undefined && options.taskAnswer) {
      try {
        answer = await options.taskAnswer(region, record);
        if (answer === undefined) unknownWhy = 'the execution history shows no answer to its approval task yet';
      } catch (historyErr) {
        unknownWhy = `the execution history, which names who answered, could not be read: ${errorAsText(historyErr)}`;
      }
    }
    if (executionStatus !== undefined && (answer?.answer === 'success' || answer?.answer === 'failure')) {
      const sent = sentDecision(answer, options.decidedBy);
      if (sent?.decidedBy === options.decidedBy && sent.status === status && ownFirstAttempt(sent, decidedAt)) {
        // This very send, its first attempt taken and its reply lost, its retry (the SDK's, in this run) refused:
        // decided by this run as claimed, not an earlier run's answer.
        return { ...record, ...claim, ...(reason !== undefined ? { reason } : {}) };
      }
      if (sent?.decidedBy === options.decidedBy) {
        // This caller's own earlier answer reached the execution, its reply lost: the decision is recorded as it was sent.
        const earlier = { status: sent.status, decidedBy: options.decidedBy, decidedAt: sent.decidedAt ?? decidedAt };
        const recordFailure = await revise({ status: earlier.status, decidedAt: earlier.decidedAt, reason: sent.reason });
        if (recordFailure !== undefined || earlier.status !== status) throw new ApprovalAnsweredEarlierError(options.execution, earlier, status, recordFailure);
        return { ...record, ...earlier, ...(sent.reason !== undefined ? { reason: sent.reason } : {}), answeredEarlier: true };
      }
      const answered: EarlierAnswer = sent ? { by: 'another', status: sent.status, decidedBy: sent.decidedBy, decidedAt: sent.decidedAt } : { by: 'outside', answer: answer.answer };
      throw new ApprovalAnsweredElsewhereError(options.execution, executionStatus, refusal, answered, await revise({ status: 'PENDING' }));
    }
    if (executionStatus !== undefined && answer?.answer !== 'none' && WENT_ON.has(executionStatus)) {
      throw new ApprovalAnsweredElsewhereError(options.execution, executionStatus, refusal, { by: 'unknown', why: unknownWhy }, await revise({ status: 'PENDING' }));
    }
    const abandonFailure = await revise({ status: 'ABANDONED', reason: `${options.decision.approve ? 'approved' : 'rejected'} after the execution had stopped waiting (${refusal})` });
    throw new ApprovalAbandonedError(options.execution, refusal, abandonFailure);
  }
  return { ...record, ...claim, ...(reason !== undefined ? { reason } : {}) };
}
