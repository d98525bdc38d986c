import { APPROVAL_REJECTED } from './approval-errors';
import { type ApprovalRecord } from './approval-record';

/**
 * What the approval task of an execution received for its token, as the execution's history shows it:
 * SendTaskSuccess's output, or SendTaskFailure's error and cause (`at`: when Step Functions took it), or
 * no answer at all (`none`: the wait timed out, or the execution stopped while it waited).
 */
export type TaskAnswer =
  | { answer: 'success'; output: string | undefined; at: string }
  | { answer: 'failure'; error: string | undefined; cause: string | undefined; at: string }
  | { answer: 'none' };

/**
 * Reads what an approval's task received (GetExecutionHistory in AWS): undefined when the history shows
 * nothing conclusive (the task still waits); rejects when it cannot be read (no states:GetExecutionHistory,
 * a region that does not answer), which tells nothing.
 */
export type TaskAnswerProbe = (region: 'primary' | 'dr', record: ApprovalRecord) => Promise<TaskAnswer | undefined>;

/** A decision as `lifeboat approve` sends it, read back from a task's answer. */
export type SentDecision = { status: 'APPROVED' | 'REJECTED'; decidedBy: string; decidedAt: string | undefined; reason?: string };

const REJECTED_BY = /^Rejected by (.+?): ([\s\S]*)$/;

/**
 * The decision `lifeboat approve` sent, when `answer` is one: SendTaskSuccess's output
 * `{"approvedBy", "approvedAt"}`, or SendTaskFailure `ApprovalRejected` with the cause
 * `Rejected by <who>: <reason>` (decide-approval.ts). Undefined for any other answer (the console's,
 * whose output is whatever was typed there) and for none. A rejection's cause cannot tell a name holding
 * ": " from a reason holding it, so it is read against `decidedBy` when given.
 */
export function sentDecision(answer: TaskAnswer | undefined, decidedBy?: string): SentDecision | undefined {
  if (answer?.answer === 'success') {
    let output: unknown;
    try {
      output = JSON.parse(answer.output ?? '');
    } catch {
      return undefined;
    }
    if (output === null || typeof output !== 'object') return undefined;
    const { approvedBy, approvedAt } = output as { approvedBy?: unknown; approvedAt?: unknown };
    if (typeof approvedBy !== 'string' || approvedBy === '') return undefined;
    // approvedAt is the time the approver's claim was recorded; Step Functions' own time of the answer stands in when it is not one.
    const at = typeof approvedAt === 'string' && !Number.isNaN(Date.parse(approvedAt)) ? approvedAt : answer.at;
    return { status: 'APPROVED', decidedBy: approvedBy, decidedAt: at };
  }
  if (answer?.answer === 'failure' && answer.error === APPROVAL_REJECTED && answer.cause !== undefined) {
    const prefix = decidedBy !== undefined ? `Rejected by ${decidedBy}: ` : undefined;
    if (prefix !== undefined && answer.cause.startsWith(prefix)) return { status: 'REJECTED', decidedBy: decidedBy as string, decidedAt: answer.at, reason: answer.cause.slice(prefix.length) };
    const match = REJECTED_BY.exec(answer.cause);
    return match ? { status: 'REJECTED', decidedBy: match[1] as string, decidedAt: answer.at, reason: match[2] as string } : undefined;
  }
  return undefined;
}

/** The parts of a Step Functions history event (GetExecutionHistory) this reads. */
export type TaskHistoryEvent = {
  type?: string | undefined;
  timestamp?: Date | undefined;
  taskScheduledEventDetails?: { resource: string | undefined; parameters: string | undefined } | undefined;
  taskSucceededEventDetails?: { resource: string | undefined; output?: string | undefined } | undefined;
  taskFailedEventDetails?: { resource: string | undefined; error?: string | undefined; cause?: string | undefined } | undefined;
  taskTimedOutEventDetails?: { resource: string | undefined } | undefined;
};

/** The approval step's resource (lib/constructs/approval-step.ts: a lambda:invoke.waitForTaskToken task). */
const CALLBACK_RESOURCE = 'invoke.waitForTaskToken';

/**
 * The errors of a failed invocation of the request function itself (Step Functions' and Lambda's: a timeout, a
 * throttle, a crashed runtime), not an answer SendTaskFailure gave: its record may be written (its last step) and
 * its task failed all the same, and nobody rejected anything.
 */
const INVOCATION_ERROR = /^(Lambda|Sandbox|States|Runtime)\./;

/** The events that end an execution: after them, a task that was not answered never will be. */
const EXECUTION_ENDED: ReadonlySet<string> = new Set(['ExecutionAborted', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionSucceeded']);

/** The token a callback task was scheduled with (its parameters' Payload.taskToken), when the history carries its parameters. */
function scheduledToken(parameters: string | undefined): string | undefined {
  try {
    const payload = (JSON.parse(parameters ?? '') as { Payload?: { taskToken?: unknown } }).Payload;
    return typeof payload?.taskToken === 'string' ? payload.taskToken : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the callback task scheduled with `taskToken` received, from an execution's history in order
 * (pages of GetExecutionHistory): its TaskSucceeded or TaskFailed, or `none` after its TaskTimedOut or the
 * execution's end. A retried approval task gets a new token, so only the answer to the one scheduled with
 * this token counts. Throws when the history names no task with that token (its parameters left out of
 * the history, or another execution's): what it received cannot be told then.
 */
export async function approvalTaskAnswer(pages: AsyncIterable<readonly TaskHistoryEvent[]>, taskToken: string): Promise<TaskAnswer | undefined> {
  let scheduled = false;
  let current = false;
  for await (const events of pages) {
    for (const event of events) {
      const at = (event.timestamp ?? new Date(0)).toISOString();
      if (event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resource === CALLBACK_RESOURCE) {
        current = scheduledToken(event.taskScheduledEventDetails.parameters) === taskToken;
        scheduled ||= current;
      } else if (!current) {
        continue;
      } else if (event.type === 'TaskSucceeded' && event.taskSucceededEventDetails?.resource === CALLBACK_RESOURCE) {
        return { answer: 'success', output: event.taskSucceededEventDetails.output, at };
      } else if (event.type === 'TaskFailed' && event.taskFailedEventDetails?.resource === CALLBACK_RESOURCE) {
        const { error, cause } = event.taskFailedEventDetails;
        if (error !== undefined && INVOCATION_ERROR.test(error)) return { answer: 'none' };
        return { answer: 'failure', error, cause, at };
      } else if ((event.type === 'TaskTimedOut' && event.taskTimedOutEventDetails?.resource === CALLBACK_RESOURCE) || EXECUTION_ENDED.has(event.type ?? '')) {
        return { answer: 'none' };
      }
    }
  }
  if (!scheduled) throw new Error('the execution history shows no approval task with this task token (its parameters are not in the history)');
  return undefined;
}
