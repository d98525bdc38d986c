import { approvalPlace, type CatalogRegion } from './approval-place';
import { type ApprovalRecord } from './approval-record';

/** `lifeboat approve` for an execution whose approval is already decided (or was replaced by a retried request). */
export class ApprovalNotPendingError extends Error {
  override readonly name = 'ApprovalNotPendingError';
  constructor(
    readonly execution: string,
    /** The recorded status, when known. */
    readonly status?: string,
    /** Who decided, when the record says. */
    readonly decidedBy?: string,
  ) {
    super(
      status === 'ABANDONED'
        ? `The approval of execution ${execution} is ABANDONED: the execution stopped waiting before anyone decided, so there is nothing to approve; start the restore or failover again if it is still wanted.`
        : `The approval of execution ${execution} is no longer pending (${status !== undefined ? `it is ${status}${decidedBy !== undefined ? ` by ${decidedBy}` : ''}` : 'already approved or rejected, or requested again'}): see lifeboat approvals list.`,
    );
  }
}

/**
 * `lifeboat approve` for an execution that no longer waits (Step Functions refused the answer: the
 * execution was stopped or failed, or its wait timed out). The approval is marked ABANDONED so that it
 * stops looking pending; nothing was approved or rejected.
 */
export class ApprovalAbandonedError extends Error {
  override readonly name = 'ApprovalAbandonedError';
  constructor(
    readonly execution: string,
    /** Step Functions' refusal, e.g. `TaskTimedOut: …`. */
    readonly refusal: string,
    /** Why the catalog could not be marked, and what it reads instead, when it could not. */
    markFailure?: string,
  ) {
    super(
      `Execution ${execution} no longer waits for its approval (${refusal}): it was stopped, it failed, or its wait for approval timed out. Nothing was approved or rejected; ` +
        (markFailure === undefined
          ? 'its approval is now marked ABANDONED. Start the restore or failover again if it is still wanted.'
          : `its approval could not be marked ABANDONED (${markFailure}). Start the restore or failover again if it is still wanted.`),
    );
  }
}

/**
 * Who answered an approval's task before this `lifeboat approve`, as far as can be told: `outside` when
 * the execution history shows an answer that is not one `lifeboat approve` sends (the console's), `another`
 * when it shows another approver's `lifeboat approve` (its reply lost before the catalog recorded it),
 * `unknown` (with why) when the history could not tell.
 */
export type EarlierAnswer =
  | { by: 'outside'; answer: 'success' | 'failure' }
  | { by: 'another'; status: 'APPROVED' | 'REJECTED'; decidedBy: string; decidedAt: string | undefined }
  | { by: 'unknown'; why: string };

function earlierAnswerText(execution: string, executionStatus: string, answered: EarlierAnswer): string {
  if (answered.by === 'outside') {
    return answered.answer === 'success'
      ? `Execution ${execution} was already approved outside lifeboat approve (e.g. the Step Functions console's "Send task success"): ${executionStatus === 'SUCCEEDED' ? 'it went on and SUCCEEDED' : `it is ${executionStatus}`}`
      : `Execution ${execution} was already rejected outside lifeboat approve (e.g. the Step Functions console's "Send task failure"): it is ${executionStatus}`;
  }
  if (answered.by === 'another') {
    return (
      `Execution ${execution} was already ${answered.status === 'APPROVED' ? 'approved' : 'rejected'} by ${answered.decidedBy}${answered.decidedAt !== undefined ? ` at ${answered.decidedAt}` : ''} ` +
      `(the execution history shows that lifeboat approve's answer; its reply was lost before the catalog recorded it): it is ${executionStatus}`
    );
  }
  return (
    `Execution ${execution} is ${executionStatus} but no longer waits for its approval: it was answered already, from outside lifeboat approve (e.g. the Step Functions console) ` +
    `or by an earlier lifeboat approve whose reply was lost (an earlier run of your own among them)${executionStatus === 'RUNNING' ? ', or its wait has just timed out and it is about to fail' : ''}; ` +
    `which could not be told (${answered.why})`
  );
}

/**
 * `lifeboat approve` for an execution whose wait was answered before this command (the Step Functions
 * console's "Send task success", which leaves the catalog PENDING, or another approver's `lifeboat
 * approve` whose reply was lost): Step Functions refuses the answer as for an execution that stopped,
 * but the execution went on. Nothing was sent, and the approval is left PENDING, as it was before this
 * command (`approvals list` tells it from its execution). Never says the answer was the caller's own:
 * that one is recorded instead (decide-approval.ts).
 */
