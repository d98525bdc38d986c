import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI_CLIENT_TIMEOUTS, requestClientSettings } from '../../../cli/client-timeouts';
import { isCredentialsUnanswered } from '../../../cli/credentials-unanswered';
import { checkCredentials } from '../../../cli/doctor/access-checks';
import { type DoctorContext } from '../../../cli/doctor/doctor-context';
import { isRegionUnanswered } from '../../../cli/doctor/unanswered-region';
import { environmentAccess } from '../../../cli/environment-access';
import { forgetRunCredentials, runCredentials } from '../../../cli/run-credentials';
import { CatalogEndpointUnansweredError, VaultEndpointUnansweredError } from '../../../cli/unanswered-endpoint';
import { CatalogEndpointFaultError } from '../../../cli/catalog-endpoint-fault-error';
import { VaultEndpointFaultError } from '../../../cli/vault-endpoint-fault-error';
import { isPassingAwsFailure } from '../../../cli/passing-aws-failure';
import { isThrottledRequest } from '../../../cli/throttled-request';
import { isServerFault } from '../../../cli/server-fault';
import { targetEnvironment } from '../../../cli/target-environment';
import { StackUnansweredError } from '../../../cli/stack-environment-errors';
import { vaultS3Client } from '../../../cli/vault-s3-client';
import { loadLifeboatConfig } from '../../../config/load-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r62G F1: the SDK's fromIni keeps a role profile's STS client (its AssumeRole) on the provider, in the region
 * of the first client that asked. With one provider for every region, a role profile without `region` sent the DR
 * clients' AssumeRole to the primary region's STS: with the primary region down, the DR catalog could not be read.
 * Here every request signed for us-east-1 (the primary, down) is dropped; us-west-2 (the DR region) answers.
 */
const VARIABLES = ['HOME', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ENDPOINT_URL', 'AWS_EC2_METADATA_DISABLED'] as const;
const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
const home = mkdtempSync(path.join(tmpdir(), 'lifeboat-run-credentials-'));
/** Each request as `service region key`, from its signature. */
const requests: string[] = [];
/** Whether us-east-1 holds its requests unanswered (a region that accepted the connection and went silent) instead of dropping them. */
let primarySilent = false;
/** Whether us-east-1's STS answers with a fault of its own (a 503, as a region in trouble does) instead. */
let primaryStsFault = false;
/** us-east-1's S3 answer to every request, its STS answering the role's request: a fault (a 503, a 500) or a throttle. */
let primaryS3Fault: { status: number; code: string; message: string } | undefined;
/** Whether us-east-1's STS throttles the request (`Throttling`, HTTP 400, as STS answers it) instead. */
let primaryStsThrottle = false;
const cliTimeouts = { ...CLI_CLIENT_TIMEOUTS };
const endpoint: Server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    const signed = /Credential=([^/]+)\/\d+\/([^/]+)\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
    const [key, region, service] = signed ? [signed[1], signed[2], signed[3]] : ['-', '-', '-'];
    requests.push(`${service} ${region} ${key}`);
    if (region === 'us-east-1' && service === 'sts' && primaryStsFault) {
      res.writeHead(503, { 'content-type': 'text/xml' });
      res.end('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>STS is in trouble</Message></Error><RequestId>r</RequestId></ErrorResponse>');
      return;
    }
    if (region === 'us-east-1' && service === 'sts' && primaryStsThrottle) {
      res.writeHead(400, { 'content-type': 'text/xml' });
      res.end('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>');
      return;
    }
    if (region === 'us-east-1' && service === 's3' && primaryS3Fault) {
      // An answer to HEAD loses its body on the way, as S3's has none: a HeadBucket's 503 says neither code nor message.
      res.writeHead(primaryS3Fault.status, { 'content-type': 'application/xml' });
      res.end(`<Error><Code>${primaryS3Fault.code}</Code><Message>${primaryS3Fault.message}</Message></Error>`);
      return;
    }
    if (region === 'us-east-1' && !primaryS3Fault) return primarySilent ? undefined : void req.socket.destroy();
    if (service === 'sts' && new URLSearchParams(body).get('Action') === 'GetCallerIdentity') {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::111111111111:assumed-role/ops/s</Arn><UserId>AROA:s</UserId><Account>111111111111</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
      );
      return;
    }
    if (service === 'sts') {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIA-ROLE-${region}</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>` +
          `<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/ops/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`,
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end('{"TableNames":[]}');
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  const address = endpoint.address();
  if (address === null || typeof address === 'string') throw new Error('the endpoint has no TCP address');
  mkdirSync(path.join(home, '.aws'), { recursive: true });
  // A role profile that names no region: its AssumeRole goes to the region of the client that asks.
  // ops-east names the primary region, as a profile written for it does (review r62N F1).
  writeFileSync(
    path.join(home, '.aws', 'config'),
    '[profile ops]\nrole_arn = arn:aws:iam::111111111111:role/ops\nsource_profile = src\n' + '[profile ops-east]\nrole_arn = arn:aws:iam::111111111111:role/ops\nsource_profile = src\nregion = us-east-1\n',
  );
  writeFileSync(path.join(home, '.aws', 'credentials'), '[src]\naws_access_key_id = AKIA-SRC\naws_secret_access_key = x\n');
  for (const name of VARIABLES) delete process.env[name];
  process.env.HOME = home;
  process.env.AWS_PROFILE = 'ops';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${address.port}`;
});

