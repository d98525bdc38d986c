import * as net from 'node:net';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeFileSystemsCommand } from '@aws-sdk/client-efs';
import { ListKeysCommand } from '@aws-sdk/client-kms';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { type ClientTimeouts } from '../../../cli/client-timeouts';
import { awsDoctorClients } from '../../../cli/doctor/doctor-clients';

/**
 * `lifeboat doctor --aws` against a region that accepts connections and never answers (a region down behind a live
 * front end): each of its clients gives up after the CLI's small-request attempts, each bounded by requestTimeoutMs,
 * instead of waiting for ever as the SDK's defaults do. The jest timeout is the test's own bound: a client without
 * a timeout never settles, and fails the test by it.
 */
const timeouts: ClientTimeouts = { connectionTimeoutMs: 500, requestTimeoutMs: 300, requestMaxAttempts: 2, transferIdleTimeoutMs: 60_000 };
const SILENT_TEST_MS = 15_000;

let silent: net.Server;
let url: string;
const held: net.Socket[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  silent = net.createServer((socket) => {
    held.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  // The default credential chain must find some: the requests are to reach the silent endpoint.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDSILENTREGION', AWS_SECRET_ACCESS_KEY: 'silent-region-secret' });
});

afterAll(async () => {
  process.env = savedEnv;
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

it(
  'every client of the doctor gives up on a silent region with a TimeoutError after its two attempts',
  async () => {
    const clients = awsDoctorClients('eu-west-1', timeouts, url);
    try {
      const region = 'eu-west-1';
      const requests: [string, Promise<unknown>][] = [
        ['sts', clients.sts().send(new GetCallerIdentityCommand({}))],
        ['s3', clients.s3(region).send(new HeadBucketCommand({ Bucket: 'lifeboat-dev-vault' }))],
        ['dynamodb', clients.dynamodb(region).send(new ListTablesCommand({}))],
        ['cloudformation', clients.cloudFormation(region).send(new DescribeStacksCommand({ StackName: 'lifeboat-dev-primary' }))],
        ['scheduler', clients.scheduler(region).send(new ListSchedulesCommand({}))],
        ['efs', clients.efs(region).send(new DescribeFileSystemsCommand({}))],
        ['kms', clients.kms(region).send(new ListKeysCommand({}))],
      ];
      const before = held.length;
      const settled = await Promise.allSettled(requests.map(([, request]) => request));
      const outcome = settled.map((s, i) => [requests[i]?.[0], s.status === 'rejected' ? (s.reason as Error).name : 'answered']);
      expect(outcome).toEqual(requests.map(([name]) => [name, 'TimeoutError']));
      // Two attempts each (requestMaxAttempts), each on a connection of its own: the silent socket is not reused.
      expect(held.length - before).toBe(2 * requests.length);
    } finally {
      clients.destroy();
    }
  },
  SILENT_TEST_MS,
);