export class ApprovalAnsweredElsewhereError extends Error {
  override readonly name = 'ApprovalAnsweredElsewhereError';
  constructor(
    readonly execution: string,
    /** SUCCEEDED: it was approved; RUNNING (or PENDING_REDRIVE): it goes on, or its wait has only just timed out; FAILED: after an answer the history shows. */
    readonly executionStatus: string,
    /** Step Functions' refusal, e.g. `TaskTimedOut: …`. */
    readonly refusal: string,
    readonly answered: EarlierAnswer,
    /** Why the catalog could not be set back to PENDING, and what it reads instead, when it could not. */
    resetFailure?: string,
  ) {
    super(
      `${earlierAnswerText(execution, executionStatus, answered)}, and Step Functions refused this answer (${refusal}). Nothing was sent; ` +
        (resetFailure === undefined
          ? 'its approval stays PENDING in the catalog, as whoever answered it left it: see lifeboat approvals list.'
          : `its approval could not be set back to PENDING (${resetFailure}).`),
    );
  }
}

/**
 * `lifeboat approve` whose answer Step Functions refused because the caller's own earlier `lifeboat
 * approve` had reached the execution (its reply lost, its record set back to PENDING), when that earlier
 * answer is not what this command asked (an approval, then a rejection) or cannot be recorded: the
 * execution history names the caller in that answer. Nothing more was sent.
 */
export class ApprovalAnsweredEarlierError extends Error {
  override readonly name = 'ApprovalAnsweredEarlierError';
  constructor(
    readonly execution: string,
    /** The decision the execution received, as its history shows it. */
    readonly earlier: { status: 'APPROVED' | 'REJECTED'; decidedBy: string; decidedAt: string },
    /** What this command asked for. */
    readonly asked: 'APPROVED' | 'REJECTED',
    /** Why the catalog could not record the earlier decision, and what it reads instead, when it could not. */
    recordFailure?: string,
  ) {
    super(
      `Execution ${execution} had already received your earlier answer: ${earlier.status} by ${earlier.decidedBy} at ${earlier.decidedAt} ` +
        "(an earlier lifeboat approve whose reply was lost; Step Functions' record of the execution shows it). " +
        (earlier.status !== asked ? `This ${asked === 'APPROVED' ? 'approval' : 'rejection'} was not sent: the task takes one answer. ` : 'Nothing more was sent. ') +
        (recordFailure === undefined ? `Its approval now reads ${earlier.status} by ${earlier.decidedBy}.` : `Its approval could not be recorded so (${recordFailure}).`),
    );
  }
}

/**
 * `lifeboat approve` whose answer Step Functions refused as for a task that no longer waits, for an
 * execution whose status could not be asked (DescribeExecution denied, a region that does not answer):
 * it may have stopped or failed, or gone on (answered from the console, or by an earlier attempt of this
 * same answer whose reply was lost). Nothing more can be sent with that token; the approval is left
 * PENDING, as before the attempt, for `approvals list` (or the console) to tell.
 */
export class ApprovalOutcomeUnknownError extends Error {
  override readonly name = 'ApprovalOutcomeUnknownError';
  constructor(
    readonly execution: string,
    /** Step Functions' refusal, e.g. `TaskTimedOut: …`. */
    readonly refusal: string,
    /** Why the execution's status could not be asked, e.g. `AccessDeniedException: …`. */
    readonly probeFailure: string,
    /** Why the catalog could not be set back to PENDING, and what it reads instead, when it could not. */
    resetFailure?: string,
  ) {
    super(
      `Execution ${execution} no longer waits for this answer (${refusal}), and whether it went on or ended could not be told: its status could not be read (${probeFailure}; ` +
        "the approver needs states:DescribeExecution on the runbook's executions). It may have been answered already (from the Step Functions console, or by an earlier attempt of this answer whose reply was lost), " +
        'or have been stopped, failed, or timed out. Nothing more can be sent for it; ' +
        (resetFailure === undefined
          ? 'its approval stays PENDING in the catalog. See the execution in the Step Functions console, or lifeboat approvals list with a role allowed states:DescribeExecution.'
          : `its approval could not be set back to PENDING (${resetFailure}). See the execution in the Step Functions console.`),
    );
  }
}

