/** `lifeboat approve` for an execution whose approval is already decided (or was replaced by a retried request). */
export class ApprovalNotPendingError extends Error {
  override readonly name = 'ApprovalNotPendingError';
  constructor(readonly execution: string) {
    super(`The approval of execution ${execution} is no longer pending (already approved or rejected, or requested again): see lifeboat approvals list.`);
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
