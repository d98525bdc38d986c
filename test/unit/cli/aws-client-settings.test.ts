import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createServer, type Server, type Socket } from 'node:net';
import { awsRequestSettings } from '../../../cli/aws-client-settings';
import { CLI_CLIENT_TIMEOUTS } from '../../../cli/client-timeouts';
import { forgetRunCredentials } from '../../../cli/run-credentials';
import { awsWorkflowRunner, FOLLOW_MAX_ATTEMPTS } from '../../../cli/workflow-runner';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Read-back rb62A item 12: each of the CLI's AWS clients wrote its region, its timeouts and the run's credentials by
 * hand, and the workflow runner's Step Functions clients had the credentials without the timeouts: `lifeboat backup
 * --aws` against a Step Functions endpoint that accepts and never answers waited for ever. One builder now
 * (awsRequestSettings). The endpoint here accepts and never answers; the CLI's timeouts are shortened in place.
 */
const cliTimeouts = { ...CLI_CLIENT_TIMEOUTS };
const VARIABLES = ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SFN'] as const;
const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
const sockets = new Set<Socket>();
let connections = 0;
const silent: Server = createServer((socket) => {
  connections += 1;
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});

beforeAll(async () => {
  Object.assign(CLI_CLIENT_TIMEOUTS, { connectionTimeoutMs: 1_000, requestTimeoutMs: 1_000 });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  if (address === null || typeof address === 'string') throw new Error('the endpoint has no TCP address');
  for (const name of VARIABLES) delete process.env[name];
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret';
  process.env.AWS_ENDPOINT_URL_SFN = `http://127.0.0.1:${address.port}`;
});

beforeEach(() => {
  forgetRunCredentials();
  connections = 0;
});

afterAll(async () => {
  Object.assign(CLI_CLIENT_TIMEOUTS, cliTimeouts);
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  forgetRunCredentials();
});

it('the workflow runner gives up on a Step Functions endpoint that never answers, after its attempts (the SDK\'s 3: one failed poll ends a follow)', async () => {
  const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
  const runner = awsWorkflowRunner({ environment, pollMs: 0 });
  await expect(runner.run('backup', {}, () => undefined)).rejects.toThrow(/timeout/i);
  expect(connections).toBe(FOLLOW_MAX_ATTEMPTS);
}, 30_000);

it('a client\'s settings carry its region, the CLI\'s timeouts and the run\'s credentials of that region', async () => {
  const client = new DynamoDBClient(awsRequestSettings('eu-west-1'));
  try {
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.maxAttempts()).toBe(CLI_CLIENT_TIMEOUTS.requestMaxAttempts);
    expect((await client.config.credentials()).accessKeyId).toBe('AKIDEXAMPLE');
  } finally {
    client.destroy();
  }
});
