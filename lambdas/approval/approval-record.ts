import { z } from 'zod';

/** The catalog partition of approvals: one item per execution that waits (or waited) for one (sk = execution name). */
export const APPROVALS_PK = 'APPROVALS';

/** What asks for a second person: a restore with `"overwrite": true`, or a failover. */
export const approvalKindSchema = z.enum(['restore', 'failover']);
export type ApprovalKind = z.infer<typeof approvalKindSchema>;

/**
 * ABANDONED: someone tried to decide after the execution had stopped waiting (stopped, failed, or its
 * wait timed out): Step Functions refused the answer, and nothing was approved or rejected.
 * APPROVED/REJECTED are recorded just before the answer is sent, and undone if it does not get through
 * (decide-approval.ts). An answer sent outside `lifeboat approve` (the console) leaves PENDING.
 */
export const approvalStatusSchema = z.enum(['PENDING', 'APPROVED', 'REJECTED', 'ABANDONED']);
export type ApprovalStatus = z.infer<typeof approvalStatusSchema>;

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO time');

/**
 * An approval a runbook execution waits for (docs/RUNBOOKS.md, "Approvals"). The task token is what
 * SendTaskSuccess/SendTaskFailure name, and those actions allow no resource-level permissions: any
 * principal allowed them (Resource "*": the approver role, but also e.g. an administrator) that can
 * read the token, here or in the execution history, can answer (docs/SECURITY.md, "Approvals").
 */
export const approvalRecordSchema = z.object({
  execution: z.string().min(1),
  executionArn: z.string().min(1),
  stateMachine: z.string().min(1),
  kind: approvalKindSchema,
  /** The runbook's input as it was started: what would be restored where. */
  request: z.unknown(),
  /** Who asked, as the starter wrote it in the input (`requestedBy`); CloudTrail's StartExecution event has the authenticated caller. */
  requestedBy: z.string(),
  requestedAt: isoTime,
  /** When the wait times out and the execution fails with States.Timeout. */
  expiresAt: isoTime,
  taskToken: z.string().min(1),
  status: approvalStatusSchema,
  decidedBy: z.string().optional(),
  decidedAt: isoTime.optional(),
  reason: z.string().optional(),
});
export type ApprovalRecord = z.infer<typeof approvalRecordSchema>;
