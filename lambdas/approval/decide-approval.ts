import { type ApprovalLog } from './approval-log';
import { APPROVAL_REJECTED, ApprovalNotFoundError, ApprovalNotPendingError } from './approval-errors';
import { type ApprovalRecord } from './approval-record';

export type CatalogRegion = 'primary' | 'dr';

/** SendTaskSuccess / SendTaskFailure, in the region of the runbook that waits: Step Functions in AWS, the data directory locally. */
export type TaskResponder = {
  success(region: CatalogRegion, token: string, output: string): Promise<void>;
  failure(region: CatalogRegion, token: string, error: string, cause: string): Promise<void>;
};

export type ApprovalDecision = { approve: true } | { approve: false; reason: string };

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
 */
export async function decideApproval(options: {
  logs: Record<CatalogRegion, ApprovalLog>;
  responder: TaskResponder;
  execution: string;
  decision: ApprovalDecision;
  decidedBy: string;
  now?: Date;
}): Promise<ApprovalRecord> {
  const { region, record } = await findApproval(options.logs, options.execution);
  if (record.status !== 'PENDING') throw new ApprovalNotPendingError(options.execution);
  const decidedAt = (options.now ?? new Date()).toISOString();
  if (options.decision.approve) {
    await options.responder.success(region, record.taskToken, JSON.stringify({ approvedBy: options.decidedBy, approvedAt: decidedAt }));
  } else {
    await options.responder.failure(region, record.taskToken, APPROVAL_REJECTED, `Rejected by ${options.decidedBy}: ${options.decision.reason}`);
  }
  const status = options.decision.approve ? 'APPROVED' : 'REJECTED';
  const reason = options.decision.approve ? undefined : options.decision.reason;
  await options.logs[region].decide(options.execution, record.taskToken, { status, decidedBy: options.decidedBy, decidedAt, reason });
  return { ...record, status, decidedBy: options.decidedBy, decidedAt, ...(reason !== undefined ? { reason } : {}) };
}
