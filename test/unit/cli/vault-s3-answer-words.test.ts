import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { REPO_ROOT } from '../../support/repo-root';
import { vaultCliArgv } from '../../support/vault-cli-process';
import { removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * What `lifeboat vault … s3://` says of S3's own answers that the SDK could not read whole, or whose request ids are not
 * AWS's form (review r64N): a 503 with S3's request id cut mid-body (ECONNRESET) is S3's, not a proxy's page (F2), and a
 * request id holding controls or bidi overrides is shown quoted and escaped, not raw (F3).
 */
const VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

let dir: string;
let server: Server;
let answer: (res: ServerResponse) => void = () => undefined;
beforeAll(async () => {
  dir = await tempDir('vault-s3-answer-words');
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // HeadBucket, asking the bucket's region: answered as S3 does.
    if (req.method === 'HEAD') return void res.writeHead(200, { 'x-amz-bucket-region': 'us-east-1' }).end();
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  for (const name of VARIABLES) delete process.env[name];
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
    AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await removeDir(dir);
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

/**
 * What `lifeboat vault ls` on the bucket prints on stderr, the server answering every request but the region's HEAD with
 * `answer`. Its own process: the SDK's errors are of the process's realm there, as for an operator (a Jest sandbox's
 * `Error` is another, which no `instanceof Error` of the CLI's words would match).
 */
function lifeboatVaultLs(): Promise<{ status: number | null; stderr: string }> {
  const args = ['ls', '--vault', 's3://team-vault/v', '--passphrase-env', 'VAULT_PASSPHRASE'];
  const child = spawn(process.execPath, vaultCliArgv(args), { cwd: REPO_ROOT, env: { ...process.env, VAULT_PASSPHRASE: 'correct horse' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

it("says S3's own 503 cut mid-body (its request id present) as S3's answer, not a proxy's page", async () => {
  answer = (res) => {
    res.writeHead(503, { 'content-type': 'application/xml', 'content-length': '400', 'x-amz-request-id': 'REQ1', 'x-amz-id-2': 'EXT2' });
    // The body begun, then the connection dropped before its end: the SDK sees ECONNRESET with the answer it began.
    res.write('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Mess');
    // Once the client has the headers and the start of the body (a delay of the server, not of the assertions).
    setTimeout(() => res.socket?.destroy(), 20);
  };
  const { status, stderr } = await lifeboatVaultLs();
  expect(status).toBe(1);
  expect(stderr).not.toMatch(/proxy|page that S3 does not give/);
  expect(stderr).toMatch(
    /lifeboat vault: the vault bucket team-vault could not be used: S3 in us-east-1 \(http:\/\/127\.0\.0\.1:\d+\) answered GetObject with HTTP 503, the answer cut before its end \(ECONNRESET; S3's request id REQ1 \(extended EXT2\)\), as S3 answers a request it throttles \(SlowDown\) or cannot serve: S3 may take the request in a minute; if that region is down, open the vault's copy in the DR region/,
  );
});

it('shows a request id that is not AWS\'s form quoted and escaped: no C1 control raw (header text is Latin-1: CSI, NEL)', async () => {
  answer = (res) => {
    res.writeHead(503, { 'content-type': 'application/xml', 'x-amz-request-id': 'REQ1\u009b2J\u0085x', 'x-amz-id-2': 'EXT2' });
    res.end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
  };
  const { status, stderr } = await lifeboatVaultLs();
  expect(status).toBe(1);
  expect(stderr).not.toMatch(/[\u0080-\u009f]/);
  expect(stderr).toContain(`throttled GetObject (SlowDown (HTTP 503): Please reduce your request rate.; S3's request id "REQ1\\u009b2J\\u0085x" (extended EXT2))`);
});
