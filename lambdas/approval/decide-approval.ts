import { type ApprovalLog } from './approval-log';
import { APPROVAL_REJECTED, ApprovalAbandonedError, ApprovalNotFoundError, ApprovalNotPendingError } from './approval-errors';
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
 * `lifeboat approve`: answers the waiting execution's task token (success: the runbook goes on;
 * failure ApprovalRejected with the reason: it fails before writing), then marks the approval
 * decided in the catalog. Step Functions, not this code, decides whether the caller may approve:
 * only a principal allowed states:SendTaskSuccess/SendTaskFailure on the state machine gets through.
 * An execution that no longer waits (Step Functions refuses the token as timed out or gone) gets its
 * approval marked ABANDONED, and the caller ApprovalAbandonedError: otherwise it would read PENDING
 * forever, and neither an approval nor a rejection could ever clear it.
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
}): Promise<ApprovalRecord> {
  const { region, record } = options.found ?? (await findApproval(options.logs, options.execution));
  if (record.status !== 'PENDING') throw new ApprovalNotPendingError(options.execution, record.status);
  const decidedAt = (options.now ?? new Date()).toISOString();
  try {
    if (options.decision.approve) {
      await options.responder.success(region, record.taskToken, JSON.stringify({ approvedBy: options.decidedBy, approvedAt: decidedAt }));
    } else {
      await options.responder.failure(region, record.taskToken, APPROVAL_REJECTED, `Rejected by ${options.decidedBy}: ${options.decision.reason}`);
    }
  } catch (err) {
    if (!isDeadTokenError(err)) throw err;
    const refusal = `${err.name}: ${err.message}`;
    try {
      await options.logs[region].decide(options.execution, record.taskToken, { status: 'ABANDONED', decidedBy: options.decidedBy, decidedAt, reason: `${options.decision.approve ? 'approved' : 'rejected'} after the execution had stopped waiting (${refusal})` });
    } catch (markErr) {
      // Someone else decided or abandoned it meanwhile: theirs is what the catalog says.
      if (markErr instanceof ApprovalNotPendingError) throw markErr;
      throw new ApprovalAbandonedError(options.execution, refusal, markErr instanceof Error ? markErr.message : String(markErr));
    }
    throw new ApprovalAbandonedError(options.execution, refusal);
  }
  const status = options.decision.approve ? 'APPROVED' : 'REJECTED';
  const reason = options.decision.approve ? undefined : options.decision.reason;
  await options.logs[region].decide(options.execution, record.taskToken, { status, decidedBy: options.decidedBy, decidedAt, reason });
  return { ...record, status, decidedBy: options.decidedBy, decidedAt, ...(reason !== undefined ? { reason } : {}) };
}
