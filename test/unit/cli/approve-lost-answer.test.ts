import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { approveCommand } from '../../../cli/commands/approval-commands';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { APPROVALS_PK, type ApprovalRecord } from '../../../lambdas/approval/approval-record';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { pendingRestoreApproval } from './pending-restore-approval';

/**
 * Stop 46, h2: the approver's SendTaskSuccess (or SendTaskFailure) reaches Step Functions but its reply is
 * lost (a dropped connection), so `lifeboat approve` sets the record back to PENDING and fails; run again,
 * Step Functions refuses the spent token. The retry must recognise its own decision from the execution
 * history, record it, and say so; and never take an answer it cannot tell for its own. Fake AWS
 * (aws-sdk-client-mock): a catalog item the UpdateItems rewrite under their conditions, and one approval
 * task that takes one answer and shows it in the execution's history.
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const EXECUTION = '7d2e0c1a-aaaa-bbbb-cccc-000000000046';
const CAROL = 'arn:aws:sts::1:assumed-role/lifeboat-approver/carol';
const FIRST = new Date('2026-12-05T10:05:00.000Z');
const RETRY = new Date('2026-12-05T10:09:00.000Z');
const pending = pendingRestoreApproval(environment, EXECUTION);

const documents = mockClient(DynamoDBDocumentClient);
const sts = mockClient(STSClient);
const sfn = mockClient(SFNClient);
let item: ApprovalRecord;
/** What the approval task received, and when: its one answer. */
let answer: { kind: 'success'; output: string } | { kind: 'failure'; error: string; cause: string } | undefined;
/** Whether the next SendTask* reply is lost after Step Functions took the answer. */
let loseReply: boolean;
const saved = process.env.AWS_REGION;
/** The region of the client a fake call was made with: the approval is in the primary catalog only, the DR one has none of that name. */
const regionOf = async (getClient: () => { config: { region: unknown } }): Promise<string> => {
  const region = getClient().config.region;
  return typeof region === 'function' ? String(await (region as () => Promise<string>)()) : String(region);
};

const conditionFailed = () => Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

/** The catalog's UpdateItems of approval-log.ts, applied only when their condition holds. */
function update(input: { UpdateExpression: string; ExpressionAttributeValues: Record<string, string> }): void {
  const v = input.ExpressionAttributeValues;
  if (v[':pending'] !== undefined) {
    if (item.status !== 'PENDING' || item.taskToken !== v[':token']) throw conditionFailed();
    item = { ...item, status: v[':status'] as ApprovalRecord['status'], decidedBy: v[':by'] as string, decidedAt: v[':at'] as string, ...(v[':reason'] !== undefined ? { reason: v[':reason'] } : {}) };
    return;
  }
  if (item.status !== v[':claimed'] || item.taskToken !== v[':token'] || item.decidedBy !== v[':by'] || item.decidedAt !== v[':at']) throw conditionFailed();
  const { decidedBy, decidedAt: _at, reason: _reason, ...undecided } = item;
  if (v[':to'] === 'PENDING') item = { ...undecided, status: 'PENDING' };
  else if (v[':decidedAt'] !== undefined) item = { ...undecided, status: v[':to'] as ApprovalRecord['status'], decidedBy: decidedBy as string, decidedAt: v[':decidedAt'], ...(v[':reason'] !== undefined ? { reason: v[':reason'] } : {}) };
  else item = { ...item, status: v[':to'] as ApprovalRecord['status'], reason: v[':reason'] as string };
}

