import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { DescribeReplicationConfigurationsCommand } from '@aws-sdk/client-efs';
import { EfsClients } from '../../../../lambdas/mirror/efs-clients';
import { LOCAL_CREDENTIALS } from '../../../../lambdas/runtime/local-endpoints';
import { OTHER_REGION_TIMEOUTS } from '../../../../lambdas/runtime/aws-clients';

/**
 * The mirror check (DR region) reads a mirrored file system's replication state in the sources' region: that EFS
 * client gives up on a region that accepts connections but never answers, as the function's other clients of another
 * region do (aws-clients-timeouts.test.ts); one of its own region keeps the SDK's defaults. The SDK resolves a client's
 * handler settings on its first request, so each client sends one (to a loopback server answering 500).
 */
const OWN = 'us-west-2';
const OTHER = 'us-east-1';
let server: Server;
let clients: EfsClients;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(500);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  clients = new EfsClients(OWN, { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  clients.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function handlerSettings(region: string): Promise<Record<string, unknown>> {
  const client = clients.client(region);
  await client.send(new DescribeReplicationConfigurationsCommand({ FileSystemId: 'fs-0123456789abcdef0' })).catch(() => undefined);
  return (client.config.requestHandler as unknown as { httpHandlerConfigs: () => Record<string, unknown> }).httpHandlerConfigs();
}

it('EFS of another region (the sources\'): a connection within 5 s, a socket idle at most 30 s; one client per region', async () => {
  expect(await handlerSettings(OTHER)).toMatchObject(OTHER_REGION_TIMEOUTS);
  expect(clients.client(OTHER)).toBe(clients.client(OTHER));
});

it('EFS of the function\'s own region: the SDK\'s defaults (no connection timeout, no idle limit)', async () => {
  const settings = await handlerSettings(OWN);
  expect(settings['connectionTimeout']).toBeUndefined();
  expect(settings['socketTimeout']).toBeUndefined();
});
