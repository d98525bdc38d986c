import { type ApprovalLog } from '../../../../lambdas/approval/approval-log';
import { ApprovalAbandonedError, ApprovalAmbiguousError, ApprovalAnsweredElsewhereError, ApprovalNotFoundError, ApprovalNotPendingError, ApprovalOutcomeUnknownError, ApprovalUnsentError } from '../../../../lambdas/approval/approval-errors';
import { type ApprovalRecord } from '../../../../lambdas/approval/approval-record';
import { type CatalogRegion, decideApproval, findApproval, type TaskResponder } from '../../../../lambdas/approval/decide-approval';
import { requestApproval } from '../../../../lambdas/approval/request-approval';
import { parseFailoverRequest } from '../../../../lambdas/failover/failover-request';
import { parseRestoreRequest } from '../../../../lambdas/restore/restore-request';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { localTaskResponder, TaskDoesNotExistError } from '../../../../local/executor/task-tokens';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { testPlan } from '../../../support/test-plans';

/** An ApprovalLog over a Map, with the conditional decide and reviseClaim of the catalog's; `down` makes every call fail as an unreachable region. */
function memoryLog(down = false): ApprovalLog & { items: Map<string, ApprovalRecord> } {
  const items = new Map<string, ApprovalRecord>();
  const unreachable = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { name: 'TimeoutError' }));
  const log = {
    items,
    request: async (a: ApprovalRecord) => void items.set(a.execution, a),
    get: async (execution: string) => (down ? unreachable() : items.get(execution)),
    list: async () => [...items.values()],
    decide: async (execution: string, token: string, d: { status: 'APPROVED' | 'REJECTED' | 'ABANDONED'; decidedBy: string; decidedAt: string; reason?: string | undefined }) => {
      const a = items.get(execution);
      if (!a || a.status !== 'PENDING' || a.taskToken !== token) throw new ApprovalNotPendingError(execution);
      items.set(execution, { ...a, ...d, ...(d.reason === undefined ? {} : { reason: d.reason }) });
    },
    reviseClaim: async (execution: string, token: string, claim: { status: string; decidedBy: string; decidedAt: string }, to: { status: 'ABANDONED'; reason: string } | { status: 'PENDING' }) => {
      const a = items.get(execution);
      if (!a || a.status !== claim.status || a.taskToken !== token || a.decidedBy !== claim.decidedBy || a.decidedAt !== claim.decidedAt) return false;
      if (to.status === 'ABANDONED') items.set(execution, { ...a, status: 'ABANDONED', reason: to.reason });
      else {
        const { decidedBy: _by, decidedAt: _at, reason: _reason, ...pending } = a;
        items.set(execution, { ...pending, status: 'PENDING' });
      }
      return true;
    },
  };
  return log as unknown as ApprovalLog & { items: Map<string, ApprovalRecord> };
}

function recordingResponder() {
  const sent: { region: CatalogRegion; token: string; kind: 'success' | 'failure'; error?: string; detail: string }[] = [];
  const responder: TaskResponder = {
    success: async (region, token, output) => void sent.push({ region, token, kind: 'success', detail: output }),
    failure: async (region, token, error, cause) => void sent.push({ region, token, kind: 'failure', error, detail: cause }),
  };
  return { sent, responder };
}

const NOW = new Date('2026-12-01T02:00:00Z');
const request = { taskToken: 'token-1', execution: 'exec-1', executionArn: 'arn:aws:states:us-west-2:1:execution:lifeboat-dev-failover:exec-1', stateMachine: 'lifeboat-dev-failover', kind: 'failover' as const, request: { plan: 'demo', requestedBy: 'alice' }, timeoutSeconds: 3600 };