/** Step Functions' side of one SendTask* call: the first answer is taken (its reply lost if so set), any later one refused. */
function answerTask(given: NonNullable<typeof answer>): Promise<object> {
  if (answer !== undefined) return Promise.reject(Object.assign(new Error("Task Timed Out: 'Provided task does not exist anymore'"), { name: 'TaskTimedOut' }));
  answer = given;
  if (!loseReply) return Promise.resolve({});
  loseReply = false;
  return Promise.reject(Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' }));
}

const TAKEN_AT = new Date('2026-12-05T10:05:01.000Z');
const LAMBDA = { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };
function history(): HistoryEvent[] {
  const scheduled: HistoryEvent = { id: 3, type: 'TaskScheduled', timestamp: new Date('2026-12-05T10:00:00.000Z'), taskScheduledEventDetails: { ...LAMBDA, region: environment.primaryRegion, parameters: JSON.stringify({ FunctionName: 'fn', Payload: { taskToken: 'tok', execution: EXECUTION } }) } };
  const events: HistoryEvent[] = [{ id: 1, type: 'ExecutionStarted', timestamp: new Date('2026-12-05T10:00:00.000Z') }, scheduled];
  if (answer?.kind === 'success') events.push({ id: 5, type: 'TaskSucceeded', timestamp: TAKEN_AT, taskSucceededEventDetails: { ...LAMBDA, output: answer.output } });
  if (answer?.kind === 'failure') events.push({ id: 5, type: 'TaskFailed', timestamp: TAKEN_AT, taskFailedEventDetails: { ...LAMBDA, error: answer.error, cause: answer.cause } });
  return events;
}

beforeEach(() => {
  process.env.AWS_REGION = environment.primaryRegion;
  for (const mock of [documents, sts, sfn]) mock.reset();
  item = { ...pending };
  answer = undefined;
  loseReply = true;
  documents.on(GetCommand).callsFake(async (_input, getClient) => ({ Item: (await regionOf(getClient)) === environment.primaryRegion ? { pk: APPROVALS_PK, sk: EXECUTION, approval: item } : undefined }));
  documents.on(QueryCommand).callsFake(async () => ({ Items: [{ pk: APPROVALS_PK, sk: EXECUTION, approval: item }] }));
  documents.on(UpdateCommand).callsFake(async (input: { UpdateExpression: string; ExpressionAttributeValues: Record<string, string> }) => (update(input), {}));
  sts.on(GetCallerIdentityCommand).resolves({ Arn: CAROL });
  sfn.on(SendTaskSuccessCommand).callsFake((input: { output: string }) => answerTask({ kind: 'success', output: input.output }));
  sfn.on(SendTaskFailureCommand).callsFake((input: { error: string; cause: string }) => answerTask({ kind: 'failure', error: input.error, cause: input.cause }));
  sfn.on(DescribeExecutionCommand).callsFake(async () =>
    answer?.kind === 'failure' ? { status: 'FAILED', error: answer.error, cause: answer.cause, stopDate: TAKEN_AT } : { status: 'RUNNING' },
  );
  sfn.on(GetExecutionHistoryCommand).callsFake(async () => ({ events: history() }));
});
afterAll(() => {
  if (saved === undefined) delete process.env.AWS_REGION;
  else process.env.AWS_REGION = saved;
});

const options = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true };

/** The first `lifeboat approve`, whose answer reaches the execution and whose reply is lost: it fails and leaves the approval PENDING. */
async function lostFirstAnswer(reject?: string): Promise<void> {
  const first = capturedCliIo();
  expect(await approveCommand(EXECUTION, { ...options, ...(reject !== undefined ? { reject: true, reason: reject } : {}) }, { io: first.io, now: () => FIRST })).toBe(1);
  expect(first.err).toEqual(['lifeboat approve: socket hang up']);
  expect(item).toEqual(pending);
}

it('an approval whose reply was lost, run again: the retry finds its own answer in the history, records it, and says so', async () => {
  await lostFirstAnswer();
  expect(answer).toEqual({ kind: 'success', output: JSON.stringify({ approvedBy: CAROL, approvedAt: FIRST.toISOString() }) });
  const retry = capturedCliIo();
  expect(await approveCommand(EXECUTION, options, { io: retry.io, now: () => RETRY })).toBe(0);
  expect(retry.err).toEqual([]);
  expect(retry.out).toEqual([
    `Approved: restore ${EXECUTION} (decided by ${CAROL} at ${FIRST.toISOString()}: an earlier lifeboat approve of yours reached Step Functions and its reply was lost; Step Functions' record of the execution shows that answer, and nothing more was sent).`,
  ]);
  expect(item).toEqual({ ...pending, status: 'APPROVED', decidedBy: CAROL, decidedAt: FIRST.toISOString() });
  // One answer reached the task; the retry's was refused, and nothing else was sent.
  expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(2);
  expect(sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input)).toEqual([{ executionArn: pending.executionArn, includeExecutionData: true, maxResults: 100 }]);
});

