import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { AwsClients, OTHER_REGION_TIMEOUTS } from '../../../../lambdas/runtime/aws-clients';

/**
 * A function's clients of another region (the DR drill's live sampling, the mirror check's sources, the Replicate
 * step's DR catalog) give up on a region that accepts connections but never answers (audit R43): by default the
 * SDK has no connection timeout and no idle limit, and such a region would hold the function until its own timeout.
 * The function's own region keeps the SDK's defaults: the function stands or falls with it. The SDK resolves a
 * client's handler settings on its first request, so each client sends one (to a loopback server answering 500).
 */
const OWN = 'us-west-2';
const OTHER = 'us-east-1';
let server: Server;
let clients: AwsClients;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(500);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  clients = new AwsClients(OWN, { s3: { [OWN]: url, [OTHER]: url }, dynamodb: { [OWN]: url, [OTHER]: url } });
});

afterAll(async () => {
  for (const region of [OWN, OTHER]) {
    clients.s3Client(region).destroy();
    clients.dynamoDbClient(region).destroy();
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The request handler's settings of the S3 and DynamoDB clients of `region`, once each has sent a request. */
async function handlerSettings(region: string): Promise<Record<string, unknown>[]> {
  const s3 = clients.s3Client(region);
  const dynamodb = clients.dynamoDbClient(region);
  await Promise.allSettled([s3.send(new ListBucketsCommand({})), dynamodb.send(new ListTablesCommand({}))]);
  return [s3, dynamodb].map((client) => (client.config.requestHandler as unknown as { httpHandlerConfigs: () => Record<string, unknown> }).httpHandlerConfigs());
}

it('S3 and DynamoDB of another region: a connection within 5 s, a socket idle at most 30 s', async () => {
  expect(OTHER_REGION_TIMEOUTS).toEqual({ connectionTimeout: 5_000, socketTimeout: 30_000 });
  for (const settings of await handlerSettings(OTHER)) expect(settings).toMatchObject(OTHER_REGION_TIMEOUTS);
});

it('the function\'s own region: the SDK\'s defaults (no connection timeout, no idle limit)', async () => {
  for (const settings of await handlerSettings(OWN)) {
    expect(settings['connectionTimeout']).toBeUndefined();
    expect(settings['socketTimeout']).toBeUndefined();
  }
});
