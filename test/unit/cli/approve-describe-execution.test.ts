import { DescribeExecutionCommand, GetExecutionHistoryCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { approvalsListCommand, approveCommand } from '../../../cli/commands/approval-commands';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { APPROVALS_PK, type ApprovalRecord } from '../../../lambdas/approval/approval-record';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { pendingRestoreApproval } from './pending-restore-approval';

/**
 * Review 44a F1: `lifeboat approve --aws` for a token Step Functions refuses as closed (TaskTimedOut) asks
 * DescribeExecution whether the execution went on. When that cannot be asked (no permission), the approval is
 * neither ABANDONED nor said to be unapproved: the error names why. Fake AWS (aws-sdk-client-mock), with a
 * catalog item that the UpdateItems rewrite as the conditional updates would.
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const EXECUTION = '7d2e0c1a-aaaa-bbbb-cccc-000000000001';
const pending = pendingRestoreApproval(environment, EXECUTION);

const documents = mockClient(DynamoDBDocumentClient);
const sts = mockClient(STSClient);
const sfn = mockClient(SFNClient);
let item: ApprovalRecord | undefined;
const saved = process.env.AWS_REGION;
/** The region of the client a fake call was made with: the approval is in the primary catalog only, the DR one has none of that name. */
const regionOf = async (getClient: () => { config: { region: unknown } }): Promise<string> => {
  const region = getClient().config.region;
  return typeof region === 'function' ? String(await (region as () => Promise<string>)()) : String(region);
};

beforeEach(() => {
  process.env.AWS_REGION = environment.primaryRegion;
  for (const mock of [documents, sts, sfn]) mock.reset();
  item = { ...pending };
  documents.on(GetCommand).callsFake(async (input: { Key: { sk: string } }, getClient) => ({
    Item: item && input.Key.sk === EXECUTION && (await regionOf(getClient)) === environment.primaryRegion ? { pk: APPROVALS_PK, sk: EXECUTION, approval: item } : undefined,
  }));
  documents.on(QueryCommand).callsFake(async () => ({ Items: item ? [{ pk: APPROVALS_PK, sk: EXECUTION, approval: item }] : [] }));
  documents.on(UpdateCommand).callsFake(async (input: { UpdateExpression: string; ExpressionAttributeValues: Record<string, string> }) => {
    const v = input.ExpressionAttributeValues;
    if (!item) throw new Error('no item');
    if (input.UpdateExpression.includes('REMOVE')) item = { ...pending };
    else if (v[':to'] !== undefined) item = { ...item, status: v[':to'] as ApprovalRecord['status'], ...(v[':reason'] !== undefined ? { reason: v[':reason'] } : {}) };
    else item = { ...item, status: v[':status'] as ApprovalRecord['status'], decidedBy: v[':by'] as string, decidedAt: v[':at'] as string };
    return {};
  });
  sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::1:assumed-role/lifeboat-approver/carol' });
  sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' }));
});
afterAll(() => {
  if (saved === undefined) delete process.env.AWS_REGION;
  else process.env.AWS_REGION = saved;
});

const options = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true };

it('DescribeExecution denied: approve names that error, does not say nothing was approved, and leaves the approval PENDING', async () => {
  sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('User: carol is not authorized to perform: states:DescribeExecution'), { name: 'AccessDeniedException' }));
  const shown = capturedCliIo();
  expect(await approveCommand(EXECUTION, options, { io: shown.io })).toBe(1);
  expect(shown.err).toHaveLength(1);
  expect(shown.err[0]).toContain(
    `lifeboat approve: Execution ${EXECUTION} no longer waits for this answer (TaskTimedOut: Task Timed Out), and whether it went on or ended could not be told: its status could not be read (AccessDeniedException: User: carol is not authorized to perform: states:DescribeExecution;`,
  );
  expect(shown.err[0]).not.toContain('Nothing was approved');
  expect(item).toEqual(pending);
  expect(sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input)).toEqual([{ executionArn: pending.executionArn }]);
  // approvals list, with the same denial, still lists it (as waiting, until its expiresAt) and exits 0.
  const listed = capturedCliIo();
  expect(await approvalsListCommand(options, { io: listed.io })).toBe(0);
  expect(listed.out[0]).toContain(`${EXECUTION}  restore  PENDING`);
});

it('DescribeExecution allowed: a console-approved execution that SUCCEEDED is said so, and one that does not exist is ABANDONED', async () => {
  sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
  // Its history shows the console's answer to the approval task (output not one lifeboat approve sends).
  const lambda = { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };
  sfn.on(GetExecutionHistoryCommand).resolves({
    events: [
      { id: 2, type: 'TaskScheduled', timestamp: new Date('2026-12-05T10:00:00.000Z'), taskScheduledEventDetails: { ...lambda, region: environment.primaryRegion, parameters: JSON.stringify({ Payload: { taskToken: 'tok' } }) } },
      { id: 4, type: 'TaskSucceeded', timestamp: new Date('2026-12-05T10:01:00.000Z'), taskSucceededEventDetails: { ...lambda, output: '{"ok":true}' } },
    ],
  });
  const succeeded = capturedCliIo();
  expect(await approveCommand(EXECUTION, options, { io: succeeded.io })).toBe(1);
  expect(succeeded.err[0]).toContain(`Execution ${EXECUTION} was already approved outside lifeboat approve`);
  expect(item).toEqual(pending);

  sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error(`Execution Does Not Exist: '${pending.executionArn}'`), { name: 'ExecutionDoesNotExist' }));
  const gone = capturedCliIo();
  expect(await approveCommand(EXECUTION, options, { io: gone.io })).toBe(1);
  expect(gone.err[0]).toContain('Nothing was approved or rejected; its approval is now marked ABANDONED.');
  expect(item).toMatchObject({ status: 'ABANDONED', decidedBy: 'arn:aws:sts::1:assumed-role/lifeboat-approver/carol' });
});