describe('approvals', () => {
  it('records a pending approval with who asked, what, the token and when it expires', async () => {
    const dr = memoryLog();
    const record = await requestApproval(request, dr, NOW);
    expect(record).toEqual({
      execution: 'exec-1',
      executionArn: request.executionArn,
      stateMachine: 'lifeboat-dev-failover',
      kind: 'failover',
      request: { plan: 'demo', requestedBy: 'alice' },
      requestedBy: 'alice',
      requestedAt: '2026-12-01T02:00:00.000Z',
      expiresAt: '2026-12-01T03:00:00.000Z',
      taskToken: 'token-1',
      status: 'PENDING',
    });
    expect((await requestApproval({ ...request, execution: 'exec-2', request: { plan: 'demo' } }, dr, NOW)).requestedBy).toBe('(not given)');
  });

  it('checks the input before recording: a request the runbook refuses fails with its error, and nobody is asked to approve it', async () => {
    const plan = testPlan({ name: 'demo', sources: [{ type: 's3', name: 'demo-assets', bucket: 'demo-assets-bucket' }] });
    // The checks the handler gives (lambdas/handlers/request-approval.ts).
    const checks = {
      failover: (r: unknown) => void parseFailoverRequest(r, [plan]),
      restore: (r: unknown) => void parseRestoreRequest(r, plan.sources),
    };
    const log = memoryLog();
    await expect(requestApproval({ ...request, request: { plan: 'nope' } }, log, NOW, checks)).rejects.toThrow(new InvalidInputError('Invalid failover input: plan: unknown plan "nope"; known plans: demo'));
    await expect(requestApproval({ ...request, request: { plan: 'demo', backupID: 'x' } }, log, NOW, checks)).rejects.toThrow(/backupID: unknown field/);
    const restore = { ...request, kind: 'restore' as const, stateMachine: 'lifeboat-dev-restore' };
    await expect(requestApproval({ ...restore, request: { source: 'demo-asets', target: { type: 's3', bucket: 'demo-assets-bucket' }, overwrite: true } }, log, NOW, checks)).rejects.toThrow(/source: unknown source "demo-asets"/);
    expect(log.items.size).toBe(0);
    // A valid request is recorded, checked by its own kind's parser.
    await requestApproval({ ...restore, request: { source: 'demo-assets', target: { type: 's3', bucket: 'demo-assets-bucket' }, overwrite: true } }, log, NOW, checks);
    await requestApproval({ ...request, execution: 'exec-2' }, log, NOW, checks);
    expect([...log.items.keys()]).toEqual(['exec-1', 'exec-2']);
  });

  it('approving sends SendTaskSuccess in the region that waits and marks the approval, found with the primary region unreachable', async () => {
    const dr = memoryLog();
    await requestApproval(request, dr, NOW);
    const { sent, responder } = recordingResponder();
    const decided = await decideApproval({ logs: { primary: memoryLog(true), dr }, responder, execution: 'exec-1', decision: { approve: true }, decidedBy: 'arn:aws:sts::1:assumed-role/approver/bob', now: NOW });
    expect(sent).toEqual([{ region: 'dr', token: 'token-1', kind: 'success', detail: JSON.stringify({ approvedBy: 'arn:aws:sts::1:assumed-role/approver/bob', approvedAt: NOW.toISOString() }) }]);
    expect(decided).toMatchObject({ status: 'APPROVED', decidedBy: 'arn:aws:sts::1:assumed-role/approver/bob' });
    expect(dr.items.get('exec-1')).toMatchObject({ status: 'APPROVED' });
  });

  it('rejecting sends SendTaskFailure ApprovalRejected with the reason; a second decision is refused and sends nothing', async () => {
    const primary = memoryLog();
    await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const { sent, responder } = recordingResponder();
    await decideApproval({ logs: { primary, dr: memoryLog() }, responder, execution: 'exec-1', decision: { approve: false, reason: 'wrong backup' }, decidedBy: 'bob', now: NOW });
    expect(sent).toEqual([{ region: 'primary', token: 'token-1', kind: 'failure', error: 'ApprovalRejected', detail: 'Rejected by bob: wrong backup' }]);
    expect(primary.items.get('exec-1')).toMatchObject({ status: 'REJECTED', reason: 'wrong backup' });
    await expect(decideApproval({ logs: { primary, dr: memoryLog() }, responder, execution: 'exec-1', decision: { approve: true }, decidedBy: 'carol' })).rejects.toBeInstanceOf(ApprovalNotPendingError);
    expect(sent).toHaveLength(1);
  });

  it('an execution that asked for no approval is named in the error', async () => {
    const { responder } = recordingResponder();
    await expect(decideApproval({ logs: { primary: memoryLog(), dr: memoryLog() }, responder, execution: 'nope', decision: { approve: true }, decidedBy: 'bob' })).rejects.toThrow(ApprovalNotFoundError);
    await expect(decideApproval({ logs: { primary: memoryLog(), dr: memoryLog(true) }, responder, execution: 'nope', decision: { approve: true }, decidedBy: 'bob' })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('one execution name waiting in both regions (audit c4-3)', () => {
  const primaryRestore = { ...request, taskToken: 'token-primary', executionArn: 'arn:aws:states:us-east-1:1:execution:lifeboat-dev-restore:exec-1', stateMachine: 'lifeboat-dev-restore', kind: 'restore' as const };

  it('refuses to choose, naming each region and runbook, and sends nothing; --region chooses', async () => {
    const primary = memoryLog();
    const dr = memoryLog();
    await requestApproval(primaryRestore, primary, NOW);
    await requestApproval(request, dr, NOW);
    const { sent, responder } = recordingResponder();
    const refused = decideApproval({ logs: { primary, dr }, responder, execution: 'exec-1', decision: { approve: true }, decidedBy: 'bob', now: NOW });
    await expect(refused).rejects.toBeInstanceOf(ApprovalAmbiguousError);
    await expect(refused).rejects.toThrow(
      'Approvals named exec-1 wait in both regions: a restore in the primary region us-east-1, runbook lifeboat-dev-restore (requested by alice at 2026-12-01T02:00:00.000Z); ' +
        'a failover in the DR region us-west-2, runbook lifeboat-dev-failover (requested by alice at 2026-12-01T02:00:00.000Z). Nothing was approved or rejected: pass --region primary or --region dr to say which one (see lifeboat approvals list).',
    );
    expect(sent).toEqual([]);
    expect([primary.items.get('exec-1')?.status, dr.items.get('exec-1')?.status]).toEqual(['PENDING', 'PENDING']);
    const found = await findApproval({ primary, dr }, 'exec-1', 'dr');
    await decideApproval({ logs: { primary, dr }, responder, execution: 'exec-1', decision: { approve: true }, decidedBy: 'bob', now: NOW, found });
    expect(sent).toEqual([expect.objectContaining({ region: 'dr', token: 'token-1', kind: 'success' })]);
    expect(primary.items.get('exec-1')?.status).toBe('PENDING');
  });

  it('takes the one still PENDING when the other region\'s is decided, whichever answers first', async () => {
    const primary = memoryLog();
    const dr = memoryLog();
    await requestApproval(primaryRestore, primary, NOW);
    const decided = { ...(await requestApproval(request, dr, NOW)), status: 'APPROVED' as const, decidedBy: 'carol', decidedAt: NOW.toISOString() };
    dr.items.set('exec-1', decided);
    await expect(findApproval({ primary, dr }, 'exec-1')).resolves.toMatchObject({ region: 'primary', record: { taskToken: 'token-primary' } });
  });
});

describe('finding an approval with one region that never answers (audit R43 F1)', () => {
  /** A region whose endpoint takes the request and never answers: its read never settles. */
  const silent = (): ApprovalLog => ({ get: () => new Promise<never>(() => undefined) }) as unknown as ApprovalLog;

  it('with a region, returns that catalog\'s record without asking the other (--region dr with the primary silent, and the reverse)', async () => {
    const dr = memoryLog();
    const record = await requestApproval(request, dr, NOW);
    await expect(findApproval({ primary: silent(), dr }, 'exec-1', 'dr')).resolves.toEqual({ region: 'dr', record });
    const primary = memoryLog();
    const restore = await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    await expect(findApproval({ primary, dr: silent() }, 'exec-1', 'primary')).resolves.toEqual({ region: 'primary', record: restore });
    await expect(findApproval({ primary, dr: silent() }, 'exec-2', 'primary')).rejects.toThrow(new ApprovalNotFoundError('exec-2'));
  });

  it('without a region, returns the record of the one region that has it when the other fails', async () => {
    const dr = memoryLog();
    const record = await requestApproval(request, dr, NOW);
    await expect(findApproval({ primary: memoryLog(true), dr }, 'exec-1')).resolves.toEqual({ region: 'dr', record });
  });

  it('when neither has it, says it is not found, or names the region that failed (the primary\'s error first)', async () => {
    await expect(findApproval({ primary: memoryLog(), dr: memoryLog() }, 'nope')).rejects.toThrow(new ApprovalNotFoundError('nope'));
    const failing = (message: string): ApprovalLog => ({ get: () => Promise.reject(new Error(message)) }) as unknown as ApprovalLog;
    // Audit a59A F4: one catalog said it holds none, the other could not be read: both said, under ApprovalNotFoundError.
    await expect(findApproval({ primary: failing('primary down'), dr: memoryLog() }, 'nope', undefined, { primary: 'us-east-1', dr: 'us-west-2' })).rejects.toMatchObject({
      name: 'ApprovalNotFoundError',
      message:
        'No approval is recorded for execution nope in the DR catalog (us-west-2), and the primary catalog (us-east-1) could not be read (Error: primary down): ' +
        'an approval recorded there cannot be answered until that region answers (a failover asks in the DR region, an overwrite restore in its own region); see lifeboat approvals list.',
    });
    await expect(findApproval({ primary: memoryLog(), dr: failing('dr down') }, 'nope')).rejects.toMatchObject({ name: 'ApprovalNotFoundError', message: expect.stringContaining('in the primary catalog, and the DR catalog could not be read (Error: dr down)') });
    await expect(findApproval({ primary: failing('primary down'), dr: failing('dr down') }, 'nope')).rejects.toThrow('primary down');
  });
});

describe('an approval whose execution stopped waiting', () => {
  /** Step Functions' answer for a token whose task is gone, as the SDK throws it (name TaskTimedOut). */
  const taskTimedOut = () => Object.assign(new Error("Task Timed Out: 'Provided task does not exist anymore'"), { name: 'TaskTimedOut' });
  const deadResponder: TaskResponder = { success: () => Promise.reject(taskTimedOut()), failure: () => Promise.reject(taskTimedOut()) };

  it('approving it marks it ABANDONED and says the execution no longer waits; a second try says it is abandoned', async () => {
    const primary = memoryLog();
    await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    // Any other refusal (no permission) says nothing about the execution: the approval stays PENDING.
    const denied = Object.assign(new Error('not authorized to perform: states:SendTaskSuccess'), { name: 'AccessDeniedException' });
    const refusing: TaskResponder = { success: () => Promise.reject(denied), failure: () => Promise.reject(denied) };
    await expect(decideApproval({ logs: { primary, dr: memoryLog() }, responder: refusing, execution: 'exec-1', decision: { approve: true }, decidedBy: 'eve' })).rejects.toThrow('not authorized');
    expect(primary.items.get('exec-1')).toMatchObject({ status: 'PENDING' });
    const approving = decideApproval({ logs: { primary, dr: memoryLog() }, responder: deadResponder, execution: 'exec-1', decision: { approve: true }, decidedBy: 'bob', now: NOW });
    await expect(approving).rejects.toThrow(ApprovalAbandonedError);
    await expect(approving).rejects.toThrow(
      "Execution exec-1 no longer waits for its approval (TaskTimedOut: Task Timed Out: 'Provided task does not exist anymore'): it was stopped, it failed, or its wait for approval timed out. Nothing was approved or rejected; its approval is now marked ABANDONED.",
    );
    expect(primary.items.get('exec-1')).toMatchObject({ status: 'ABANDONED', decidedBy: 'bob', decidedAt: NOW.toISOString(), reason: expect.stringContaining('approved after the execution had stopped waiting (TaskTimedOut') });
    await expect(decideApproval({ logs: { primary, dr: memoryLog() }, responder: deadResponder, execution: 'exec-1', decision: { approve: false, reason: 'stale' }, decidedBy: 'carol' })).rejects.toThrow(
      'The approval of execution exec-1 is ABANDONED: the execution stopped waiting before anyone decided, so there is nothing to approve',
    );
  });

  it('rejecting it against the local executor (whose answer is TaskDoesNotExist) marks it ABANDONED too', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-dead-token-'));
    try {
      const dr = memoryLog();
      await requestApproval(request, dr, NOW);
      // No task registered the token: the execution ended (Ctrl-C, StopExecution, the wait's timeout).
      await expect(localTaskResponder(dataDir).failure('dr', 'token-1', 'ApprovalRejected', 'x')).rejects.toBeInstanceOf(TaskDoesNotExistError);
      await expect(decideApproval({ logs: { primary: memoryLog(), dr }, responder: localTaskResponder(dataDir), execution: 'exec-1', decision: { approve: false, reason: 'stale' }, decidedBy: 'bob', now: NOW })).rejects.toThrow(ApprovalAbandonedError);
      expect(dr.items.get('exec-1')).toMatchObject({ status: 'ABANDONED', reason: expect.stringContaining('rejected after the execution had stopped waiting (TaskDoesNotExist') });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('two approvers at once (audit R38 F2)', () => {
  it('the first records its decision before sending; the second, deciding while the first sends, is refused and sends nothing', async () => {
    const primary = memoryLog();
    await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const logs = { primary, dr: memoryLog() };
    const bob = recordingResponder();
    let bobsAnswer: unknown;
    let catalogWhileAliceSends: ApprovalRecord | undefined;
    // Alice's SendTaskSuccess: while it is on its way, Bob rejects.
    const alice: TaskResponder = {
      success: async () => {
        catalogWhileAliceSends = primary.items.get('exec-1');
        bobsAnswer = await decideApproval({ logs, responder: bob.responder, execution: 'exec-1', decision: { approve: false, reason: 'wrong backup' }, decidedBy: 'bob', now: NOW }).catch((err: unknown) => err);
      },
      failure: () => Promise.reject(new Error('Alice only approves')),
    };
    await expect(decideApproval({ logs, responder: alice, execution: 'exec-1', decision: { approve: true }, decidedBy: 'alice', now: NOW })).resolves.toMatchObject({ status: 'APPROVED', decidedBy: 'alice' });
    expect(catalogWhileAliceSends).toMatchObject({ status: 'APPROVED', decidedBy: 'alice' });
    expect(bobsAnswer).toBeInstanceOf(ApprovalNotPendingError);
    expect((bobsAnswer as Error).message).toBe('The approval of execution exec-1 is no longer pending (it is APPROVED by alice): see lifeboat approvals list.');
    expect(bob.sent).toEqual([]);
    expect(primary.items.get('exec-1')).toMatchObject({ status: 'APPROVED', decidedBy: 'alice', decidedAt: NOW.toISOString() });
  });
});

describe('a decision whose answer does not get through', () => {
  const taskTimedOut = () => Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
  const deadResponder: TaskResponder = { success: () => Promise.reject(taskTimedOut()), failure: () => Promise.reject(taskTimedOut()) };

  it('a send that fails otherwise (throttled) sets the record back to PENDING, so that a retry sends it', async () => {
    const primary = memoryLog();
    const pending = await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const failing: TaskResponder = { success: () => Promise.reject(throttled), failure: () => Promise.reject(throttled) };
    await expect(decideApproval({ logs: { primary, dr: memoryLog() }, responder: failing, execution: 'exec-1', decision: { approve: false, reason: 'wrong backup' }, decidedBy: 'bob', now: NOW })).rejects.toBe(throttled);
    expect(primary.items.get('exec-1')).toEqual(pending);
    const { sent, responder } = recordingResponder();
    await decideApproval({ logs: { primary, dr: memoryLog() }, responder, execution: 'exec-1', decision: { approve: false, reason: 'wrong backup' }, decidedBy: 'bob', now: NOW });
    expect(sent).toEqual([{ region: 'primary', token: 'token-1', kind: 'failure', error: 'ApprovalRejected', detail: 'Rejected by bob: wrong backup' }]);
    expect(primary.items.get('exec-1')).toMatchObject({ status: 'REJECTED', decidedBy: 'bob', reason: 'wrong backup' });
  });

  it('when the record cannot be set back either, the error says the catalog reads a decision that was never sent', async () => {
    const primary = memoryLog();
    await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const unreachable = Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
    const failing: TaskResponder = { success: () => Promise.reject(unreachable), failure: () => Promise.reject(unreachable) };
    const logs = { primary: Object.assign(primary, { reviseClaim: () => Promise.reject(new Error('Requested resource not found')) }), dr: memoryLog() };
    const deciding = decideApproval({ logs, responder: failing, execution: 'exec-1', decision: { approve: true }, decidedBy: 'bob', now: NOW });
    await expect(deciding).rejects.toBeInstanceOf(ApprovalUnsentError);
    await expect(deciding).rejects.toThrow(
      'The decision on execution exec-1 could not be sent to Step Functions (TimeoutError: connect ETIMEDOUT), and its approval could not be set back to PENDING (Requested resource not found: the catalog still reads APPROVED by bob, a decision the execution never received): the catalog reads APPROVED by bob, but the execution most likely still waits.',
    );
  });

  it('a dead token whose execution SUCCEEDED was approved outside lifeboat approve: said so, and left PENDING rather than ABANDONED', async () => {
    const primary = memoryLog();
    await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const probed: string[] = [];
    const executionStatus = async (region: CatalogRegion, record: ApprovalRecord) => (probed.push(`${region} ${record.executionArn}`), 'SUCCEEDED');
    // The history shows the console's answer: an output lifeboat approve does not send.
    const taskAnswer = async (region: CatalogRegion) => (probed.push(`${region} history`), { answer: 'success' as const, output: '{"ok":true}', at: NOW.toISOString() });
    const deciding = decideApproval({ logs: { primary, dr: memoryLog() }, responder: deadResponder, execution: 'exec-1', decision: { approve: true }, decidedBy: 'carol', now: NOW, executionStatus, taskAnswer });
    await expect(deciding).rejects.toBeInstanceOf(ApprovalAnsweredElsewhereError);
    await expect(deciding).rejects.toThrow(
      'Execution exec-1 was already approved outside lifeboat approve (e.g. the Step Functions console\'s "Send task success"): it went on and SUCCEEDED, and Step Functions refused this answer (TaskTimedOut: Task Timed Out). Nothing was sent; its approval stays PENDING in the catalog',
    );
    expect(probed).toEqual([`primary ${request.executionArn}`, 'primary history']);
    expect(primary.items.get('exec-1')).toMatchObject({ status: 'PENDING' });
    expect(primary.items.get('exec-1')?.decidedBy).toBeUndefined();
  });

  it('a dead token whose execution went on, with no history to tell whose answer it got, is said to be answered by someone who cannot be told, never "outside lifeboat approve"', async () => {
    const primary = memoryLog();
    await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const deciding = decideApproval({ logs: { primary, dr: memoryLog() }, responder: deadResponder, execution: 'exec-1', decision: { approve: true }, decidedBy: 'carol', now: NOW, executionStatus: async () => 'SUCCEEDED' });
    await expect(deciding).rejects.toThrow(
      'Execution exec-1 is SUCCEEDED but no longer waits for its approval: it was answered already, from outside lifeboat approve (e.g. the Step Functions console) or by an earlier lifeboat approve whose reply was lost (an earlier run of your own among them); which could not be told (the execution history, which names who answered, was not read), and Step Functions refused this answer (TaskTimedOut: Task Timed Out). Nothing was sent; its approval stays PENDING in the catalog',
    );
    expect(primary.items.get('exec-1')).toMatchObject({ status: 'PENDING' });
  });

  it('a dead token whose history shows the task unanswered (its wait timed out) is ABANDONED even while the execution still reads RUNNING', async () => {
    const primary = memoryLog();
    await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const deciding = decideApproval({
      logs: { primary, dr: memoryLog() },
      responder: deadResponder,
      execution: 'exec-1',
      decision: { approve: true },
      decidedBy: 'carol',
      now: NOW,
      executionStatus: async () => 'RUNNING',
      taskAnswer: async () => ({ answer: 'none' }),
    });
    await expect(deciding).rejects.toBeInstanceOf(ApprovalAbandonedError);
    expect(primary.items.get('exec-1')).toMatchObject({ status: 'ABANDONED', decidedBy: 'carol' });
  });

  it('a dead token whose execution was stopped (or whose status cannot be told) is ABANDONED', async () => {
    for (const status of ['ABORTED', undefined]) {
      const primary = memoryLog();
      await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
      await expect(
        decideApproval({ logs: { primary, dr: memoryLog() }, responder: deadResponder, execution: 'exec-1', decision: { approve: true }, decidedBy: 'carol', now: NOW, executionStatus: async () => status }),
      ).rejects.toBeInstanceOf(ApprovalAbandonedError);
      expect(primary.items.get('exec-1')).toMatchObject({ status: 'ABANDONED', decidedBy: 'carol', reason: 'approved after the execution had stopped waiting (TaskTimedOut: Task Timed Out)' });
    }
  });
});

describe('a write whose first attempt was applied but whose answer was lost, retried by the SDK (review 44a F2)', () => {
  /** The DynamoDB client's standard retry of a write that was applied, its answer lost (a 500): the retry fails its own condition. */
  function appliedThenRefused(log: ReturnType<typeof memoryLog>, which: 'decide' | 'reviseClaim'): ReturnType<typeof memoryLog> {
    if (which === 'decide') {
      const decide = log.decide.bind(log);
      return Object.assign(log, {
        decide: async (...args: Parameters<ApprovalLog['decide']>) => {
          await decide(...args);
          return decide(...args);
        },
      });
    }
    const reviseClaim = log.reviseClaim.bind(log);
    return Object.assign(log, {
      reviseClaim: async (...args: Parameters<ApprovalLog['reviseClaim']>) => {
        await reviseClaim(...args);
        return reviseClaim(...args);
      },
    });
  }

  it('a claim whose retry finds its own claim sends it: the execution is approved, once, and the catalog names the approver', async () => {
    const primary = appliedThenRefused(memoryLog(), 'decide');
    await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const { sent, responder } = recordingResponder();
    await expect(decideApproval({ logs: { primary, dr: memoryLog() }, responder, execution: 'exec-1', decision: { approve: true }, decidedBy: 'alice', now: NOW })).resolves.toMatchObject({
      status: 'APPROVED',
      decidedBy: 'alice',
    });
    expect(sent).toEqual([{ region: 'primary', token: 'token-1', kind: 'success', detail: JSON.stringify({ approvedBy: 'alice', approvedAt: NOW.toISOString() }) }]);
    expect(primary.items.get('exec-1')).toMatchObject({ status: 'APPROVED', decidedBy: 'alice', decidedAt: NOW.toISOString() });
  });

  it('a rejection whose claim is retried so is sent as a rejection with its reason', async () => {
    const primary = appliedThenRefused(memoryLog(), 'decide');
    await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const { sent, responder } = recordingResponder();
    await decideApproval({ logs: { primary, dr: memoryLog() }, responder, execution: 'exec-1', decision: { approve: false, reason: 'wrong backup' }, decidedBy: 'bob', now: NOW });
    expect(sent).toEqual([{ region: 'primary', token: 'token-1', kind: 'failure', error: 'ApprovalRejected', detail: 'Rejected by bob: wrong backup' }]);
  });

  it('a claim that finds the same approver\'s earlier decision (another decidedAt) is still refused and sends nothing', async () => {
    const primary = memoryLog();
    await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const pending = primary.items.get('exec-1');
    if (!pending) throw new Error('no approval recorded');
    // Read while PENDING; meanwhile alice's own earlier command claimed it, a second earlier.
    primary.items.set('exec-1', { ...pending, status: 'APPROVED', decidedBy: 'alice', decidedAt: new Date(NOW.getTime() - 1000).toISOString() });
    const { sent, responder } = recordingResponder();
    const deciding = decideApproval({ logs: { primary, dr: memoryLog() }, responder, execution: 'exec-1', decision: { approve: true }, decidedBy: 'alice', now: NOW, found: { region: 'primary', record: pending } });
    await expect(deciding).rejects.toThrow('The approval of execution exec-1 is no longer pending (it is APPROVED by alice): see lifeboat approvals list.');
    expect(sent).toEqual([]);
  });

  it('a mark as ABANDONED whose retry is refused, the record already ABANDONED, is reported as done', async () => {
    const primary = appliedThenRefused(memoryLog(), 'reviseClaim');
    await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const taskTimedOut = Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
    const dead: TaskResponder = { success: () => Promise.reject(taskTimedOut), failure: () => Promise.reject(taskTimedOut) };
    const deciding = decideApproval({ logs: { primary, dr: memoryLog() }, responder: dead, execution: 'exec-1', decision: { approve: true }, decidedBy: 'carol', now: NOW, executionStatus: async () => 'ABORTED' });
    await expect(deciding).rejects.toThrow('Nothing was approved or rejected; its approval is now marked ABANDONED.');
    expect(primary.items.get('exec-1')).toMatchObject({ status: 'ABANDONED', decidedBy: 'carol' });
  });

  it('a reset to PENDING whose retry is refused, the record already PENDING, rethrows the send\'s error (not ApprovalUnsentError)', async () => {
    const primary = appliedThenRefused(memoryLog(), 'reviseClaim');
    const pending = await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const failing: TaskResponder = { success: () => Promise.reject(throttled), failure: () => Promise.reject(throttled) };
    await expect(decideApproval({ logs: { primary, dr: memoryLog() }, responder: failing, execution: 'exec-1', decision: { approve: true }, decidedBy: 'bob', now: NOW })).rejects.toBe(throttled);
    expect(primary.items.get('exec-1')).toEqual(pending);
  });

  it('a rewrite refused because the record was requested again (a new token) still says so', async () => {
    const primary = memoryLog();
    await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    // While the send is on its way, a retried request task replaces the record with a new token.
    const failing: TaskResponder = {
      success: async () => {
        await requestApproval({ ...request, kind: 'restore', taskToken: 'token-2' }, primary, NOW);
        throw throttled;
      },
      failure: () => Promise.reject(throttled),
    };
    await expect(decideApproval({ logs: { primary, dr: memoryLog() }, responder: failing, execution: 'exec-1', decision: { approve: true }, decidedBy: 'bob', now: NOW })).rejects.toThrow(
      'its approval could not be set back to PENDING (it was requested again meanwhile, with a new task token: see lifeboat approvals list)',
    );
    expect(primary.items.get('exec-1')).toMatchObject({ status: 'PENDING', taskToken: 'token-2' });
  });
});

describe('a dead token whose execution status cannot be read (review 44a F1)', () => {
  it('names the status check\'s error instead of saying nothing was approved, and leaves the approval PENDING', async () => {
    const primary = memoryLog();
    const pending = await requestApproval({ ...request, kind: 'restore' }, primary, NOW);
    const taskTimedOut = Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
    const dead: TaskResponder = { success: () => Promise.reject(taskTimedOut), failure: () => Promise.reject(taskTimedOut) };
    const denied = Object.assign(new Error('User: carol is not authorized to perform: states:DescribeExecution'), { name: 'AccessDeniedException' });
    const deciding = decideApproval({ logs: { primary, dr: memoryLog() }, responder: dead, execution: 'exec-1', decision: { approve: true }, decidedBy: 'carol', now: NOW, executionStatus: () => Promise.reject(denied) });
    await expect(deciding).rejects.toBeInstanceOf(ApprovalOutcomeUnknownError);
    await expect(deciding).rejects.toThrow(
      'Execution exec-1 no longer waits for this answer (TaskTimedOut: Task Timed Out), and whether it went on or ended could not be told: its status could not be read (AccessDeniedException: User: carol is not authorized to perform: states:DescribeExecution; ' +
        "the approver needs states:DescribeExecution on the runbook's executions). It may have been answered already (from the Step Functions console, or by an earlier attempt of this answer whose reply was lost), " +
        'or have been stopped, failed, or timed out. Nothing more can be sent for it; its approval stays PENDING in the catalog.',
    );
    expect(primary.items.get('exec-1')).toEqual(pending);
  });
});
