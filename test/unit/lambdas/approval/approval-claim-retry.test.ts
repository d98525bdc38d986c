import { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import dynalite from 'dynalite';
import { ApprovalNameTakenError } from '../../../../lambdas/approval/approval-errors';
import { ApprovalLog } from '../../../../lambdas/approval/approval-log';
import { decideApproval, type TaskResponder } from '../../../../lambdas/approval/decide-approval';
import { requestApproval } from '../../../../lambdas/approval/request-approval';
import { createCatalogShapedTable } from '../../../../local/cloud/catalog-table';

/**
 * Review 44a F2: DynamoDB applies an UpdateItem but its answer is lost (a 500 InternalServerError, "may or may
 * not have succeeded"), and the DynamoDB client's standard retry (the default of every client Lifeboat builds)
 * sends it again, which then fails its own condition. The real ApprovalLog over dynalite on 127.0.0.1.
 */
class LosesOneUpdateAnswer extends NodeHttpHandler {
  updates = 0;
  constructor(private readonly lose: number) {
    super();
  }
  override async handle(request: Parameters<NodeHttpHandler['handle']>[0], options?: Parameters<NodeHttpHandler['handle']>[1]) {
    const result = await super.handle(request, options);
    if (!String(request.headers['x-amz-target'] ?? '').endsWith('.UpdateItem') || ++this.updates !== this.lose) return result;
    const body = '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}';
    return { response: { ...result.response, statusCode: 500, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from(body)]) } };
  }
}

const NOW = new Date('2026-12-05T10:00:00.000Z');
const request = { taskToken: 'token-1', execution: 'exec-1', executionArn: 'arn:aws:states:us-west-2:1:execution:lifeboat-dev-failover:exec-1', stateMachine: 'lifeboat-dev-failover', kind: 'failover' as const, request: { plan: 'demo', requestedBy: 'op' }, timeoutSeconds: 43200 };

let server: ReturnType<typeof dynalite>;
let endpoint: string;
const clients: DynamoDBClient[] = [];
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** A fresh catalog table and an ApprovalLog over it whose `lose`-th UpdateItem answer is lost. */
async function catalog(table: string, lose: number): Promise<{ log: ApprovalLog; handler: LosesOneUpdateAnswer }> {
  const plain = new DynamoDBClient({ region: 'us-west-2', endpoint, credentials });
  const handler = new LosesOneUpdateAnswer(lose);
  const flaky = new DynamoDBClient({ region: 'us-west-2', endpoint, credentials, requestHandler: handler });
  clients.push(plain, flaky);
  await createCatalogShapedTable(plain, table);
  return { log: new ApprovalLog(DynamoDBDocumentClient.from(flaky), table), handler };
}

const unreachable: ApprovalLog = { get: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) } as unknown as ApprovalLog;

it('a claim applied but answered 500 is retried, finds its own claim, and the approval is sent once', async () => {
  const { log: dr, handler } = await catalog('claim-lost', 1);
  await requestApproval(request, dr, NOW);
  const sent: string[] = [];
  const responder: TaskResponder = { success: async (region, token) => void sent.push(`${region} success ${token}`), failure: async (region, token) => void sent.push(`${region} failure ${token}`) };
  await expect(decideApproval({ logs: { primary: unreachable, dr }, responder, execution: 'exec-1', decision: { approve: true }, decidedBy: 'alice', now: NOW })).resolves.toMatchObject({ status: 'APPROVED', decidedBy: 'alice' });
  expect(handler.updates).toBe(2);
  expect(sent).toEqual(['dr success token-1']);
  expect(await dr.get('exec-1')).toMatchObject({ status: 'APPROVED', decidedBy: 'alice', decidedAt: NOW.toISOString() });
});

it('a reset to PENDING applied but answered 500 counts as done: the send\'s own error is what the caller sees', async () => {
  const { log: dr, handler } = await catalog('reset-lost', 2);
  const pending = await requestApproval(request, dr, NOW);
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  const responder: TaskResponder = { success: () => Promise.reject(throttled), failure: () => Promise.reject(throttled) };
  await expect(decideApproval({ logs: { primary: unreachable, dr }, responder, execution: 'exec-1', decision: { approve: true }, decidedBy: 'alice', now: NOW })).rejects.toBe(throttled);
  expect(handler.updates).toBe(3);
  expect(await dr.get('exec-1')).toEqual(pending);
});

