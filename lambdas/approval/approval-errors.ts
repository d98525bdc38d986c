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
 * `lifeboat approve` for an execution whose wait was answered outside `lifeboat approve` (the Step
 * Functions console's "Send task success", which leaves the catalog PENDING): Step Functions refuses
 * the answer as for an execution that stopped, but the execution went on. Nothing was sent, and the
 * approval is left PENDING, as the console left it (`approvals list` tells it from its execution).
 */
export class ApprovalAnsweredElsewhereError extends Error {
  override readonly name = 'ApprovalAnsweredElsewhereError';
  constructor(
    readonly execution: string,
    /** SUCCEEDED: it was approved; RUNNING (or PENDING_REDRIVE): it goes on, or its wait has only just timed out. */
    readonly executionStatus: string,
    /** Step Functions' refusal, e.g. `TaskTimedOut: …`. */
    readonly refusal: string,
    /** Why the catalog could not be set back to PENDING, and what it reads instead, when it could not. */
    resetFailure?: string,
  ) {
    super(
      (executionStatus === 'SUCCEEDED'
        ? `Execution ${execution} was already approved outside lifeboat approve (e.g. the Step Functions console's "Send task success"): it went on and SUCCEEDED, and Step Functions refused this answer (${refusal}). Nothing was sent; `
        : `Execution ${execution} is ${executionStatus} but no longer waits for its approval (${refusal}): it was answered outside lifeboat approve (e.g. the Step Functions console) and goes on, or its wait has just timed out and it is about to fail. Nothing was sent; `) +
        (resetFailure === undefined
          ? 'its approval stays PENDING in the catalog, as whoever answered it left it: see lifeboat approvals list.'
          : `its approval could not be set back to PENDING (${resetFailure}).`),
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
  constructor(readonly execution: string) {
    super(`No approval is recorded for execution ${execution} in either region's catalog: only restores with "overwrite": true and failovers ask for one; see lifeboat approvals list.`);
  }
}

/** The error an execution fails with when its approval is rejected (SendTaskFailure's error); its cause is the approver's reason. */
export const APPROVAL_REJECTED = 'ApprovalRejected';