/**
 * `lifeboat approve` whose SendTaskSuccess/SendTaskFailure failed (no permission, throttling, a region
 * that does not answer) after its decision was recorded, and whose record could not be set back to
 * PENDING either: the catalog names a decision that Step Functions may never have received.
 */
export class ApprovalUnsentError extends Error {
  override readonly name = 'ApprovalUnsentError';
  constructor(
    readonly execution: string,
    readonly decision: 'APPROVED' | 'REJECTED',
    readonly decidedBy: string,
    /** The send's error. */
    readonly sendFailure: string,
    /** Why the record could not be set back to PENDING. */
    readonly resetFailure: string,
  ) {
    super(
      `The decision on execution ${execution} could not be sent to Step Functions (${sendFailure}), and its approval could not be set back to PENDING (${resetFailure}): ` +
        `the catalog reads ${decision} by ${decidedBy}, but the execution most likely still waits. Answer it from the Step Functions console ("Send task success/failure"), or let its wait time out.`,
    );
  }
}

/** `lifeboat approve` for an execution that asked for no approval. */
export class ApprovalNotFoundError extends Error {
  override readonly name = 'ApprovalNotFoundError';
  /**
   * `partly`: one catalog answered that it holds none and the other could not be read (the primary region down): said
   * as such, not as the unread region's bare connection error (audit a59A F4). `names`: the regions' names, when known.
   */
  constructor(
    readonly execution: string,
    partly?: { answered: CatalogRegion; unread: CatalogRegion; error: string; names?: Record<CatalogRegion, string> },
  ) {
    super(
      partly === undefined
        ? `No approval is recorded for execution ${execution} in either region's catalog: only restores with "overwrite": true and failovers ask for one; see lifeboat approvals list.`
        : `No approval is recorded for execution ${execution} in the ${catalogOf(partly.answered, partly.names)}, and the ${catalogOf(partly.unread, partly.names)} could not be read (${partly.error}): ` +
            `an approval recorded there cannot be answered until that region answers (a failover asks in the DR region, an overwrite restore in its own region); see lifeboat approvals list.`,
    );
  }
}

function catalogOf(region: CatalogRegion, names: Record<CatalogRegion, string> | undefined): string {
  return `${region === 'dr' ? 'DR' : 'primary'} catalog${names ? ` (${names[region]})` : ''}`;
}

/**
 * The approval step of an execution whose name is already recorded in its region's catalog for another
 * execution: approvals are kept by execution name, which Step Functions makes unique per state machine
 * only (the DR region's restore and failover runbooks, one catalog). Recording it would replace the
 * other's pending approval and token, which could then never be approved; so this execution fails.
 */
export class ApprovalNameTakenError extends Error {
  override readonly name = 'ApprovalNameTakenError';
  constructor(
    readonly execution: string,
    readonly executionArn: string,
    /** The execution whose approval the catalog holds under that name, when it could be read. */
    readonly recorded: Pick<ApprovalRecord, 'executionArn' | 'stateMachine' | 'status'> | undefined,
  ) {
    super(
      `An approval named ${execution} is already recorded in this region's catalog for another runbook execution ` +
        `(${recorded !== undefined ? `${recorded.executionArn}, runbook ${recorded.stateMachine}, ${recorded.status}` : 'it could not be read back'}), ` +
        `so the approval of ${executionArn} was not recorded and this execution stops here, having read or written nothing. ` +
        'Start the runbook again with another execution name.',
    );
  }
}

/**
 * `lifeboat approve NAME` (or `--reject`) for a name that waits in both regions' catalogs: two runbook
 * executions of one name (e.g. a restore in the primary region and a failover in the DR region). Which
 * one the approver meant cannot be told, so neither is answered.
 */
export class ApprovalAmbiguousError extends Error {
  override readonly name = 'ApprovalAmbiguousError';
  constructor(
    readonly execution: string,
    readonly candidates: readonly { region: CatalogRegion; record: ApprovalRecord }[],
  ) {
    super(
      `Approvals named ${execution} wait in both regions: ` +
        candidates.map(({ region, record }) => `a ${record.kind} in the ${approvalPlace(region, record)} (requested by ${record.requestedBy} at ${record.requestedAt})`).join('; ') +
        `. Nothing was approved or rejected: pass --region primary or --region dr to say which one (see lifeboat approvals list).`,
    );
  }
}

/** The error an execution fails with when its approval is rejected (SendTaskFailure's error); its cause is the approver's reason. */
export const APPROVAL_REJECTED = 'ApprovalRejected';
