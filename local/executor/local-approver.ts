import { type ApprovalLog } from '../../lambdas/approval/approval-log';
import { type CatalogRegion, decideApproval } from '../../lambdas/approval/decide-approval';
import { type WaitingTask } from './run-local-execution';
import { localTaskResponder, sendTaskSuccess } from './task-tokens';

/**
 * An approver for local runs that are not about approvals (the demo, tests of other steps): what
 * `lifeboat approve EXECUTION` does, done as soon as the execution waits. For runLocalExecution's `onTaskToken`.
 */
export function approveThroughCatalog(dataDir: string, logs: Record<CatalogRegion, ApprovalLog>, decidedBy: string): (waiting: WaitingTask) => Promise<void> {
  return async (waiting) => {
    await decideApproval({ logs, responder: localTaskResponder(dataDir), execution: waiting.executionId, decision: { approve: true }, decidedBy });
  };
}

/** Answers every waiting task with success at once, leaving the catalog's approval record pending: for tests of the steps after an approval. */
export function approveEveryTask(dataDir: string): (waiting: WaitingTask) => void {
  return (waiting) => sendTaskSuccess(dataDir, waiting.token, { approvedBy: 'test', approvedAt: new Date().toISOString() });
}
