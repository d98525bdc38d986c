import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as start } from '../../../../lambdas/handlers/drill-start';
import { LOCAL_ENDPOINTS_ENV } from '../../../../lambdas/runtime/local-endpoints';
import { drilledPlan } from './drill-test-plans';

/**
 * Review r62H F1: in the local cloud the drill's start names the deletes of records it cannot read against the local
 * cloud's DynamoDB, the endpoint the local executor gives the function (LIFEBOAT_LOCAL_ENDPOINTS): the CLI prints them
 * as the drill recorded them and reads no command back from the drill's summary. A file of its own: the function's
 * runtime is built once per module registry, from the environment of its first invocation.
 */
describe('drill-start on the local cloud', () => {
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
      AWS_REGION: 'eu-west-1',
      LIFEBOAT_ENVIRONMENT: 'dev',
      CATALOG_TABLE: 'lifeboat-dev-catalog',
      LIFEBOAT_PLANS: JSON.stringify([drilledPlan]),
      LIFEBOAT_RESTORE_TARGET_PREFIX: 'lifeboat-dev-drill-',
      // Each service and region on its own port, as the local cloud starts them: a delete named against the S3 endpoint,
      // or another region's, would not be this one (review r62L F4).
      [LOCAL_ENDPOINTS_ENV]: JSON.stringify({ s3: { 'eu-west-1': 'http://127.0.0.1:4568', 'us-east-1': 'http://127.0.0.1:4570' }, dynamodb: { 'eu-west-1': local, 'us-east-1': 'http://127.0.0.1:4571' } }),
    };
    // The plan's one record: a status no Lifeboat writes, so the catalog passes over it.
    const damaged = { pk: 'BACKUP#20261130T110000Z-00000001', sk: 'BACKUP', plan: 'orders', startedAt: '2026-11-30T11:00:00Z', status: 'BAD' };
    ddb.on(QueryCommand).resolves({ Items: [damaged] });
    ddb.on(GetCommand).resolves({});
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    await expect(start({ input: { plan: 'orders', selection: 'latest' }, execution: 'e', startedAt: '2026-11-30T12:00:00Z' })).rejects.toThrow(
      `Delete it with AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${local} dynamodb delete-item --region eu-west-1 --table-name lifeboat-dev-catalog --key '{"pk":{"S":"BACKUP#20261130T110000Z-00000001"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)', and`,
    );
  });
});
