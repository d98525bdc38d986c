import { approvalsListCommand } from '../../../cli/commands/approval-commands';
import { type EnvironmentAccess } from '../../../cli/environment-access';
import { type ApprovalLog } from '../../../lambdas/approval/approval-log';
import { type ApprovalRecord } from '../../../lambdas/approval/approval-record';

const failover: ApprovalRecord = {
  execution: '20261204T203900Z-c73d0418',
  executionArn: 'arn:aws:states:us-west-2:000000000000:execution:lifeboat-dev-failover:20261204T203900Z-c73d0418',
  stateMachine: 'lifeboat-dev-failover',
  kind: 'failover',
  status: 'PENDING',
  requestedBy: 'alice',
  requestedAt: '2026-12-04T20:39:00.000Z',
  expiresAt: '2026-12-05T08:39:00.000Z',
  request: { plan: 'demo' },
  taskToken: 'token-never-shown',
};

/** An environment whose primary region refuses connections, as when it is down. */
function accessWithPrimaryDown(): EnvironmentAccess {
  const logs: Record<'primary' | 'dr', Pick<ApprovalLog, 'list'>> = {
    primary: { list: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:43137')) },
    dr: { list: () => Promise.resolve([failover]) },
  };
  return { approvalsIn: (region: 'primary' | 'dr') => logs[region] } as unknown as EnvironmentAccess;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) } };
}

it('with the primary region down, lists the failover waiting in the DR catalog and says which catalog it could not read', async () => {
  const shown = capture();
  expect(await approvalsListCommand({ config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat', json: true }, { io: shown.io, access: accessWithPrimaryDown() })).toBe(1);
  const { taskToken: _hidden, ...listed } = failover;
  expect(JSON.parse(shown.out.join('\n'))).toEqual([listed]);
  expect(shown.err).toEqual(["lifeboat approvals: the primary region's catalog could not be read (connect ECONNREFUSED 127.0.0.1:43137): the list above holds only the other region's approvals"]);
  expect(shown.out.join('\n')).not.toContain('token-never-shown');
});
