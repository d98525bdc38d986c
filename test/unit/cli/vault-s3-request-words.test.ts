import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../support/repo-root';
import { vaultCliArgv } from '../../support/vault-cli-process';
import { type MemoryS3Endpoint, startMemoryS3 } from '../../support/memory-s3-endpoint';
import { pseudoRandomBytes, removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * What `lifeboat vault … s3://` says when S3 throttles (review r64E): a throttle says S3 may take the request in a
 * minute and leaves what to run to the command (F1).
 */
const VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
const THROTTLE = { kind: 'error', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' } as const;

let dir: string;
let s3: MemoryS3Endpoint;
beforeAll(async () => {
  dir = await tempDir('vault-s3-request-words');
  s3 = await startMemoryS3();
  for (const name of VARIABLES) delete process.env[name];
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
    AWS_ENDPOINT_URL: s3.url,
  });
});
afterEach(() => {
  s3.fault = undefined;
});
afterAll(async () => {
  await s3.close();
  await removeDir(dir);
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

/** `lifeboat vault <args>` as its own process (the dynamic import of the S3 client is the CLI's), this process serving its S3. */
function lifeboatVault(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, vaultCliArgv(args), { cwd: REPO_ROOT, env: { ...process.env, VAULT_PASSPHRASE: 'correct horse' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

/** A new vault at s3://team-vault/<name> holding a backup of `files` (name → bytes): its access options and source. */
async function vaultWith(name: string, files: Record<string, Buffer>): Promise<{ access: string[]; source: string }> {
  const source = path.join(dir, `${name}-source`);
  mkdirSync(source);
  for (const [file, data] of Object.entries(files)) writeFileSync(path.join(source, file), data);
  const access = ['--vault', `s3://team-vault/${name}`, '--passphrase-env', 'VAULT_PASSPHRASE'];
  expect(await lifeboatVault(['init', ...access])).toMatchObject({ status: 0 });
  expect(await lifeboatVault(['backup', source, ...access])).toMatchObject({ status: 0 });
  return { access, source };
}

describe('a throttle says S3 may take the request in a minute, and the command says what to run (F1)', () => {
  it('forget --prune whose prune S3 throttles: the forget is done, and the advice is `lifeboat vault prune`, which then runs', async () => {
    const { access, source } = await vaultWith('forget', { a: pseudoRandomBytes(50_000, 1) });
    writeFileSync(path.join(source, 'a'), pseudoRandomBytes(50_000, 2));
    expect(await lifeboatVault(['backup', source, ...access])).toMatchObject({ status: 0 });
    s3.fault = (request) => (request.method === 'PUT' && request.key.includes('/prune/') ? THROTTLE : undefined);
    const forget = await lifeboatVault(['forget', '--keep-last', '1', '--prune', ...access]);
    expect(forget.stdout).toContain('Forgot 1 snapshot(s)');
    expect(forget.stderr).toContain(`S3 in us-east-1 (${s3.url}) throttled PutObject (SlowDown (HTTP 503): Please reduce your request rate.); S3 may take the request in a minute.`);
    // Run again, a forget of a named snapshot would refuse it, forgotten: the words name the prune to run, and nothing else.
    expect(forget.stderr).toContain('Run `lifeboat vault prune` later to reclaim their data');
    expect(forget.stderr).not.toMatch(/run the command again/i);
    expect(forget.status).toBe(1);
    s3.fault = undefined;
    expect(await lifeboatVault(['prune', ...access])).toMatchObject({ status: 0 });
  });
});
