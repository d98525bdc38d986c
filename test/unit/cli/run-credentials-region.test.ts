import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requestClientSettings } from '../../../cli/client-timeouts';
import { forgetRunCredentials, runCredentials } from '../../../cli/run-credentials';

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
const endpoint: Server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const signed = /Credential=([^/]+)\/\d+\/([^/]+)\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
    const [key, region, service] = signed ? [signed[1], signed[2], signed[3]] : ['-', '-', '-'];
    requests.push(`${service} ${region} ${key}`);
    if (region === 'us-east-1') return void req.socket.destroy();
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

it("a region's STS that does not answer is said as the credentials' provider's silence, and not asked again by the next client", async () => {
  process.env.AWS_PROFILE = 'ops-east';
  requests.length = 0;
  const client = () => new DynamoDBClient({ ...requestClientSettings(), region: 'us-east-1', credentials: runCredentials(undefined, 'us-east-1') });
  const words = /^the credentials of profile ops-east could not be had, their provider did not answer \(STS in us-east-1 did not answer the role's request for credentials \(/;
  const first = client();
  await expect(first.send(new ListTablesCommand({}))).rejects.toThrow(words);
  const asked = requests.filter((request) => request.startsWith('sts us-east-1')).length;
  expect(asked).toBeGreaterThan(0);
  const second = client();
  await expect(second.send(new ListTablesCommand({}))).rejects.toThrow(words);
  expect(requests.filter((request) => request.startsWith('sts us-east-1'))).toHaveLength(asked);
  expect(requests.filter((request) => request.startsWith('dynamodb'))).toEqual([]);
  first.destroy();
  second.destroy();
}, 30_000);
