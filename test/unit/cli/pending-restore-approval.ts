import { type EnvironmentConfig } from '../../../config/lifeboat-config';
import { type ApprovalRecord } from '../../../lambdas/approval/approval-record';

/** The catalog's record of an overwriting restore of the sample config's `environment` that waits for its approval (token "tok", expiring in 2099). */
export function pendingRestoreApproval(environment: EnvironmentConfig, execution: string): ApprovalRecord {
  return {
    execution,
    executionArn: `arn:aws:states:${environment.primaryRegion}:${environment.account}:execution:lifeboat-dev-restore:${execution}`,
    stateMachine: 'lifeboat-dev-restore',
    kind: 'restore',
    status: 'PENDING',
    requestedBy: 'op',
    requestedAt: '2026-12-05T10:00:00.000Z',
    expiresAt: '2099-12-05T22:00:00.000Z',
    request: { source: 'x', overwrite: true },
    taskToken: 'tok',
  };
}
