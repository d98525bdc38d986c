import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { DynamoDBClient, GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { localRegion, localStatus, localUp, registerLocalCommands } from '../../../../cli/commands/local-commands';
import { LOCAL_CREDENTIALS } from '../../../../lambdas/runtime/local-endpoints';
import { readCloudState } from '../../../../local/cloud/cloud-state';
import { LocalCloudNotRunningError, UnknownRegionError } from '../../../../local/cloud/errors';
import {
  connectLocalCloud,
  type LocalCloudHandle,
  localCloudStatus,
  localDynamoDbClient,
  localS3Client,
  startLocalCloud,
  startRegion,
  stopLocalCloud,
  stopRegion,
} from '../../../../local/cloud/local-cloud';
import { DR, PRIMARY, tempDir } from '../../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../../support/repo-root';
import { recordingCliIo } from '../../../support/captured-cli-io';
import { createActiveTable } from '../../../../local/cloud';

const tmp = tempDir('outage');
const dataDir = tmp.dir;
let cloud: LocalCloudHandle;
const clients: { destroy(): void }[] = [];

const BUCKET = 'outage-bucket';
const KEY = 'data/blob.bin';
const TABLE = 'outage-table';
const body = randomBytes(300 * 1024);
const item: Record<string, AttributeValue> = {
  pk: { S: 'order#1' },
  total: { N: '12.5' },
  raw: { B: new Uint8Array([0, 1, 2, 255]) },
  tags: { SS: ['a', 'b'] },
  lines: { L: [{ M: { sku: { S: 'x' }, qty: { N: '2' } } }, { NULL: true }] },
};


function track<T extends { destroy(): void }>(client: T): T {
  clients.push(client);
  return client;
}

/**
 * A connection error, by message: under jest the SDK sees Node's error as coming from another realm
 * and rewraps it (`AWS SDK error wrapper for Error: connect ECONNREFUSED ...`), dropping its `code`.
 */
const REFUSED = /connect ECONNREFUSED 127\.0\.0\.1:\d+/;

/** Clients that make one attempt with short timeouts: a refused connection fails at once, a hang would fail as a timeout. */
function impatientS3(region: string): S3Client {
  const endpoint = cloud.endpoints.s3[region];
  return track(new S3Client({ region, endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS, maxAttempts: 1, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } }));
}
function impatientDynamoDb(region: string): DynamoDBClient {
  const endpoint = cloud.endpoints.dynamodb[region];
  return track(new DynamoDBClient({ region, endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } }));
}

async function objectBytes(client: S3Client): Promise<Buffer> {
  const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function storedItem(client: DynamoDBClient, pk = 'order#1'): Promise<Record<string, AttributeValue> | undefined> {
  return (await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk } }, ConsistentRead: true }))).Item;
}

/** Clients built before any outage: they must keep working once a stopped region is back. */
const before: Record<string, { s3: S3Client; ddb: DynamoDBClient }> = {};

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  for (const region of [PRIMARY, DR]) {
    const s3 = track(localS3Client(cloud.endpoints, region));
    const ddb = track(localDynamoDbClient(cloud.endpoints, region));
    before[region] = { s3, ddb };
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: body, ContentType: 'application/octet-stream', Metadata: { region } }));
    await createActiveTable(ddb, { TableName: TABLE, BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] });
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...item, region: { S: region } } }));
  }
});

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await stopLocalCloud(dataDir);
  tmp.remove();
});

