import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as start } from '../../../../lambdas/handlers/failover-start';
import { FAILOVER_GRANT_SECONDS_ENV } from '../../../../lambdas/failover/failover-grant';
import { LOCAL_ENDPOINTS_ENV } from '../../../../lambdas/runtime/local-endpoints';
import { drilledPlan } from '../drill/drill-test-plans';

/**
 * Review r62H F1: in the local cloud the failover's start names the deletes of records it cannot read against the local
 * cloud's DynamoDB, the endpoint the local executor gives the function (LIFEBOAT_LOCAL_ENDPOINTS): the CLI prints the
 * refusal as it is and reads no command back from it. A file of its own: the function's runtime is built once per
 * module registry, from the environment of its first invocation.
 */
describe('failover-start on the local cloud', () => {
  const saved = process.env;
  const ddb = mockClient(DynamoDBDocumentClient);
  afterEach(() => {
    process.env = saved;
    ddb.reset();
    jest.restoreAllMocks();
  });
  afterAll(() => ddb.restore());

  it('names the delete of a record it cannot read against the local cloud\'s DynamoDB of its region, the endpoint the executor gave it', async () => {
    const local = 'http://127.0.0.1:4569';
    process.env = {
      ...saved,
      AWS_REGION: 'us-west-2',
      LIFEBOAT_ENVIRONMENT: 'dev',
      CATALOG_TABLE: 'lifeboat-dev-catalog',
      LIFEBOAT_PLANS: JSON.stringify([drilledPlan]),
      [FAILOVER_GRANT_SECONDS_ENV]: '3600',
      // Each service and region on its own port, as the local cloud starts them: a delete named against the S3 endpoint,
      // or another region's, would not be this one (review r62L F4).
      [LOCAL_ENDPOINTS_ENV]: JSON.stringify({ s3: { 'us-west-2': 'http://127.0.0.1:4568', 'us-east-1': 'http://127.0.0.1:4570' }, dynamodb: { 'us-west-2': local, 'us-east-1': 'http://127.0.0.1:4571' } }),
    };
    // The plan's one record: a status no Lifeboat writes, so the catalog passes over it.
    const damaged = { pk: 'BACKUP#20261130T110000Z-00000001', sk: 'BACKUP', plan: 'orders', startedAt: '2026-11-30T11:00:00Z', status: 'BAD' };
    ddb.on(QueryCommand).resolves({ Items: [damaged] });
    ddb.on(GetCommand).resolves({});
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    await expect(start({ input: { plan: 'orders' }, execution: 'e', startedAt: '2026-11-30T12:00:00Z' })).rejects.toThrow(
      `Delete it with AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${local} dynamodb delete-item --region us-west-2 --table-name lifeboat-dev-catalog --key '{"pk":{"S":"BACKUP#20261130T110000Z-00000001"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)', and`,
    );
  });
});
