import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI_CLIENT_TIMEOUTS } from '../../../cli/client-timeouts';
import { StackUnansweredError } from '../../../cli/stack-environment-errors';
import { targetEnvironment } from '../../../cli/target-environment';
import { statusSources } from '../../../cli/status/status-sources';
import { verifyCommand } from '../../../cli/commands/restore-commands';
import { vaultS3Client } from '../../../cli/vault-s3-client';
import { forgetRunCredentials } from '../../../cli/run-credentials';

/**
 * Review r61O F4 (f62C): the SDK's default credential chain builds its own SSO client, without the CLI's timeouts, so
 * an SSO portal that accepts the connection and never answers held `--stack` for minutes before its outage error.
 * The portal here is a local server that accepts and never answers; the CLI's timeouts are shortened (in place, for
 * this file's module registry only) so that the fixed code gives up in a few seconds, and the old one hangs past the
 * test's own timeout (no timed assertion). f62L: the same of an `--env` command's clients (cli/run-credentials.ts).
 */
const cliTimeouts = { ...CLI_CLIENT_TIMEOUTS };
/** f62R: the words of credentials whose provider did not answer, as `--stack` says them (f62C), with --env too. */
const CREDENTIALS_UNANSWERED =
  'the credentials of profile sso-prod could not be had, their provider did not answer \\(TimeoutError: [^;]*requestTimeout[^;]*; .*\\): use other credentials of account 111111111111, such as break-glass keys \\(AWS_PROFILE=';
const START_URL = 'https://example.awsapps.com/start';
const VARIABLES = ['HOME', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_VAULT', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SSO', 'AWS_EC2_METADATA_DISABLED'] as const;
const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
const home = mkdtempSync(path.join(tmpdir(), 'lifeboat-silent-sso-'));
const sockets = new Set<Socket>();
let connections = 0;
// Accepts each connection and never answers: a portal whose front end is hung in its region's outage.
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
  writeFileSync(
    path.join(home, '.aws', 'config'),
    `[profile sso-prod]\nsso_start_url = ${START_URL}\nsso_region = eu-west-1\nsso_account_id = 111111111111\nsso_role_name = Operator\nregion = eu-west-1\n`,
  );
  // The token `aws sso login` caches, valid for an hour: the SDK goes straight to the portal's GetRoleCredentials.
  const tokenFile = `${createHash('sha1').update(START_URL).digest('hex')}.json`;
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  writeFileSync(path.join(home, '.aws', 'sso', 'cache', tokenFile), JSON.stringify({ startUrl: START_URL, region: 'eu-west-1', accessToken: 'token', expiresAt }));
  for (const name of VARIABLES) delete process.env[name];
  process.env.HOME = home;
  process.env.AWS_PROFILE = 'sso-prod';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_ENDPOINT_URL_SSO = `http://127.0.0.1:${address.port}`;
});

// Each test counts its own asks of the portal: the run's providers remember its silence for a while (review r62G F2).
beforeEach(() => forgetRunCredentials());

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

it('a silent SSO portal gives the credentials-unanswered error within the CLI timeouts instead of holding --stack', async () => {
  const target = { config: 'lifeboat.config.json', env: 'prod', aws: true, stack: 'Shop', stackRegion: 'eu-west-1' };
  const refusal = targetEnvironment(target, undefined, { home });
  await expect(refusal).rejects.toThrow(StackUnansweredError);
  await expect(refusal).rejects.toThrow(/^stack Shop was not read: the credentials of profile sso-prod could not be had, their provider did not answer \(.*TimeoutError/);
  // The SSO client reached the silent portal: the error is its silence, not another link of the chain failing.
  expect(connections).toBeGreaterThan(0);
}, 30_000);

// f62L: every AWS client of an `--env` command (here status's: the catalog of environment-access.ts, CloudWatch and
// Scheduler) had the SDK's default chain too, and held the command as long; they now share the run's one provider.
it("a silent SSO portal gives an --env command's clients the credentials error within the CLI timeouts, through one provider", async () => {
  const sources = await statusSources({ config: 'lifeboat.config.json', env: 'dev', aws: true, dataDir: path.join(home, 'no-local-cloud') });
  const before = connections;
  const [catalog, alarms, nextRun] = await Promise.allSettled([sources.listBackupsOfPlan('demo', 'primary'), sources.alarms(), sources.nextRun('demo', new Date())]);
  // f62R: in words (CREDENTIALS_UNANSWERED), not the SDK's bare TimeoutError.
  expect(catalog).toMatchObject({ status: 'rejected', reason: { name: 'CredentialsProviderError', message: expect.stringMatching(new RegExp(`^${CREDENTIALS_UNANSWERED}`)) } });
  expect(alarms).toMatchObject({ status: 'fulfilled', value: { state: 'unreadable', note: expect.stringMatching(new RegExp(`could not be read: CredentialsProviderError: ${CREDENTIALS_UNANSWERED}`)) } });
  expect(nextRun).toMatchObject({ status: 'fulfilled', value: { state: 'unknown', reason: expect.stringMatching(new RegExp(`cannot read schedule lifeboat-dev-demo: CredentialsProviderError: ${CREDENTIALS_UNANSWERED}`)) } });
  // One provider asked the portal once for the three clients (each attempt a connection), not once per client.
  expect(connections - before).toBe(CLI_CLIENT_TIMEOUTS.requestMaxAttempts);
}, 30_000);

// f62R: with --env the SDK's bare `TimeoutError: … requestTimeout` reached the user (`lifeboat verify: TimeoutError: …`),
// which reads as the primary region's silence; it now names the credentials and the way out, as --stack does, and is
// not taken for DynamoDB's silence by the primary catalog's 'did not answer' wrapper (namingUnanswered).
it("an --env command whose credentials' provider does not answer says so, and what to use instead, not a region's silence", async () => {
  const err: string[] = [];
  const code = await verifyCommand({ config: 'lifeboat.config.json', env: 'dev', aws: true, dataDir: path.join(home, 'no-local-cloud'), backup: '20261204T100000Z-1a2b3c4d' }, { io: { out: () => undefined, err: (line) => err.push(line) } });
  expect(code).toBe(1);
  expect(err.join('\n')).toMatch(new RegExp(`^lifeboat verify: ${CREDENTIALS_UNANSWERED}`));
  expect(err.join('\n')).not.toMatch(/DynamoDB in|did not answer \(TimeoutError.*If the primary region is down/);
}, 30_000);

// f62R: `lifeboat vault … s3://…` built its S3 client with the SDK's own chain, without the CLI's timeouts: a silent
// portal held it for minutes (the old code fails here by the test's timeout). It now fails at the HeadBucket, in words.
it('an s3:// vault whose credentials come from a silent SSO portal fails within the CLI timeouts, naming the credentials', async () => {
  const before = connections;
  const env = { ...process.env, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' };
  await expect(vaultS3Client(env, 'lifeboat-vault', CLI_CLIENT_TIMEOUTS)).rejects.toThrow(new RegExp(`^${CREDENTIALS_UNANSWERED}`));
  expect(connections - before).toBe(CLI_CLIENT_TIMEOUTS.requestMaxAttempts);
}, 30_000);
