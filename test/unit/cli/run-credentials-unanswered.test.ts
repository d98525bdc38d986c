import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI_CLIENT_TIMEOUTS, requestClientSettings } from '../../../cli/client-timeouts';
import { forgetRunCredentials, runCredentials } from '../../../cli/run-credentials';

/**
 * Review r62G F2: the run's provider did not remember that the SSO portal did not answer, so each later client of the
 * run waited its 2 × requestTimeout on the silent portal again (`status --env dev --aws`: 163 s, 16 connections).
 * The portal here accepts and never answers; the CLI's timeouts are shortened in place for this file's module registry.
 */
const cliTimeouts = { ...CLI_CLIENT_TIMEOUTS };
const START_URL = 'https://example.awsapps.com/start';
const VARIABLES = ['HOME', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SSO', 'AWS_EC2_METADATA_DISABLED'] as const;
const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
const home = mkdtempSync(path.join(tmpdir(), 'lifeboat-unanswered-credentials-'));
const sockets = new Set<Socket>();
let connections = 0;
const portal: Server = createServer((socket) => {
  connections += 1;
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});

beforeAll(async () => {
  Object.assign(CLI_CLIENT_TIMEOUTS, { connectionTimeoutMs: 1_000, requestTimeoutMs: 1_000 });
  await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
  const address = portal.address();
  if (address === null || typeof address === 'string') throw new Error('the portal has no TCP address');
  mkdirSync(path.join(home, '.aws', 'sso', 'cache'), { recursive: true });
  writeFileSync(path.join(home, '.aws', 'config'), `[profile sso-prod]\nsso_start_url = ${START_URL}\nsso_region = eu-west-1\nsso_account_id = 111111111111\nsso_role_name = Operator\nregion = eu-west-1\n`);
  // A cached token valid for an hour: the SDK goes straight to the portal's GetRoleCredentials.
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  writeFileSync(path.join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(START_URL).digest('hex')}.json`), JSON.stringify({ startUrl: START_URL, region: 'eu-west-1', accessToken: 'token', expiresAt }));
  for (const name of VARIABLES) delete process.env[name];
  process.env.HOME = home;
  process.env.AWS_PROFILE = 'sso-prod';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_ENDPOINT_URL_SSO = `http://127.0.0.1:${address.port}`;
});

beforeEach(() => {
  forgetRunCredentials();
  connections = 0;
});

afterAll(async () => {
  Object.assign(CLI_CLIENT_TIMEOUTS, cliTimeouts);
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => portal.close(() => resolve()));
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(home, { recursive: true, force: true });
});

it('a portal that did not answer is not asked again by the next client of the run: it gets the same failure at once', async () => {
  const client = () => new DynamoDBClient({ ...requestClientSettings(), region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', credentials: runCredentials(undefined, 'eu-west-1') });
  const words = /^the credentials of profile sso-prod could not be had, their provider did not answer \(.*TimeoutError/;
  const first = client();
  await expect(first.send(new ListTablesCommand({}))).rejects.toThrow(words);
  const second = client();
  await expect(second.send(new ListTablesCommand({}))).rejects.toThrow(words);
  // The first ask's attempts only (each a connection), not as many again for the second client.
  expect(connections).toBe(CLI_CLIENT_TIMEOUTS.requestMaxAttempts);
  first.destroy();
  second.destroy();
}, 30_000);

it("a portal that did not answer one region's client is not asked again by another region's: the portal is in its sso_region for both", async () => {
  // Review r62N F2: the run's provider of each region asked the silent portal (status: 4 connections, not 2).
  const client = (region: string) => new DynamoDBClient({ ...requestClientSettings(), region, endpoint: 'http://127.0.0.1:9', credentials: runCredentials(undefined, region) });
  const words = /^the credentials of profile sso-prod could not be had, their provider did not answer \(.*TimeoutError/;
  const primary = client('eu-west-1');
  await expect(primary.send(new ListTablesCommand({}))).rejects.toThrow(words);
  const dr = client('us-west-2');
  await expect(dr.send(new ListTablesCommand({}))).rejects.toThrow(words);
  expect(connections).toBe(CLI_CLIENT_TIMEOUTS.requestMaxAttempts);
  primary.destroy();
  dr.destroy();
}, 30_000);