afterEach(() => {
  process.env.AWS_PROFILE = 'ops';
  primarySilent = false;
  primaryStsFault = false;
  primaryStsThrottle = false;
  primaryS3Fault = undefined;
  Object.assign(CLI_CLIENT_TIMEOUTS, cliTimeouts);
  endpoint.closeAllConnections();
  forgetRunCredentials();
});

afterAll(async () => {
  await new Promise<void>((resolve) => endpoint.close(() => resolve()));
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(home, { recursive: true, force: true });
});

it("a DR client's role credentials are assumed through the DR region's STS, after a primary client asked the primary's", async () => {
  const client = (region: string) => new DynamoDBClient({ ...requestClientSettings(), region, credentials: runCredentials(undefined, region) });
  const primary = client('us-east-1');
  const dr = client('us-west-2');
  // The primary region is down: its client fails (its STS does not answer), and asks first.
  await expect(primary.send(new ListTablesCommand({}))).rejects.toThrow();
  requests.length = 0;
  await expect(dr.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
  expect(requests).toEqual(['sts us-west-2 AKIA-SRC', 'dynamodb us-west-2 ASIA-ROLE-us-west-2']);
  primary.destroy();
  dr.destroy();
}, 30_000);

it("a role profile that names the primary region still assumes a DR client's role through the DR region's STS", async () => {
  process.env.AWS_PROFILE = 'ops-east';
  requests.length = 0;
  const dr = new DynamoDBClient({ ...requestClientSettings(), region: 'us-west-2', credentials: runCredentials(undefined, 'us-west-2') });
  await expect(dr.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
  expect(requests).toEqual(['sts us-west-2 AKIA-SRC', 'dynamodb us-west-2 ASIA-ROLE-us-west-2']);
  dr.destroy();
}, 30_000);

it("a role's STS that does not answer is its region's silence: not the credentials', and the doctor reads the DR region's STS", async () => {
  // Review r62Q F1: worded as the credentials' provider's failure, the doctor told a role profile in a primary outage
  // to use break-glass keys and skipped every DR check, where it asks the DR region's STS for a region that is down.
  process.env.AWS_PROFILE = 'ops-east';
  // A silent STS gives the SDK's TimeoutError; a dropped connection's error, of Node's realm, reaches Jest's wrapped.
  primarySilent = true;
  Object.assign(CLI_CLIENT_TIMEOUTS, { requestTimeoutMs: 300 });
  requests.length = 0;
  const primary = new DynamoDBClient({ ...requestClientSettings(), region: 'us-east-1', credentials: runCredentials(undefined, 'us-east-1') });
  const silence = await primary.send(new ListTablesCommand({})).catch((err: unknown) => err);
  primary.destroy();
  expect(isRegionUnanswered(silence)).toBe(true);
  expect(isCredentialsUnanswered(silence)).toBe(false);
  expect(requests.filter((request) => request.startsWith('dynamodb'))).toEqual([]);

  const clients: STSClient[] = [];
  const sts = (region: string): STSClient => {
    const client = new STSClient({ ...requestClientSettings(), region, credentials: runCredentials(undefined, region) });
    clients.push(client);
    return client;
  };
  const ctx = { environment: { name: 'dev', account: '111111111111', primaryRegion: 'us-east-1', drRegion: 'us-west-2' }, request: { configFile: 'lifeboat.config.json' } } as unknown as DoctorContext;
  const result = await checkCredentials(sts, ctx);
  for (const client of clients) client.destroy();
  expect(result).toMatchObject({ name: 'credentials', verdict: 'ok' });
  expect(result.detail).toMatch(/read from STS in us-west-2: STS in the primary region us-east-1 did not answer/);
}, 30_000);

it("a role's silent STS is asked once per region: the region's next client is given the same silence at once, another region's asks its own", async () => {
  // Review r62T F4: every primary client of a run asked the silent STS again, 2 × requestTimeout each (status ~80 s).
  process.env.AWS_PROFILE = 'ops-east';
  primarySilent = true;
  Object.assign(CLI_CLIENT_TIMEOUTS, { requestTimeoutMs: 300 });
  requests.length = 0;
  const client = (region: string) => new DynamoDBClient({ ...requestClientSettings(), region, credentials: runCredentials(undefined, region) });
  const first = client('us-east-1');
  const firstSilence = await first.send(new ListTablesCommand({})).catch((err: unknown) => err);
  first.destroy();
  const stsAsked = requests.filter((request) => request === 'sts us-east-1 AKIA-SRC').length;
  expect(stsAsked).toBeGreaterThan(0);
  const second = client('us-east-1');
  const secondSilence = await second.send(new ListTablesCommand({})).catch((err: unknown) => err);
  second.destroy();
  // Not asked again, and the same error: still the region's silence (the doctor's and verify's DR fallbacks).
  expect(requests.filter((request) => request === 'sts us-east-1 AKIA-SRC')).toHaveLength(stsAsked);
  expect(secondSilence).toBe(firstSilence);
  expect(isRegionUnanswered(secondSilence)).toBe(true);
  expect(isCredentialsUnanswered(secondSilence)).toBe(false);
  expect(requests.filter((request) => request.startsWith('dynamodb'))).toEqual([]);

  requests.length = 0;
  const dr = client('us-west-2');
  await expect(dr.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
  dr.destroy();
  expect(requests).toEqual(['sts us-west-2 AKIA-SRC', 'dynamodb us-west-2 ASIA-ROLE-us-west-2']);
}, 30_000);

it("the primary catalog out of reach because its region's STS did not answer the role's request says STS, not DynamoDB", async () => {
  // Review r62T F3: verify said 'DynamoDB in us-east-1 did not answer' when only STS had been asked.
  process.env.AWS_PROFILE = 'ops-east';
  primarySilent = true;
  Object.assign(CLI_CLIENT_TIMEOUTS, { requestTimeoutMs: 300 });
  requests.length = 0;
  const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE).environments[0];
  if (!sample) throw new Error('the sample config has no environment');
  const environment = { ...sample, primaryRegion: 'us-east-1', drRegion: 'us-west-2' };
  const access = await environmentAccess({ config: SAMPLE_CONFIG_FILE, env: environment.name, dataDir: home, aws: true }, {}, { primaryCatalogUnanswered: 'verify the DR vault: --from dr', environment });
  const failed = await access.catalog.lockHolder('plan').catch((err: unknown) => err);
  expect(failed).toBeInstanceOf(CatalogEndpointUnansweredError);
  expect((failed as Error).message).toBe(
    `the primary catalog ${resourceNames(environment).catalogTable} could not be reached: STS in us-east-1 did not answer the request for the credentials' role ` +
      `(@smithy/node-http-handler - [ERROR] a request has exceeded the configured 300 ms requestTimeout.), so DynamoDB was not asked. If the primary region is down, verify the DR vault: --from dr`,
  );
  expect(requests.filter((request) => request.startsWith('dynamodb'))).toEqual([]);
}, 30_000);

/** The sample environment in the regions the endpoint tells apart: us-east-1 the primary, us-west-2 the DR region. */
function regionsEnvironment() {
  const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE).environments[0];
  if (!sample) throw new Error('the sample config has no environment');
  return { ...sample, primaryRegion: 'us-east-1', drRegion: 'us-west-2' };
}

it("the primary catalog out of reach because its region's STS answered the role's request with a fault says STS, not DynamoDB, and stays a fault", async () => {
  // Review r63H F2: an AssumeRole answered 503 was worded 'DynamoDB in us-east-1 answered with a fault of its own'.
  process.env.AWS_PROFILE = 'ops-east';
  primaryStsFault = true;
  requests.length = 0;
  const environment = regionsEnvironment();
  const access = await environmentAccess({ config: SAMPLE_CONFIG_FILE, env: environment.name, dataDir: home, aws: true }, {}, { primaryCatalogUnanswered: 'verify the DR vault: --from dr', environment });
  const failed = await access.catalog.lockHolder('plan').catch((err: unknown) => err);
  expect(failed).toBeInstanceOf(CatalogEndpointFaultError);
  expect((failed as Error).message).toBe(
    `the primary catalog ${resourceNames(environment).catalogTable} could not be used: STS in us-east-1 answered the request for the credentials' role with a fault of its own ` +
      `(ServiceUnavailable (HTTP 503): STS is in trouble), so DynamoDB was not asked. If the primary region is down, verify the DR vault: --from dr`,
  );
  // Still the region's trouble, as the DR fallbacks and the workflow runner's follow read it.
  expect(isServerFault(failed)).toBe(true);
  expect(isPassingAwsFailure(failed)).toBe(true);
  expect(requests.filter((request) => request.startsWith('dynamodb'))).toEqual([]);
}, 30_000);

it("a primary vault out of reach because its region's STS did not answer says STS, not S3 (review r63C F2)", async () => {
  process.env.AWS_PROFILE = 'ops-east';
  primarySilent = true;
  Object.assign(CLI_CLIENT_TIMEOUTS, { requestTimeoutMs: 300 });
  requests.length = 0;
  const environment = regionsEnvironment();
  const access = await environmentAccess({ config: SAMPLE_CONFIG_FILE, env: environment.name, dataDir: home, aws: true }, {}, { primaryCatalogUnanswered: 'verify the DR vault: --from dr', environment });
  const failed = await access.openVault('primary').catch((err: unknown) => err);
  expect(failed).toBeInstanceOf(VaultEndpointUnansweredError);
  expect((failed as Error).message).toBe(
    `the primary vault ${resourceNames(environment).primaryVault} could not be opened: STS in us-east-1 did not answer the request for the credentials' role ` +
      `(@smithy/node-http-handler - [ERROR] a request has exceeded the configured 300 ms requestTimeout.), so S3 in us-east-1 was not asked. ` +
      'If the primary region is down, read the DR vault instead: --from dr (verify, restore), --vault dr --region dr (catalog rebuild) or --vault dr (prune, forget, scrub)',
  );
  expect(requests.filter((request) => !request.startsWith('sts'))).toEqual([]);
}, 30_000);

it("lifeboat vault's s3:// bucket out of reach because its region's STS did not answer says STS, not S3 (review r63C F2)", async () => {
  process.env.AWS_PROFILE = 'ops-east';
  primarySilent = true;
  Object.assign(CLI_CLIENT_TIMEOUTS, { requestTimeoutMs: 300 });
  requests.length = 0;
  const env = { ...process.env, AWS_REGION: 'us-east-1' };
  const failed = await vaultS3Client(env, 'team-vault').catch((err: unknown) => err);
  expect(failed).toBeInstanceOf(VaultEndpointUnansweredError);
  expect((failed as Error).message).toBe(
    `the vault bucket team-vault could not be reached: STS in us-east-1 did not answer the request for the credentials' role ` +
      `(@smithy/node-http-handler - [ERROR] a request has exceeded the configured 300 ms requestTimeout.), so S3 in us-east-1 (${process.env.AWS_ENDPOINT_URL}) was not asked. ` +
      "Check the network and the region (AWS_REGION); if that region is down, open the vault's copy in the DR region (its s3:// location) instead",
  );
  expect(requests.filter((request) => !request.startsWith('sts'))).toEqual([]);
}, 30_000);

it("--stack with its region's STS silent says STS, not CloudFormation, did not answer (review r63C F2)", async () => {
  process.env.AWS_PROFILE = 'ops-east';
  primarySilent = true;
  Object.assign(CLI_CLIENT_TIMEOUTS, { requestTimeoutMs: 300 });
  requests.length = 0;
  const failed = await targetEnvironment({ config: 'lifeboat.config.json', env: 'dev', aws: true, stack: 'Shop', stackRegion: 'us-east-1' }, undefined, { home }).catch((err: unknown) => err);
  expect(failed).toBeInstanceOf(StackUnansweredError);
  expect((failed as Error).message).toMatch(
    /^STS in us-east-1 did not answer the request for the credentials' role \(@smithy\/node-http-handler - \[ERROR\] a request has exceeded the configured 300 ms requestTimeout\.\), so CloudFormation in us-east-1 was not asked for stack Shop, and this machine has no copy /,
  );
  expect(requests.filter((request) => !request.startsWith('sts'))).toEqual([]);
}, 30_000);

it("the catalog and the vaults out of reach because their region's STS throttled the role's request say STS, not DynamoDB's or S3's bare throttle (review r63O F2)", async () => {
  process.env.AWS_PROFILE = 'ops-east';
  primaryStsThrottle = true;
  requests.length = 0;
  const environment = regionsEnvironment();
  const access = await environmentAccess({ config: SAMPLE_CONFIG_FILE, env: environment.name, dataDir: home, aws: true }, {}, { primaryCatalogUnanswered: 'verify the DR vault: --from dr', environment });
  const sts = "STS in us-east-1 throttled the request for the credentials' role (Throttling: Rate exceeded)";
  // What to run then is the command's to say: after a partial command, running it again as it was may be refused (f64W).
  const again = 'STS may take the request in a minute';
  const catalog = await access.catalog.lockHolder('plan').catch((err: unknown) => err);
  expect((catalog as Error).message).toBe(`the primary catalog ${resourceNames(environment).catalogTable} could not be used: ${sts}, so DynamoDB was not asked; ${again}`);
  // Still a throttle, as the format admission's glance and the runner's follow read it.
  expect(isThrottledRequest(catalog)).toBe(true);
  const vault = await access.openVault('primary').catch((err: unknown) => err);
  expect((vault as Error).message).toBe(`the primary vault ${resourceNames(environment).primaryVault} could not be opened: ${sts}, so S3 in us-east-1 was not asked; ${again}`);
  const bucket = await vaultS3Client({ ...process.env, AWS_REGION: 'us-east-1' }, 'team-vault').catch((err: unknown) => err);
  expect((bucket as Error).message).toBe(`the vault bucket team-vault could not be reached: ${sts}, so S3 in us-east-1 (${process.env.AWS_ENDPOINT_URL}) was not asked; ${again}`);
  expect(requests.filter((request) => !request.startsWith('sts'))).toEqual([]);
}, 30_000);

it("a vault out of reach because its region's STS answered the role's request with a fault says STS and the DR vault's way out, not a bare 'Service Unavailable' (review r63O F3)", async () => {
  process.env.AWS_PROFILE = 'ops-east';
  primaryStsFault = true;
  requests.length = 0;
  const environment = regionsEnvironment();
  const access = await environmentAccess({ config: SAMPLE_CONFIG_FILE, env: environment.name, dataDir: home, aws: true }, {}, { primaryCatalogUnanswered: 'verify the DR vault: --from dr', environment });
  const sts = "STS in us-east-1 answered the request for the credentials' role with a fault of its own (ServiceUnavailable (HTTP 503): STS is in trouble)";
  const vault = await access.openVault('primary').catch((err: unknown) => err);
  expect(vault).toBeInstanceOf(VaultEndpointFaultError);
  expect((vault as Error).message).toBe(
    `the primary vault ${resourceNames(environment).primaryVault} could not be opened: ${sts}, so S3 in us-east-1 was not asked. ` +
      'If the primary region is down, read the DR vault instead: --from dr (verify, restore), --vault dr --region dr (catalog rebuild) or --vault dr (prune, forget, scrub)',
  );
  // Still the region's trouble, as the workflow runner's follow and the fallbacks read it.
  expect(isServerFault(vault)).toBe(true);
  const bucket = await vaultS3Client({ ...process.env, AWS_REGION: 'us-east-1' }, 'team-vault').catch((err: unknown) => err);
  expect(bucket).toBeInstanceOf(VaultEndpointFaultError);
  expect((bucket as Error).message).toBe(
    `the vault bucket team-vault could not be reached: ${sts}, so S3 in us-east-1 (${process.env.AWS_ENDPOINT_URL}) was not asked. ` +
      "If that region is down, open the vault's copy in the DR region (its s3:// location) instead",
  );
  expect(requests.filter((request) => !request.startsWith('sts'))).toEqual([]);
}, 30_000);

it("a vault whose S3 answers with a fault of its own says S3's, with the DR vault's way out (review r63O F3)", async () => {
  process.env.AWS_PROFILE = 'ops-east';
  primaryS3Fault = { status: 503, code: 'ServiceUnavailable', message: 'S3 is in trouble' };
  const environment = regionsEnvironment();
  const access = await environmentAccess({ config: SAMPLE_CONFIG_FILE, env: environment.name, dataDir: home, aws: true }, {}, { primaryCatalogUnanswered: 'verify the DR vault: --from dr', environment });
  const vault = await access.openVault('primary').catch((err: unknown) => err);
  expect(vault).toBeInstanceOf(VaultEndpointFaultError);
  expect((vault as Error).message).toBe(
    `the primary vault ${resourceNames(environment).primaryVault} could not be opened: S3 in us-east-1 answered with a fault of its own (ServiceUnavailable (HTTP 503): S3 is in trouble). ` +
      'If the primary region is down, read the DR vault instead: --from dr (verify, restore), --vault dr --region dr (catalog rebuild) or --vault dr (prune, forget, scrub)',
  );
  // A HeadBucket's 500 is a fault whatever its missing body would have said: not a throttle (review r63W F2).
  primaryS3Fault = { status: 500, code: 'InternalError', message: 'S3 is in trouble' };
  const bucket = await vaultS3Client({ ...process.env, AWS_REGION: 'us-east-1' }, 'team-vault').catch((err: unknown) => err);
  expect(bucket).toBeInstanceOf(VaultEndpointFaultError);
  expect((bucket as Error).message).toMatch(
    /^the vault bucket team-vault could not be reached: S3 in us-east-1 \(http:\/\/127\.0\.0\.1:\d+\) answered with a fault of its own \(\w+ \(HTTP 500\): .*\)\. If that region is down, open the vault's copy in the DR region \(its s3:\/\/ location\) instead$/,
  );
}, 30_000);

it("lifeboat vault's s3:// bucket whose HeadBucket S3 answers a bare 503 (a SlowDown has no body on HEAD) goes on to the vault's reads, not 'if that region is down' (review r63W F2)", async () => {
  process.env.AWS_PROFILE = 'ops-east';
  primaryS3Fault = { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
  requests.length = 0;
  const client = await vaultS3Client({ ...process.env, AWS_REGION: 'us-east-1' }, 'team-vault').catch((err: unknown) => err);
  expect(client).toBeInstanceOf(S3Client);
  expect(await (client as S3Client).config.region()).toBe('us-east-1');
  // The read's answer has a body: it says SlowDown, a throttle, and is no region's outage.
  const read = await (client as S3Client).send(new GetObjectCommand({ Bucket: 'team-vault', Key: 'config' })).catch((err: unknown) => err);
  expect(requests.filter((request) => request.startsWith('s3'))).toEqual(Array.from({ length: 6 }, () => 's3 us-east-1 ASIA-ROLE-us-east-1'));
  expect(isThrottledRequest(read)).toBe(true);
  expect(isServerFault(read)).toBe(false);
  expect((read as Error).message).toBe(
    `the vault bucket team-vault could not be used: S3 in us-east-1 (${process.env.AWS_ENDPOINT_URL}) throttled GetObject (SlowDown (HTTP 503): Please reduce your request rate.); ` +
      'S3 may take the request in a minute',
  );
  // A HEAD's 503 has no body: it may be either, and both ways are said.
  const head = await (client as S3Client).send(new HeadObjectCommand({ Bucket: 'team-vault', Key: 'config' })).catch((err: unknown) => err);
  expect((head as Error).message).toMatch(
    /^the vault bucket team-vault could not be used: S3 in us-east-1 \(http:\/\/127\.0\.0\.1:\d+\) answered HeadObject with HTTP 503 and no body, as S3 answers a HEAD it throttles \(SlowDown\) or cannot serve \(\w+ \(HTTP 503\): .*\): S3 may take the request in a minute; if that region is down, open the vault's copy in the DR region \(its s3:\/\/ location\) instead$/,
  );
  // A read S3 answers with a fault of its own names S3 and the way out, not its bare "S3 is in trouble".
  primaryS3Fault = { status: 503, code: 'ServiceUnavailable', message: 'S3 is in trouble' };
  const faulted = await (client as S3Client).send(new GetObjectCommand({ Bucket: 'team-vault', Key: 'config' })).catch((err: unknown) => err);
  (client as S3Client).destroy();
  expect(faulted).toBeInstanceOf(VaultEndpointFaultError);
  expect(isServerFault(faulted)).toBe(true);
  expect((faulted as Error).message).toBe(
    `the vault bucket team-vault could not be used: S3 in us-east-1 (${process.env.AWS_ENDPOINT_URL}) answered GetObject with a fault of its own (ServiceUnavailable (HTTP 503): S3 is in trouble). ` +
      "If that region is down, open the vault's copy in the DR region (its s3:// location) instead",
  );
}, 30_000);