it('a claim rewritten to the earlier decision the execution received (its reply lost) takes that time and reason, on the real update expressions', async () => {
  const { log: dr } = await catalog('claim-to-earlier', 0);
  const pending = await requestApproval(request, dr, NOW);
  const retry = { status: 'REJECTED' as const, decidedBy: 'alice', decidedAt: '2026-12-05T10:09:00.000Z' };
  await dr.decide('exec-1', 'token-1', { ...retry, reason: 'changed my mind' });
  expect(await dr.reviseClaim('exec-1', 'token-1', retry, { status: 'APPROVED', decidedAt: '2026-12-05T10:05:00.000Z' })).toBe(true);
  expect(await dr.get('exec-1')).toEqual({ ...pending, status: 'APPROVED', decidedBy: 'alice', decidedAt: '2026-12-05T10:05:00.000Z' });
  // The same claim no longer holds: nothing is written.
  expect(await dr.reviseClaim('exec-1', 'token-1', retry, { status: 'PENDING' })).toBe(false);
  const second = { status: 'APPROVED' as const, decidedBy: 'alice', decidedAt: '2026-12-05T10:05:00.000Z' };
  expect(await dr.reviseClaim('exec-1', 'token-1', second, { status: 'REJECTED', decidedAt: '2026-12-05T10:05:01.000Z', reason: 'wrong backup' })).toBe(true);
  expect(await dr.get('exec-1')).toEqual({ ...pending, status: 'REJECTED', decidedBy: 'alice', decidedAt: '2026-12-05T10:05:01.000Z', reason: 'wrong backup' });
});

it('a request under a name the catalog holds for another execution is refused and the other\'s approval kept; the same execution\'s retried request replaces its own (audit c4-3)', async () => {
  const { log: dr } = await catalog('name-taken', 0);
  // The DR region's restore runbook and its failover runbook, one catalog, both executions named exec-1.
  const restore = { ...request, taskToken: 'token-restore', executionArn: 'arn:aws:states:us-west-2:1:execution:lifeboat-dev-restore:exec-1', stateMachine: 'lifeboat-dev-restore', kind: 'restore' as const };
  await requestApproval(restore, dr, NOW);
  const refused = requestApproval(request, dr, NOW);
  await expect(refused).rejects.toBeInstanceOf(ApprovalNameTakenError);
  await expect(refused).rejects.toThrow(
    `An approval named exec-1 is already recorded in this region's catalog for another runbook execution (${restore.executionArn}, runbook lifeboat-dev-restore, PENDING), ` +
      `so the approval of ${request.executionArn} was not recorded and this execution stops here, having read or written nothing. Start the runbook again with another execution name.`,
  );
  expect(await dr.get('exec-1')).toMatchObject({ executionArn: restore.executionArn, taskToken: 'token-restore', status: 'PENDING' });
  // The restore's request task retried (a new token): its own record is replaced.
  await requestApproval({ ...restore, taskToken: 'token-restore-2' }, dr, NOW);
  expect(await dr.get('exec-1')).toMatchObject({ executionArn: restore.executionArn, taskToken: 'token-restore-2' });
});

it('the request function, allowed PutItem only, names the other execution from the refused write\'s item (audit c4-3)', async () => {
  const other = { executionArn: 'arn:aws:states:us-west-2:1:execution:lifeboat-dev-restore:exec-1', stateMachine: 'lifeboat-dev-restore', status: 'PENDING', taskToken: 'token-restore' };
  const refused = new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    Item: { pk: { S: 'APPROVALS' }, sk: { S: 'exec-1' }, approval: { M: Object.fromEntries(Object.entries(other).map(([k, v]) => [k, { S: v }])) } },
  });
  const denied = Object.assign(new Error('not authorized to perform: dynamodb:GetItem'), { name: 'AccessDeniedException' });
  const putOnly = { send: (command: object) => Promise.reject(command instanceof PutCommand ? refused : denied) } as unknown as DynamoDBDocumentClient;
  const error = await requestApproval(request, new ApprovalLog(putOnly, 'catalog'), NOW).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(ApprovalNameTakenError);
  expect((error as Error).message).toContain(`for another runbook execution (${other.executionArn}, runbook lifeboat-dev-restore, PENDING)`);
  expect((error as Error).message).not.toContain('token-restore');
});
