import { ApprovalLog } from '../approval/approval-log';
import { approvalRequestSchema, requestApproval } from '../approval/request-approval';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/** The approval step of overwrite restores and failovers: records the pending approval and its task token; returns nothing the workflow uses. */
export const handler = lifeboatHandler({ schema: approvalRequestSchema, describes: 'approval request' }, async (input, runtime) => {
  const record = await requestApproval(input, new ApprovalLog(runtime.clients.documentClient(), runtime.config.catalogTable));
  return { execution: record.execution, requestedAt: record.requestedAt, expiresAt: record.expiresAt };
});