it('the reply lost and the SDK\'s retry in the same run refused: decided by this run, not called an earlier run\'s answer (review r2 F1)', async () => {
  // What a real SFNClient does on a dropped connection: it retries, and Step Functions refuses the spent token.
  const sameRun = (given: NonNullable<typeof answer>) => {
    answer = given;
    return Promise.reject(Object.assign(new Error("Task Timed Out: 'Provided task does not exist anymore'"), { name: 'TaskTimedOut' }));
  };
  sfn.on(SendTaskSuccessCommand).callsFake((input: { output: string }) => sameRun({ kind: 'success', output: input.output }));
  sfn.on(SendTaskFailureCommand).callsFake((input: { error: string; cause: string }) => sameRun({ kind: 'failure', error: input.error, cause: input.cause }));
  const approved = capturedCliIo();
  expect(await approveCommand(EXECUTION, options, { io: approved.io, now: () => FIRST })).toBe(0);
  expect([approved.out, approved.err]).toEqual([[`Approved: restore ${EXECUTION} in the primary region us-east-1, runbook lifeboat-dev-restore (decided by ${CAROL}).`], []]);
  expect(item).toEqual({ ...pending, status: 'APPROVED', decidedBy: CAROL, decidedAt: FIRST.toISOString() });

  item = { ...pending };
  answer = undefined;
  const rejected = capturedCliIo();
  expect(await approveCommand(EXECUTION, { ...options, reject: true, reason: 'wrong backup' }, { io: rejected.io, now: () => FIRST })).toBe(0);
  // A rejection carries no time of its own: whose attempt it was cannot be told, and the line says it may be this run's.
  expect([rejected.out, rejected.err]).toEqual([
    [
      `Rejected: restore ${EXECUTION} (decided by ${CAROL} at ${TAKEN_AT.toISOString()}: Step Functions had already taken this rejection of yours — this run's first attempt or an earlier lifeboat approve, whose reply was lost — and nothing more was sent).`,
    ],
    [],
  ]);
  expect(item).toEqual({ ...pending, status: 'REJECTED', decidedBy: CAROL, decidedAt: TAKEN_AT.toISOString(), reason: 'wrong backup' });
});

it('a rejection whose reply was lost, with no right to read the history: the FAILED execution\'s ApprovalRejected cause names the approver, and the rejection is recorded', async () => {
  sfn.on(GetExecutionHistoryCommand).rejects(Object.assign(new Error('User: carol is not authorized to perform: states:GetExecutionHistory'), { name: 'AccessDeniedException' }));
  await lostFirstAnswer('wrong backup');
  const retry = capturedCliIo();
  expect(await approveCommand(EXECUTION, { ...options, reject: true, reason: 'wrong backup' }, { io: retry.io, now: () => RETRY })).toBe(0);
  expect(retry.out[0]).toBe(
    `Rejected: restore ${EXECUTION} (decided by ${CAROL} at ${TAKEN_AT.toISOString()}: Step Functions had already taken this rejection of yours — this run's first attempt or an earlier lifeboat approve, whose reply was lost — and nothing more was sent).`,
  );
  expect(item).toEqual({ ...pending, status: 'REJECTED', decidedBy: CAROL, decidedAt: TAKEN_AT.toISOString(), reason: 'wrong backup' });
});

