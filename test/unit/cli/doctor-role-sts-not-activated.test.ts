import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { doctorCommand } from '../../../cli/commands/doctor-command';
import { type CheckResult } from '../../../cli/doctor/check-result';
import { awsDoctorClients } from '../../../cli/doctor/doctor-clients';
import { type DoctorContext } from '../../../cli/doctor/doctor-context';
import { checkVaultKey } from '../../../cli/doctor/vault-key-checks';
import { forgetRunCredentials } from '../../../cli/run-credentials';
import { resourceNames } from '../../../lib/stacks/resource-names';

/**
 * Review r63N F1: with a role profile, each client's credentials are assumed through its own region's STS
 * (run-credentials.ts). With STS not activated in a region (RegionDisabledException, HTTP 403), `credentials` passed
 * through the other region's STS, then every check of that region got STS's 403 and gave its own permission advice
 * (allow dynamodb:DescribeTable…, set sources[n].account…), though DynamoDB and S3 had never been asked.
 */
const ACCOUNT = '000000000000';
const VARIABLES = ['HOME', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_STS', 'AWS_EC2_METADATA_DISABLED'] as const;
const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-doctor-role-sts-'));
const configFile = path.join(dir, 'lifeboat.config.json');
const STS_OFF_MESSAGE = `STS is not activated in this region for account:${ACCOUNT}. Your account administrator can activate STS in this region using the IAM Console.`;
/** The region whose STS answers RegionDisabledException to AssumeRole. */
let stsOffIn = 'us-east-1';
/** Each request as `region target`, from its signature and its action. */
const requests: string[] = [];

const stsError = (code: string, message: string) =>
  `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`;
const assumed =
  `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>` +
  `<AssumedRoleUser><Arn>arn:aws:sts::${ACCOUNT}:assumed-role/ops/x</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`;
const identity = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::${ACCOUNT}:assumed-role/ops/x</Arn><UserId>AROA:x</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`;

const server: Server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    const region = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '-';
    const target = String(req.headers['x-amz-target'] ?? '') || (new URLSearchParams(body).get('Action') ?? `${req.method} ${req.url}`);
    requests.push(`${region} ${target}`);
    const send = (status: number, text: string, type = 'text/xml') => {
      res.writeHead(status, { 'content-type': type });
      res.end(text);
    };
    if (target === 'AssumeRole') return region === stsOffIn ? send(403, stsError('RegionDisabledException', STS_OFF_MESSAGE)) : send(200, assumed);
    if (target === 'GetCallerIdentity') return send(200, identity);
    // Any other service: a refusal, which the checks would word as a missing permission were they asked.
    send(400, JSON.stringify({ __type: 'AccessDeniedException', message: 'not allowed' }), 'application/x-amz-json-1.1');
  });
});
let endpoint = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the endpoint has no TCP address');
  endpoint = `http://127.0.0.1:${address.port}`;
  writeFileSync(path.join(dir, 'config'), `[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = secret\n[profile role]\nrole_arn = arn:aws:iam::${ACCOUNT}:role/ops\nsource_profile = base\n`);
  for (const name of VARIABLES) delete process.env[name];
  process.env.HOME = dir;
  process.env.AWS_CONFIG_FILE = path.join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'no-credentials');
  process.env.AWS_PROFILE = 'role';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_ENDPOINT_URL_STS = endpoint;
  const plan = { name: 'demo', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 } };
  const sources = [
    { type: 'dynamodb', name: 'orders', table: 'orders-table' },
    { type: 's3', name: 'docs', bucket: 'docs-bucket' },
  ];
  writeFileSync(configFile, JSON.stringify({ environments: [{ name: 'dev', account: ACCOUNT, primaryRegion: 'us-east-1', drRegion: 'us-west-2', plans: [{ ...plan, sources }] }] }));
});

afterEach(() => {
  stsOffIn = 'us-east-1';
  requests.length = 0;
  server.closeAllConnections();
  forgetRunCredentials();
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

const activate = (region: string) => `activate STS in ${region} for the account (IAM console: Account settings, Security Token Service (STS) endpoints), then run the doctor again`;
const notActivated = (region: string, what: string) => `STS is not activated in ${region}, asked for the credentials' role (RegionDisabledException (HTTP 403): ${STS_OFF_MESSAGE}): ${what}`;

describe('the doctor with a role profile whose STS is not activated in a region', () => {
  it("says STS is not activated in the primary region for each primary check, not the check's permission, and that the service was not asked", async () => {
    const lines: string[] = [];
    const code = await doctorCommand(
      { config: configFile, env: 'dev', aws: true, dataDir: path.join(dir, 'data'), json: true } as never,
      {
        io: { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) },
        // No synthesis: only the checks that need none run (credentials, the sources), which is where the advice lied.
        synthesize: async () => {
          throw new Error('no synthesis in this test');
        },
        awsClients: (primaryRegion: string) => awsDoctorClients(primaryRegion, undefined, endpoint),
      } as never,
    );
    const checks = new Map((JSON.parse(lines.join('\n')) as { checks: CheckResult[] }).checks.map((c) => [c.name, c]));
    expect(code).toBe(1);
    expect(checks.get('credentials')?.verdict).toBe('ok');
    expect(checks.get('source orders')).toEqual({ name: 'source orders', verdict: 'fail', detail: notActivated('us-east-1', 'cannot describe table orders-table'), fix: activate('us-east-1') });
    expect(checks.get('source docs')).toEqual({ name: 'source docs', verdict: 'fail', detail: notActivated('us-east-1', 'cannot read bucket docs-bucket'), fix: activate('us-east-1') });
    // Neither DynamoDB nor S3 was asked in the primary region: only its STS, for the role.
    expect(requests.filter((r) => r.startsWith('us-east-1 ') && r !== 'us-east-1 AssumeRole')).toEqual([]);
  }, 30_000);

  it("says STS is not activated in the DR region for a DR check, as a warning with the fix to activate it, when the primary's STS answers", async () => {
    stsOffIn = 'us-west-2';
    const environment = { name: 'dev', account: ACCOUNT, primaryRegion: 'us-east-1', drRegion: 'us-west-2', plans: [] };
    const ctx = { environment, names: resourceNames(environment as never), request: { configFile, mode: 'aws' }, cdk: (s: string) => `npx cdk ${s}` } as unknown as DoctorContext;
    const clients = awsDoctorClients('us-east-1', undefined, endpoint);
    try {
      const result = await checkVaultKey(clients.kms('us-west-2'), ctx, 'dr');
      expect(result).toEqual({ name: 'vault key us-west-2', verdict: 'warn', detail: notActivated('us-west-2', `cannot read ${ctx.names.drVaultKeyAlias}`), fix: activate('us-west-2') });
    } finally {
      clients.destroy();
    }
    expect(requests).toEqual(['us-west-2 AssumeRole']);
  }, 30_000);
});
