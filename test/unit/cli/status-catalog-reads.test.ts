import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { statusCommand } from '../../../cli/commands/status-command';
import { LOCAL_CREDENTIALS } from '../../../lambdas/runtime/local-endpoints';
import { DR, PRIMARY } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat status` reads each thing of each region's catalog once per run: with a region slow or down, every read
 * of it costs the clients' whole timeout, and a read repeated costs it again. Counted as the requests a loopback
 * DynamoDB of each region receives (each read answered empty), for the sample config (plan demo, one mirrored
 * source): with both regions answering, and with the primary accepting connections and never answering, when the
 * first unanswered read ends every later read of that region at once (status-sources.ts, catalogReads).
 */
const TABLE = 'lifeboat-dev-catalog';
const query = (pk: string, latest = false) => ({
  region: '',
  target: 'Query',
  body: { TableName: TABLE, ...(latest ? { Limit: 1, ScanIndexForward: false } : {}), ConsistentRead: true, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } },
});
const DRILLS = query('DRILLS');
const SCRUBS = query('SCRUB#RUNS', true);
const prunes = (vault: string) => query(`PRUNE#${vault}`, true);
const BACKUPS_OF_DEMO = { region: '', target: 'Query', body: { TableName: TABLE, IndexName: 'byPlan', ScanIndexForward: false, KeyConditionExpression: '#plan = :plan', ExpressionAttributeNames: { '#plan': 'plan' }, ExpressionAttributeValues: { ':plan': { S: 'demo' } } } };
const MIRROR_CHECK = { region: '', target: 'GetItem', body: { TableName: TABLE, Key: { pk: { S: 'MIRROR#demo-assets' }, sk: { S: 'MIRROR' } }, ConsistentRead: true } };
const askedIn = (region: string, request: { target: string; body: object }) => ({ ...request, region });

type Received = { region: string; target: string; body: unknown };
let server: Server;
let url: string;
const received: Received[] = [];
/** Regions whose DynamoDB takes the request and never answers. */
const silent = new Set<string>();
const held: ServerResponse[] = [];
const clients: DynamoDBClient[] = [];
mockClient(CloudWatchClient).on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
mockClient(SchedulerClient).on(GetScheduleCommand).resolves({ State: 'ENABLED', ScheduleExpression: 'rate(1 day)' });

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const region = (req.url ?? '').split('/')[1] ?? '';
      const target = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');
      received.push({ region, target, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') });
      if (silent.has(region)) {
        held.push(res);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(target === 'GetItem' ? '{}' : '{"Items":[],"Count":0,"ScannedCount":0}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  held.forEach((res) => res.destroy());
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** `lifeboat status --aws --json` on the loopback catalogs (short timeouts, 2 attempts); the requests each region received. */
async function status(): Promise<Received[]> {
  received.length = 0;
  const client = (region: string) => {
    const c = new DynamoDBClient({ region, endpoint: `${url}/${region}`, credentials: LOCAL_CREDENTIALS, maxAttempts: 2, requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true } });
    clients.push(c);
    return c;
  };
  const ignored = () => undefined;
  await statusCommand(
    { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: 'unused', aws: true, json: true },
    {
      io: { out: ignored, err: ignored },
      clients: {
        dynamodb: client(PRIMARY),
        drDynamodb: client(DR),
        drills: { dynamodb: (region) => client(region) },
        scheduler: new SchedulerClient({ region: PRIMARY }),
        cloudWatch: (region) => new CloudWatchClient({ region }),
      },
    },
  );
  return [...received];
}

it('both regions answering: each read once', async () => {
  expect(await status()).toEqual([
    askedIn(PRIMARY, DRILLS),
    askedIn(DR, DRILLS),
    askedIn(PRIMARY, SCRUBS),
    askedIn(PRIMARY, prunes('primary')),
    askedIn(DR, prunes('dr')),
    askedIn(PRIMARY, BACKUPS_OF_DEMO),
    askedIn(DR, MIRROR_CHECK),
  ]);
});

it('the primary silent: asked once (its 2 attempts), the DR catalog read once for each thing', async () => {
  silent.add(PRIMARY);
  try {
    expect(await status()).toEqual([
      askedIn(PRIMARY, DRILLS),
      askedIn(PRIMARY, DRILLS),
      askedIn(DR, DRILLS),
      askedIn(DR, prunes('dr')),
      askedIn(DR, BACKUPS_OF_DEMO),
      askedIn(DR, MIRROR_CHECK),
    ]);
  } finally {
    silent.delete(PRIMARY);
  }
});