describe('a region outage', () => {
  it('stopping a region makes its S3 and DynamoDB refuse connections while the other region answers', async () => {
    const stopped = await stopRegion(dataDir, PRIMARY);
    expect(stopped).toEqual({ region: PRIMARY, state: 'stopped', changed: true, endpoints: { s3: cloud.endpoints.s3[PRIMARY], dynamodb: cloud.endpoints.dynamodb[PRIMARY] } });

    await expect(impatientS3(PRIMARY).send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }))).rejects.toThrow(REFUSED);
    await expect(storedItem(impatientDynamoDb(PRIMARY))).rejects.toThrow(REFUSED);

    expect((await objectBytes(impatientS3(DR))).equals(body)).toBe(true);
    expect(await storedItem(impatientDynamoDb(DR))).toEqual({ ...item, region: { S: DR } });
  });

  it('status shows the stopped region, and a deliberately stopped region is not a failure (exit 0)', async () => {
    const status = await localCloudStatus(dataDir);
    expect(status.regionStates).toEqual({ [PRIMARY]: 'stopped', [DR]: 'up' });
    expect(status.services.filter((s) => s.region === PRIMARY).map((s) => [s.regionState, s.reachable, s.error])).toEqual([
      ['stopped', false, 'ECONNREFUSED'],
      ['stopped', false, 'ECONNREFUSED'],
    ]);
    expect(status.services.filter((s) => s.region === DR).every((s) => s.regionState === 'up' && s.reachable)).toBe(true);
    expect(readCloudState(dataDir)).toMatchObject({ stoppedRegions: [PRIMARY], endpoints: cloud.endpoints });

    const io = recordingCliIo();
    expect(await localStatus({ dataDir }, { io })).toBe(0);
    expect(io.lines).toContain(`  region   ${PRIMARY.padEnd(16)}stopped (\`lifeboat local region start ${PRIMARY} --data-dir ${dataDir}\` brings it back)`);
    expect(io.lines).toContain(`  region   ${DR.padEnd(16)}up`);
    expect(io.lines.filter((l) => l.endsWith('stopped'))).toHaveLength(2);
    expect(io.lines.filter((l) => l.endsWith('ok'))).toHaveLength(2);

    const json = recordingCliIo();
    expect(await localStatus({ dataDir, json: true }, { io: json })).toBe(0);
    expect(JSON.parse(json.lines.join('\n'))).toMatchObject({ state: 'running', healthy: true, regionStates: { [PRIMARY]: 'stopped', [DR]: 'up' } });
  });

  it('stopping a stopped region is idempotent and says so', async () => {
    expect(await stopRegion(dataDir, PRIMARY)).toMatchObject({ state: 'stopped', changed: false });
    const io = recordingCliIo();
    expect(await localRegion('stop', PRIMARY, { dataDir }, { io })).toBe(0);
    expect(io.lines).toEqual([`Region ${PRIMARY} was already stopped; nothing done.`]);
  });

  it('`lifeboat local up` refuses to provision while a region is stopped and says how to start it (exit 1)', async () => {
    const io = recordingCliIo();
    const synthesize = async (): Promise<never[]> => [];
    expect(await localUp({ dataDir, env: 'dev', config: SAMPLE_CONFIG_FILE }, { io, synthesize })).toBe(1);
    expect(io.errors).toEqual([`Region ${PRIMARY} of the local cloud on ${dataDir} is stopped, so it cannot be provisioned; run \`lifeboat local region start ${PRIMARY} --data-dir ${dataDir}\` first.`]);
  });

  it('starting it brings the object and the item back, byte for byte, on the same endpoints, to clients built before the outage', async () => {
    expect(await startRegion(dataDir, PRIMARY)).toMatchObject({ region: PRIMARY, state: 'up', changed: true });
    await expect(connectLocalCloud(dataDir)).resolves.toEqual(cloud.endpoints);
    expect(readCloudState(dataDir)?.stoppedRegions).toEqual([]);

    const { s3, ddb } = before[PRIMARY]!;
    expect((await objectBytes(s3)).equals(body)).toBe(true);
    const head = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
    await head.Body?.transformToByteArray();
    expect(head).toMatchObject({ ContentType: 'application/octet-stream', Metadata: { region: PRIMARY } });
    expect(await storedItem(ddb)).toEqual({ ...item, region: { S: PRIMARY } });

    expect(await startRegion(dataDir, PRIMARY)).toMatchObject({ state: 'up', changed: false });
    const io = recordingCliIo();
    expect(await localRegion('start', PRIMARY, { dataDir }, { io })).toBe(0);
    expect(io.lines).toEqual([`Region ${PRIMARY} was already up; nothing done.`]);
  });

  it('`lifeboat local region stop|start` cycles a region again, and what was written after the first restart survives', async () => {
    const { s3, ddb } = before[PRIMARY]!;
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'after-restart' }, v: { N: '2' } } }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after-restart', Body: 'second life' }));

    const io = recordingCliIo();
    const program = new Command('lifeboat').exitOverride();
    registerLocalCommands(program, { io });
    try {
      await program.parseAsync(['local', 'region', 'stop', PRIMARY, '--data-dir', dataDir], { from: 'user' });
      expect(process.exitCode).toBe(0);
      await expect(storedItem(impatientDynamoDb(PRIMARY), 'after-restart')).rejects.toThrow(REFUSED);
      await program.parseAsync(['local', 'region', 'start', PRIMARY, '--data-dir', dataDir], { from: 'user' });
      expect(process.exitCode).toBe(0);
    } finally {
      process.exitCode = undefined;
    }
    expect(io.errors).toEqual([]);
    expect(io.lines).toEqual([
      `Region ${PRIMARY} stopped: its S3 and DynamoDB refuse connections (S3 ${cloud.endpoints.s3[PRIMARY]}, DynamoDB ${cloud.endpoints.dynamodb[PRIMARY]}); data kept. Bring it back with \`lifeboat local region start ${PRIMARY} --data-dir ${dataDir}\`.`,
      `Region ${PRIMARY} started: its S3 and DynamoDB answer again on the same endpoints (S3 ${cloud.endpoints.s3[PRIMARY]}, DynamoDB ${cloud.endpoints.dynamodb[PRIMARY]}), with their data.`,
    ]);
    expect(await storedItem(ddb, 'after-restart')).toEqual({ pk: { S: 'after-restart' }, v: { N: '2' } });
    expect(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'after-restart' }))).Body?.transformToString()).toBe('second life');
    expect(await storedItem(ddb)).toEqual({ ...item, region: { S: PRIMARY } });
  });

  it('an unknown region is an error that lists the cloud regions (exit 1)', async () => {
    await expect(stopRegion(dataDir, 'eu-west-1')).rejects.toThrow(new UnknownRegionError('eu-west-1', [PRIMARY, DR]));
    const io = recordingCliIo();
    expect(await localRegion('start', 'eu-west-1', { dataDir }, { io })).toBe(1);
    expect(io.errors).toEqual([`lifeboat local region start failed: The local cloud serves no region eu-west-1; its regions are ${PRIMARY}, ${DR}.`]);
  });

  it('the control endpoint answers only with the token of cloud.json, and names the regions for an unknown one', async () => {
    const control = readCloudState(dataDir)!.control!;
    expect(new URL(control.url).hostname).toBe('127.0.0.1');
    const stopWithout = await fetch(new URL(`/regions/${DR}/stop`, control.url), { method: 'POST' });
    expect(stopWithout.status).toBe(401);
    await stopWithout.body?.cancel();
    const unknown = await fetch(new URL('/regions/eu-west-1/stop', control.url), { method: 'POST', headers: { authorization: `Bearer ${control.token}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'UnknownRegion', regions: [PRIMARY, DR] });
    expect((await localCloudStatus(dataDir)).regionStates).toEqual({ [PRIMARY]: 'up', [DR]: 'up' });
  });

  it('without a running cloud, stop and start fail and say how to start one (exit 1)', async () => {
    const empty = tempDir('outage-none');
    try {
      await expect(startRegion(empty.dir, PRIMARY)).rejects.toBeInstanceOf(LocalCloudNotRunningError);
      const io = recordingCliIo();
      expect(await localRegion('stop', PRIMARY, { dataDir: empty.dir }, { io })).toBe(1);
      expect(io.errors[0]).toContain(`No local cloud is running on ${empty.dir}; start it with \`lifeboat local up --data-dir ${empty.dir}\``);
    } finally {
      empty.remove();
    }
  });

  it('a region start whose port another program took fails with EADDRINUSE; the region stays stopped and the cloud and its other region keep running (audit e2-1)', async () => {
    await stopRegion(dataDir, DR);
    // Connections are cut at once (the status probe connects too), so closing the blocker does not wait for them.
    const blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(Number(new URL(cloud.endpoints.s3[DR]!).port), '127.0.0.1', resolve);
    });
    try {
      await expect(startRegion(dataDir, DR)).rejects.toThrow(`Could not start region ${DR}: listen EADDRINUSE`);
      expect((await objectBytes(impatientS3(PRIMARY))).equals(body)).toBe(true);
      expect((await localCloudStatus(dataDir)).regionStates).toEqual({ [PRIMARY]: 'up', [DR]: 'stopped' });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    // The port is free again: the start that failed left nothing half-open (dynalite's LevelDB included).
    expect(await startRegion(dataDir, DR)).toMatchObject({ state: 'up', changed: true });
    expect(await storedItem(impatientDynamoDb(DR))).toEqual({ ...item, region: { S: DR } });
  });

  it('the cloud shuts down cleanly with a region stopped', async () => {
    await stopRegion(dataDir, DR);
    expect(await stopLocalCloud(dataDir)).toMatchObject({ stopped: true, forced: false });
    expect(readCloudState(dataDir)).toBeUndefined();
  });
});
