import { ApprovalLog } from '../approval/approval-log';
import { approvalRequestSchema, requestApproval } from '../approval/request-approval';
import { parseFailoverRequest } from '../failover/failover-request';
import { parseRestoreRequest } from '../restore/restore-request';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/** The approval step of overwrite restores and failovers: checks the input, records the pending approval and its task token; returns nothing the workflow uses. */
export const handler = lifeboatHandler({ schema: approvalRequestSchema, describes: 'approval request' }, async (input, runtime) => {
  const record = await requestApproval(input, new ApprovalLog(runtime.clients.documentClient(), runtime.config.catalogTable), new Date(), {
    failover: (request) => void parseFailoverRequest(request, runtime.plans),
    restore: (request) => void parseRestoreRequest(request, runtime.sources, runtime.config.homeVault),
  });
  return { execution: record.execution, requestedAt: record.requestedAt, expiresAt: record.expiresAt };
});
