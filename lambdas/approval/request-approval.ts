import { z } from 'zod';
import { type ApprovalLog } from './approval-log';
import { approvalKindSchema, type ApprovalRecord } from './approval-record';

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
 * The first half of an approval step: records the pending approval (with the task token) in the
 * catalog, then the execution waits until the approver answers with SendTaskSuccess/SendTaskFailure
 * (`lifeboat approve`) or the task times out. Writes nothing else.
 */
export async function requestApproval(input: ApprovalRequest, log: ApprovalLog, now: Date = new Date()): Promise<ApprovalRecord> {
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
