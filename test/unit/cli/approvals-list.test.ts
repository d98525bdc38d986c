import { approvalsListCommand, approveCommand } from '../../../cli/commands/approval-commands';
import { type EnvironmentAccess } from '../../../cli/environment-access';
import { type ApprovalLog } from '../../../lambdas/approval/approval-log';
import { type ApprovalRecord } from '../../../lambdas/approval/approval-record';
import { capturedCliIo } from '../../support/captured-cli-io';

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

it('with the primary region down, lists the failover waiting in the DR catalog and says which catalog it could not read', async () => {
  const shown = capturedCliIo();
  expect(await approvalsListCommand({ config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat', json: true }, { io: shown.io, access: accessWithPrimaryDown(), now: () => new Date('2026-12-04T21:00:00.000Z'), executionStatus: async () => 'RUNNING' })).toBe(1);
  const { taskToken: _hidden, ...listed } = failover;
  expect(JSON.parse(shown.out.join('\n'))).toEqual([{ ...listed, region: 'dr' }]);
  expect(shown.err).toEqual(["lifeboat approvals: the primary region's catalog could not be read (connect ECONNREFUSED 127.0.0.1:43137): the list above holds only the other region's approvals"]);
  expect(shown.out.join('\n')).not.toContain('token-never-shown');
});

it('with neither catalog read, prints no list (not "No approval is pending.", not []) and names both failures once', async () => {
  const down = { list: () => Promise.reject(new Error('Could not load credentials from any providers')) };
  const access = { approvalsIn: () => down } as unknown as EnvironmentAccess;
  for (const json of [false, true]) {
    const shown = capturedCliIo();
    expect(await approvalsListCommand({ config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat', json }, { io: shown.io, access, executionStatus: async () => 'RUNNING' })).toBe(1);
    expect(shown.out).toEqual([]);
    expect(shown.err).toEqual([
      "lifeboat approvals: no approval can be listed: the primary region's catalog could not be read (Could not load credentials from any providers); the DR region's catalog could not be read (Could not load credentials from any providers)",
    ]);
  }
});

describe('a pending approval that waits for nothing', () => {
  const restore: ApprovalRecord = { ...failover, execution: '20261205T010930Z-307a6bfc', executionArn: 'arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-restore:20261205T010930Z-307a6bfc', stateMachine: 'lifeboat-dev-restore', kind: 'restore', request: { source: 'demo-files', overwrite: true } };
  const waiting: ApprovalRecord = { ...failover, execution: '20261205T020000Z-aaaaaaaa', expiresAt: '2026-12-05T14:00:00.000Z' };
  const access = { approvalsIn: (region: 'primary' | 'dr') => ({ list: () => Promise.resolve(region === 'primary' ? [restore] : [failover, waiting]) }) } as unknown as EnvironmentAccess;
  /** The restore's execution was stopped (Ctrl-C); the others' status cannot be told. */
  const executionStatus = async (_region: 'primary' | 'dr', record: ApprovalRecord) => (record.execution === restore.execution ? 'ABORTED' : undefined);
  const now = () => new Date('2026-12-05T10:00:00.000Z');

  it('is listed as ABANDONED when its execution ended, as EXPIRED past its expiresAt, and said to need no decision', async () => {
    const shown = capturedCliIo();
    expect(await approvalsListCommand({ config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat' }, { io: shown.io, access, executionStatus, now })).toBe(0);
    expect(shown.out).toEqual([
      expect.stringMatching(/^20261205T010930Z-307a6bfc {2}restore {2}ABANDONED \(execution ABORTED\) {2}primary region us-east-1, runbook lifeboat-dev-restore {2}requested by alice/),
      expect.stringMatching(/^20261204T203900Z-c73d0418 {2}failover {2}EXPIRED {2}DR region us-west-2, runbook lifeboat-dev-failover {2}requested by alice/),
      expect.stringMatching(/^20261205T020000Z-aaaaaaaa {2}failover {2}PENDING {2}DR region us-west-2, runbook lifeboat-dev-failover {2}requested by alice/),
      '2 of these wait for nothing: the execution ended, or its wait for approval expired, before anyone decided; nothing to approve or reject (`lifeboat approve` marks it ABANDONED). Start the restore or failover again if it is still wanted.',
    ]);
    const json = capturedCliIo();
    expect(await approvalsListCommand({ config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat', json: true }, { io: json.io, access, executionStatus, now })).toBe(0);
    expect((JSON.parse(json.out.join('\n')) as { execution: string; status: string; executionStatus?: string }[]).map((a) => [a.execution, a.status, a.executionStatus])).toEqual([
      [restore.execution, 'ABANDONED', 'ABORTED'],
      [failover.execution, 'EXPIRED', undefined],
      [waiting.execution, 'PENDING', undefined],
    ]);
  });
});

describe('a pending approval whose execution SUCCEEDED (answered outside lifeboat approve, audit R38 F3)', () => {
  const consoleApproved: ApprovalRecord = { ...failover, execution: '20261205T030000Z-bbbbbbbb' };
  const stopped: ApprovalRecord = { ...failover, execution: '20261205T040000Z-cccccccc' };
  const access = { approvalsIn: (region: 'primary' | 'dr') => ({ list: () => Promise.resolve(region === 'dr' ? [consoleApproved, stopped] : []) }) } as unknown as EnvironmentAccess;
  const executionStatus = async (_region: 'primary' | 'dr', record: ApprovalRecord) => (record.execution === consoleApproved.execution ? 'SUCCEEDED' : 'FAILED');
  const now = () => new Date('2026-12-05T05:00:00.000Z');

  it('is listed as APPROVED_OUTSIDE, not ABANDONED, and is not among those said to need starting again', async () => {
    const shown = capturedCliIo();
    expect(await approvalsListCommand({ config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat' }, { io: shown.io, access, executionStatus, now })).toBe(0);
    expect(shown.out).toEqual([
      expect.stringMatching(/^20261205T030000Z-bbbbbbbb {2}failover {2}APPROVED_OUTSIDE \(execution SUCCEEDED\) {2}DR region us-west-2, runbook lifeboat-dev-failover {2}requested by alice/),
      expect.stringMatching(/^20261205T040000Z-cccccccc {2}failover {2}ABANDONED \(execution FAILED\) {2}DR region us-west-2, runbook lifeboat-dev-failover {2}requested by alice/),
      '1 of these waits for nothing: the execution ended, or its wait for approval expired, before anyone decided; nothing to approve or reject (`lifeboat approve` marks it ABANDONED). Start the restore or failover again if it is still wanted.',
      '1 of these was approved outside lifeboat approve (e.g. the Step Functions console\'s "Send task success", which leaves the catalog PENDING): the execution went on and SUCCEEDED; nothing to approve or reject.',
    ]);
    const json = capturedCliIo();
    expect(await approvalsListCommand({ config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat', json: true }, { io: json.io, access, executionStatus, now })).toBe(0);
    expect((JSON.parse(json.out.join('\n')) as { status: string; executionStatus?: string }[]).map((a) => [a.status, a.executionStatus])).toEqual([
      ['APPROVED_OUTSIDE', 'SUCCEEDED'],
      ['ABANDONED', 'FAILED'],
    ]);
  });

  it('approving it says it was already approved and leaves it PENDING, not ABANDONED', async () => {
    const records = new Map<string, ApprovalRecord>([[consoleApproved.execution, consoleApproved]]);
    const log = {
      get: async (execution: string) => records.get(execution),
      decide: async (execution: string, _token: string, d: Partial<ApprovalRecord>) => void records.set(execution, { ...records.get(execution)!, ...d }),
      reviseClaim: async (execution: string, _token: string, _claim: unknown, to: { status: 'PENDING' | 'ABANDONED'; reason?: string }) => {
        const { decidedBy: _by, decidedAt: _at, ...rest } = records.get(execution)!;
        records.set(execution, to.status === 'PENDING' ? { ...rest, status: 'PENDING' } : { ...records.get(execution)!, status: 'ABANDONED' });
        return true;
      },
    };
    const empty = { get: async () => undefined };
    const approveAccess = { approvalsIn: (region: 'primary' | 'dr') => (region === 'dr' ? log : empty), environment: { primaryRegion: 'us-east-1', drRegion: 'us-west-2' } } as unknown as EnvironmentAccess;
    const taskGone = Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
    const responder = { success: () => Promise.reject(taskGone), failure: () => Promise.reject(taskGone) };
    // The execution history shows the console's answer: its output is not one lifeboat approve sends.
    const consoleAnswer = async () => ({ answer: 'success' as const, output: '{"ok":true}', at: '2026-12-05T03:10:00.000Z' });
    const said = capturedCliIo();
    expect(await approveCommand(consoleApproved.execution, { config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat' }, { io: said.io, access: approveAccess, responder, caller: async () => 'carol', executionStatus, taskAnswer: consoleAnswer })).toBe(1);
    expect(said.err).toEqual([
      'lifeboat approve: Execution 20261205T030000Z-bbbbbbbb was already approved outside lifeboat approve (e.g. the Step Functions console\'s "Send task success"): it went on and SUCCEEDED, and Step Functions refused this answer (TaskTimedOut: Task Timed Out). Nothing was sent; its approval stays PENDING in the catalog, as whoever answered it left it: see lifeboat approvals list.',
    ]);
    expect(records.get(consoleApproved.execution)).toEqual(consoleApproved);
  });
});

describe('one execution name waiting in both regions (audit c4-3)', () => {
  const name = 'incident-42';
  const primaryRestore: ApprovalRecord = { ...failover, execution: name, executionArn: `arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-restore:${name}`, stateMachine: 'lifeboat-dev-restore', kind: 'restore', request: { source: 'demo-files', overwrite: true }, taskToken: 'token-primary' };
  const drFailover: ApprovalRecord = { ...failover, execution: name, executionArn: `arn:aws:states:us-west-2:000000000000:execution:lifeboat-dev-failover:${name}`, taskToken: 'token-dr' };
  const byRegion = { primary: primaryRestore, dr: drFailover };
  const access = {
    approvalsIn: (region: 'primary' | 'dr') => ({
      list: async () => [byRegion[region]],
      get: async (execution: string) => (execution === name ? byRegion[region] : undefined),
      decide: async () => undefined,
    }),
    environment: { primaryRegion: 'us-east-1', drRegion: 'us-west-2' },
  } as unknown as EnvironmentAccess;
  const target = { config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat' };

  it('lists each with its region and runbook', async () => {
    const shown = capturedCliIo();
    expect(await approvalsListCommand(target, { io: shown.io, access, executionStatus: async () => 'RUNNING', now: () => new Date('2026-12-04T21:00:00.000Z') })).toBe(0);
    expect(shown.out).toEqual([
      expect.stringMatching(/^incident-42 {2}restore {2}PENDING {2}primary region us-east-1, runbook lifeboat-dev-restore {2}requested by alice/),
      expect.stringMatching(/^incident-42 {2}failover {2}PENDING {2}DR region us-west-2, runbook lifeboat-dev-failover {2}requested by alice/),
    ]);
  });

  it('approve refuses to choose and sends nothing; with --region it answers that region\'s execution', async () => {
    const sent: string[] = [];
    const responder = { success: async (region: string, token: string) => void sent.push(`${region} ${token}`), failure: async () => Promise.reject(new Error('not expected')) };
    const refused = capturedCliIo();
    expect(await approveCommand(name, target, { io: refused.io, access, responder, caller: async () => 'carol' })).toBe(1);
    expect(refused.err).toEqual([
      'lifeboat approve: Approvals named incident-42 wait in both regions: a restore in the primary region us-east-1, runbook lifeboat-dev-restore (requested by alice at 2026-12-04T20:39:00.000Z); ' +
        'a failover in the DR region us-west-2, runbook lifeboat-dev-failover (requested by alice at 2026-12-04T20:39:00.000Z). Nothing was approved or rejected: pass --region primary or --region dr to say which one (see lifeboat approvals list).',
    ]);
    expect(sent).toEqual([]);
    const chosen = capturedCliIo();
    expect(await approveCommand(name, { ...target, region: 'primary' }, { io: chosen.io, access, responder, caller: async () => 'carol' })).toBe(0);
    expect(sent).toEqual(['primary token-primary']);
    // The line names which of the two it decided, as the list does.
    expect(chosen.out).toEqual(['Approved: restore incident-42 in the primary region us-east-1, runbook lifeboat-dev-restore (decided by carol).']);
    const other = capturedCliIo();
    expect(await approveCommand(name, { ...target, region: 'dr' }, { io: other.io, access, responder, caller: async () => 'carol' })).toBe(0);
    expect(other.out).toEqual(['Approved: failover incident-42 in the DR region us-west-2, runbook lifeboat-dev-failover (decided by carol).']);
  });
});
