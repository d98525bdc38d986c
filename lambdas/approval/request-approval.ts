import { z } from 'zod';
import { type ApprovalLog } from './approval-log';
import { type ApprovalKind, approvalKindSchema, type ApprovalRecord } from './approval-record';

export const approvalRequestSchema = z.object({
  /** `$$.Task.Token` of the `.waitForTaskToken` task. */
  taskToken: z.string().min(1),
  execution: z.string().min(1),
  executionArn: z.string().min(1),
  stateMachine: z.string().min(1),
  kind: approvalKindSchema,
  /** The execution's input. */
  request: z.unknown(),
  /** How long the task waits (its TimeoutSeconds), for expiresAt. */
  timeoutSeconds: z.number().int().positive(),
});
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

/** The starter's `requestedBy` from the input when it is a string, else "(not given)". */
function requestedBy(request: unknown): string {
  const by = request !== null && typeof request === 'object' ? (request as { requestedBy?: unknown }).requestedBy : undefined;
  return typeof by === 'string' && by.trim() !== '' ? by : '(not given)';
}

/**
 * Per kind, the check of the runbook's input that needs no AWS call (its parser, against the
 * environment's plans and sources): it throws the runbook's own InvalidInputError.
 */
export type ApprovalRequestChecks = Partial<Record<ApprovalKind, (request: unknown) => void>>;

/**
 * The first half of an approval step: records the pending approval (with the task token) in the
 * catalog, then the execution waits until the approver answers with SendTaskSuccess/SendTaskFailure
 * (`lifeboat approve`) or the task times out. Writes nothing else.
 *
 * The input is checked first (`checks`): a failover of a plan that does not exist, or a restore
 * with a misspelt field, fails here with the runbook's own error and records nothing, instead of
 * asking a second person to approve a request the step after the approval refuses. What needs the
 * catalog or the targets (the backup, an existing target) is still checked after the approval.
 */
export async function requestApproval(input: ApprovalRequest, log: ApprovalLog, now: Date = new Date(), checks: ApprovalRequestChecks = {}): Promise<ApprovalRecord> {
  checks[input.kind]?.(input.request);
  const record: ApprovalRecord = {
    execution: input.execution,
    executionArn: input.executionArn,
    stateMachine: input.stateMachine,
    kind: input.kind,
    request: input.request,
    requestedBy: requestedBy(input.request),
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + input.timeoutSeconds * 1000).toISOString(),
    taskToken: input.taskToken,
    status: 'PENDING',
  };
  await log.request(record);
  return record;
}
