import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeReplicationConfigurationsCommand } from '@aws-sdk/client-efs';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { EfsClients } from '../../../../lambdas/mirror/efs-clients';
import { AwsClients, OTHER_REGION_TIMEOUTS } from '../../../../lambdas/runtime/aws-clients';
import { LOCAL_CREDENTIALS } from '../../../../lambdas/runtime/local-endpoints';

/**
 * A function's clients of another region (the DR drill's live sampling, the mirror check's sources, the Replicate
 * step's DR catalog, the mirror check's EFS replication state, lambdas/mirror/efs-clients.ts) give up on a region
 * that accepts connections but never answers (audit R43): by default the
 * SDK has no connection timeout and no idle limit, and such a region would hold the function until its own timeout.
 * The function's own region keeps the SDK's defaults: the function stands or falls with it. The SDK resolves a
 * client's handler settings on its first request, so each client sends one (to a loopback server answering 500).
 */
const OWN = 'us-west-2';
const OTHER = 'us-east-1';
let server: Server;
let clients: AwsClients;
let efs: EfsClients;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(500);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  clients = new AwsClients(OWN, { s3: { [OWN]: url, [OTHER]: url }, dynamodb: { [OWN]: url, [OTHER]: url } });
  efs = new EfsClients(OWN, { endpoint: url, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  for (const region of [OWN, OTHER]) {
    clients.s3Client(region).destroy();
    clients.dynamoDbClient(region).destroy();
  }
  efs.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The request handler's settings of the S3, DynamoDB and EFS clients of `region`, once each has sent a request. */
async function handlerSettings(region: string): Promise<Record<string, unknown>[]> {
  const s3 = clients.s3Client(region);
  const dynamodb = clients.dynamoDbClient(region);
  const efsClient = efs.client(region);
  await Promise.allSettled([s3.send(new ListBucketsCommand({})), dynamodb.send(new ListTablesCommand({})), efsClient.send(new DescribeReplicationConfigurationsCommand({ FileSystemId: 'fs-0123456789abcdef0' }))]);
  return [s3, dynamodb, efsClient].map((client) => (client.config.requestHandler as unknown as { httpHandlerConfigs: () => Record<string, unknown> }).httpHandlerConfigs());
}

it('S3, DynamoDB and EFS of another region: a connection within 5 s, a socket idle at most 30 s; one EFS client per region', async () => {
  expect(OTHER_REGION_TIMEOUTS).toEqual({ connectionTimeout: 5_000, socketTimeout: 30_000 });
  const settings = await handlerSettings(OTHER);
  expect(settings).toHaveLength(3);
  for (const each of settings) expect(each).toMatchObject(OTHER_REGION_TIMEOUTS);
  expect(efs.client(OTHER)).toBe(efs.client(OTHER));
});

it('the function\'s own region: the SDK\'s defaults (no connection timeout, no idle limit)', async () => {
  for (const settings of await handlerSettings(OWN)) {
    expect(settings['connectionTimeout']).toBeUndefined();
    expect(settings['socketTimeout']).toBeUndefined();
  }
});