it('an approval whose reply was lost, retried as a rejection: the approval the execution received is recorded, and the rejection is said not to have been sent', async () => {
  await lostFirstAnswer();
  const retry = capturedCliIo();
  expect(await approveCommand(EXECUTION, { ...options, reject: true, reason: 'changed my mind' }, { io: retry.io, now: () => RETRY })).toBe(1);
  expect(retry.err).toEqual([
    `lifeboat approve: Execution ${EXECUTION} had already received your earlier answer: APPROVED by ${CAROL} at ${FIRST.toISOString()} (an earlier lifeboat approve whose reply was lost; Step Functions' record of the execution shows it). ` +
      `This rejection was not sent: the task takes one answer. Its approval now reads APPROVED by ${CAROL}.`,
  ]);
  expect(item).toEqual({ ...pending, status: 'APPROVED', decidedBy: CAROL, decidedAt: FIRST.toISOString() });
});

it('another approver\'s lost answer, or the console\'s, is named as such and never taken for the caller\'s own; the approval stays PENDING', async () => {
  answer = { kind: 'success', output: JSON.stringify({ approvedBy: 'arn:aws:sts::1:assumed-role/lifeboat-approver/dave', approvedAt: FIRST.toISOString() }) };
  const dave = capturedCliIo();
  expect(await approveCommand(EXECUTION, options, { io: dave.io, now: () => RETRY })).toBe(1);
  expect(dave.err[0]).toContain(`Execution ${EXECUTION} was already approved by arn:aws:sts::1:assumed-role/lifeboat-approver/dave at ${FIRST.toISOString()} (the execution history shows that lifeboat approve's answer`);
  expect(item).toEqual(pending);

  answer = { kind: 'success', output: '{}' };
  const console = capturedCliIo();
  expect(await approveCommand(EXECUTION, options, { io: console.io, now: () => RETRY })).toBe(1);
  expect(console.err[0]).toContain(`Execution ${EXECUTION} was already approved outside lifeboat approve (e.g. the Step Functions console's "Send task success"): it is RUNNING, and Step Functions refused this answer`);
  expect(item).toEqual(pending);
});

it('when whose answer it was cannot be told (no history; a caller STS could not name), nothing is claimed: not the caller\'s, not "outside lifeboat approve"', async () => {
  sfn.on(GetExecutionHistoryCommand).rejects(Object.assign(new Error('User: carol is not authorized to perform: states:GetExecutionHistory'), { name: 'AccessDeniedException' }));
  await lostFirstAnswer();
  const denied = capturedCliIo();
  expect(await approveCommand(EXECUTION, options, { io: denied.io, now: () => RETRY })).toBe(1);
  expect(denied.err).toEqual([
    `lifeboat approve: Execution ${EXECUTION} is RUNNING but no longer waits for its approval: it was answered already, from outside lifeboat approve (e.g. the Step Functions console) or by an earlier lifeboat approve whose reply was lost (an earlier run of your own among them), ` +
      'or its wait has just timed out and it is about to fail; which could not be told (the execution history, which names who answered, could not be read: AccessDeniedException: User: carol is not authorized to perform: states:GetExecutionHistory), ' +
      "and Step Functions refused this answer (TaskTimedOut: Task Timed Out: 'Provided task does not exist anymore'). Nothing was sent; its approval stays PENDING in the catalog, as whoever answered it left it: see lifeboat approvals list.",
  ]);
  expect(item).toEqual(pending);

  // Both runs unnamed: the history's "unknown AWS caller" may be anyone's.
  sfn.on(GetExecutionHistoryCommand).callsFake(async () => ({ events: history() }));
  answer = { kind: 'success', output: JSON.stringify({ approvedBy: 'unknown AWS caller', approvedAt: FIRST.toISOString() }) };
  sts.on(GetCallerIdentityCommand).rejects(new Error('connect ETIMEDOUT'));
  const unnamed = capturedCliIo();
  expect(await approveCommand(EXECUTION, options, { io: unnamed.io, now: () => RETRY })).toBe(1);
  expect(unnamed.err[1]).toContain('which could not be told (the execution history, which names who answered, could not be read: Error: the caller is "unknown AWS caller" (STS did not answer)');
  expect(item).toEqual(pending);
});
