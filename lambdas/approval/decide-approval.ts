import { type ApprovalLog } from './approval-log';
import { APPROVAL_REJECTED, ApprovalAbandonedError, ApprovalAnsweredElsewhereError, ApprovalNotFoundError, ApprovalNotPendingError, ApprovalUnsentError } from './approval-errors';
import { type ApprovalRecord } from './approval-record';

export type CatalogRegion = 'primary' | 'dr';

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
 * Finds the approval of `execution` in either region's catalog (an overwrite restore asks in its own
 * region, a failover in the DR region). Both are asked at once, and one region being unreachable does
 * not matter when the other has it: a failover is approved while the primary region is down.
 */
export async function findApproval(logs: Record<CatalogRegion, ApprovalLog>, execution: string): Promise<{ region: CatalogRegion; record: ApprovalRecord }> {
  const regions = ['primary', 'dr'] as const;
  const answers = await Promise.allSettled(regions.map((region) => logs[region].get(execution)));
  for (const [i, answer] of answers.entries()) {
    const region = regions[i];
    if (region !== undefined && answer.status === 'fulfilled' && answer.value) return { region, record: answer.value };
  }
  const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
  if (failed) throw failed.reason;
  throw new ApprovalNotFoundError(execution);
}

/**
 * The status of the execution an approval belongs to (RUNNING, SUCCEEDED, ABORTED, …: DescribeExecution's,
 * or the local executor's history), or undefined when it cannot be told.
 */
export type ExecutionStatusProbe = (region: CatalogRegion, record: ApprovalRecord) => Promise<string | undefined>;

/** A dead token's execution that went on past its wait: it was answered outside `lifeboat approve`, not abandoned. */
const WENT_ON: ReadonlySet<string> = new Set(['SUCCEEDED', 'RUNNING', 'PENDING_REDRIVE']);

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** The refusal of a decision that lost to another: the record as it now reads (status and who decided), when it can be read. */
async function notPending(log: ApprovalLog, execution: string): Promise<ApprovalNotPendingError> {
  const now = await log.get(execution).catch(() => undefined);
  return now === undefined || now.status === 'PENDING' ? new ApprovalNotPendingError(execution) : new ApprovalNotPendingError(execution, now.status, now.decidedBy);
}

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
 *   ApprovalAnsweredElsewhereError.
 * - Any other error (no permission, throttling, a region that does not answer) says nothing about
 *   the execution: the record goes back to PENDING and the error is rethrown, so a retry sends again
 *   (a send that did get through before its answer was lost is then refused as a dead token, above).
 *   If the record cannot be set back either, ApprovalUnsentError says what the catalog wrongly holds.
 * Each rewrite happens only while the record still holds this caller's decision.
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
}): Promise<ApprovalRecord> {
  const { region, record } = options.found ?? (await findApproval(options.logs, options.execution));
  if (record.status !== 'PENDING') throw new ApprovalNotPendingError(options.execution, record.status, record.decidedBy);
  const log = options.logs[region];
  const decidedAt = (options.now ?? new Date()).toISOString();
  const status = options.decision.approve ? 'APPROVED' : 'REJECTED';
  const reason = options.decision.approve ? undefined : options.decision.reason;
  const claim = { status, decidedBy: options.decidedBy, decidedAt } as const;
  try {
    await log.decide(options.execution, record.taskToken, { ...claim, reason });
  } catch (err) {
    if (err instanceof ApprovalNotPendingError) throw await notPending(log, options.execution);
    throw err;
  }
  try {
    if (options.decision.approve) {
      await options.responder.success(region, record.taskToken, JSON.stringify({ approvedBy: options.decidedBy, approvedAt: decidedAt }));
    } else {
      await options.responder.failure(region, record.taskToken, APPROVAL_REJECTED, `Rejected by ${options.decidedBy}: ${options.decision.reason}`);
    }
  } catch (err) {
    /** Rewrites this caller's record; undefined when done, else why not (and what the catalog holds instead). */
    const revise = async (to: { status: 'ABANDONED'; reason: string } | { status: 'PENDING' }): Promise<string | undefined> => {
      try {
        return (await log.reviseClaim(options.execution, record.taskToken, claim, to)) ? undefined : 'it was requested again meanwhile, with a new task token: see lifeboat approvals list';
      } catch (reviseErr) {
        return `${reviseErr instanceof Error ? reviseErr.message : String(reviseErr)}: the catalog still reads ${status} by ${options.decidedBy}, a decision the execution never received`;
      }
    };
    if (!isDeadTokenError(err)) {
      const resetFailure = await revise({ status: 'PENDING' });
      if (resetFailure === undefined) throw err;
      throw new ApprovalUnsentError(options.execution, status, options.decidedBy, describe(err), resetFailure);
    }
    const refusal = describe(err);
    const executionStatus = await options.executionStatus?.(region, record).catch(() => undefined);
    if (executionStatus !== undefined && WENT_ON.has(executionStatus)) {
      throw new ApprovalAnsweredElsewhereError(options.execution, executionStatus, refusal, await revise({ status: 'PENDING' }));
    }
    const abandonFailure = await revise({ status: 'ABANDONED', reason: `${options.decision.approve ? 'approved' : 'rejected'} after the execution had stopped waiting (${refusal})` });
    throw new ApprovalAbandonedError(options.execution, refusal, abandonFailure);
  }
  return { ...record, ...claim, ...(reason !== undefined ? { reason } : {}) };
}
