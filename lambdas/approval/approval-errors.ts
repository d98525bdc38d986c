/** `lifeboat approve` for an execution whose approval is already decided (or was replaced by a retried request). */
export class ApprovalNotPendingError extends Error {
  override readonly name = 'ApprovalNotPendingError';
  constructor(
    readonly execution: string,
    /** The recorded status, when known. */
    readonly status?: string,
  ) {
    super(
      status === 'ABANDONED'
        ? `The approval of execution ${execution} is ABANDONED: the execution stopped waiting before anyone decided, so there is nothing to approve; start the restore or failover again if it is still wanted.`
        : `The approval of execution ${execution} is no longer pending (${status !== undefined ? `it is ${status}` : 'already approved or rejected, or requested again'}): see lifeboat approvals list.`,
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
    /** Why the catalog could not be marked, when it could not. */
    markFailure?: string,
  ) {
    super(
      `Execution ${execution} no longer waits for its approval (${refusal}): it was stopped, it failed, or its wait for approval timed out. Nothing was approved or rejected; ` +
        (markFailure === undefined
          ? 'its approval is now marked ABANDONED. Start the restore or failover again if it is still wanted.'
          : `its approval could not be marked ABANDONED (${markFailure}) and still reads PENDING in the catalog. Start the restore or failover again if it is still wanted.`),
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
