import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { isServerFault } from '../../../cli/server-fault';
import { isThrottledRequest } from '../../../cli/throttled-request';
import { vaultS3Client } from '../../../cli/vault-s3-client';
import { REPO_ROOT } from '../../support/repo-root';
import { vaultCliArgv } from '../../support/vault-cli-process';
import { type MemoryS3Endpoint, startMemoryS3 } from '../../support/memory-s3-endpoint';
import { pseudoRandomBytes, removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * What `lifeboat vault … s3://` says when S3 throttles, faults, or something on the way answers for it (review r64E):
 * a throttle says S3 may take the request in a minute and leaves what to run to the command (F1), a proxy's page is no
 * fault of S3's (F3), a HEAD's bare 503 is a fault with S3's request ids (F5), and S3 is named in the region the
 * request was signed for (F2).
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

  it('a restore whose read S3 throttles part way says what to do with the target it wrote to: --overwrite restores it whole', async () => {
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}`, pseudoRandomBytes(400_000, 10 + i)]));
    const { access } = await vaultWith('restore', files);
    const target = path.join(dir, 'restore-target');
    let dataReads = 0;
    s3.fault = (request) => (request.method === 'GET' && request.key.includes('/data/') && ++dataReads > 1 ? THROTTLE : undefined);
    const stopped = await lifeboatVault(['restore', 'latest', '--target', target, ...access]);
    expect(stopped.status).toBe(1);
    expect(readdirSync(target).length).toBeGreaterThan(0);
    expect(stopped.stderr).toContain(`S3 in us-east-1 (${s3.url}) throttled GetObject (SlowDown (HTTP 503): Please reduce your request rate.); S3 may take the request in a minute.`);
    expect(stopped.stderr).toContain(`The restore stopped part way: ${target} holds what it wrote so far; restore again into it with --overwrite, which writes over what is there, or into a new directory`);
    expect(stopped.stderr).not.toMatch(/run the command again/i);
    s3.fault = undefined;
    expect(await lifeboatVault(['restore', 'latest', '--target', target, '--overwrite', ...access])).toMatchObject({ status: 0 });
    for (const [file, data] of Object.entries(files)) expect(readFileSync(path.join(target, file))).toEqual(data);
  });

  // f65K: a throttle before the restore wrote anything, or part way through an --overwrite one, ended with S3's words alone.
  it('a restore S3 throttles before it wrote anything says nothing was written and to run it again, which then restores the source', async () => {
    const files = { a: pseudoRandomBytes(300_000, 31), b: pseudoRandomBytes(300_000, 32) };
    const { access } = await vaultWith('restore-unwritten', files);
    const target = path.join(dir, 'restore-unwritten-target');
    s3.fault = (request) => (request.method === 'GET' && request.key.includes('/data/') ? THROTTLE : undefined);
    const stopped = await lifeboatVault(['restore', 'latest', '--target', target, ...access]);
    expect(stopped.status).toBe(1);
    expect(stopped.stderr).toContain(
      `S3 in us-east-1 (${s3.url}) throttled GetObject (SlowDown (HTTP 503): Please reduce your request rate.); S3 may take the request in a minute. Nothing was written to ${target}, and running the command again in a minute is safe.`,
    );
    s3.fault = undefined;
    expect(await lifeboatVault(['restore', 'latest', '--target', target, ...access])).toMatchObject({ status: 0 });
    for (const [file, data] of Object.entries(files)) expect(readFileSync(path.join(target, file))).toEqual(data);
  });

  it('an --overwrite restore S3 throttles part way says what the target holds and that the same command writes over it', async () => {
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}`, pseudoRandomBytes(400_000, 40 + i)]));
    const { access } = await vaultWith('restore-overwrite', files);
    const target = path.join(dir, 'restore-overwrite-target');
    let dataReads = 0;
    s3.fault = (request) => (request.method === 'GET' && request.key.includes('/data/') && ++dataReads > 1 ? THROTTLE : undefined);
    const stopped = await lifeboatVault(['restore', 'latest', '--target', target, '--overwrite', ...access]);
    expect(stopped.status).toBe(1);
    expect(stopped.stderr).toContain(
      `S3 may take the request in a minute. The restore stopped part way: ${target} holds what it wrote so far, and running the command again in a minute is safe (with --overwrite it writes over what is there).`,
    );
    s3.fault = undefined;
    expect(await lifeboatVault(['restore', 'latest', '--target', target, '--overwrite', ...access])).toMatchObject({ status: 0 });
    for (const [file, data] of Object.entries(files)) expect(readFileSync(path.join(target, file))).toEqual(data);
  });

  // Review r65K F3: throttled while the snapshot resolved (before restoring), the restore ended with S3's words alone.
  it('r65K F3: a restore S3 throttles on the snapshot read says nothing was written and to run it again', async () => {
    const { access } = await vaultWith('r65k-resolve', { a: pseudoRandomBytes(1000, 71) });
    const target = path.join(dir, 'r65k-resolve-target');
    s3.fault = (request) => (request.method === 'GET' && !request.key.includes('/data/') && !request.key.endsWith('config') ? THROTTLE : undefined);
    const stopped = await lifeboatVault(['restore', 'latest', '--target', target, '--overwrite', ...access]);
    expect(stopped.status).toBe(1);
    expect(stopped.stderr).toContain(`Nothing was written to ${target}, and running the command again in a minute is safe.`);
  });

  // Review r65K F4: an --overwrite restore throttled on its first data read into a target it made said it held "what it
  // wrote so far".
  it('r65K F4: an --overwrite restore S3 throttles on its first data read into an empty target says nothing was written', async () => {
    const files = { a: pseudoRandomBytes(300_000, 72) };
    const { access } = await vaultWith('r65k-ow', files);
    const target = path.join(dir, 'r65k-ow-target');
    s3.fault = (request) => (request.method === 'GET' && request.key.includes('/data/') ? THROTTLE : undefined);
    const stopped = await lifeboatVault(['restore', 'latest', '--target', target, '--overwrite', ...access]);
    expect(stopped.status).toBe(1);
    expect(stopped.stderr).toContain(`Nothing was written to ${target}, and running the command again in a minute is safe.`);
    expect(stopped.stderr).not.toContain('holds what it wrote so far');
    s3.fault = undefined;
    expect(await lifeboatVault(['restore', 'latest', '--target', target, '--overwrite', ...access])).toMatchObject({ status: 0 });
    expect(readFileSync(path.join(target, 'a'))).toEqual(files.a);
  });
});

it("a proxy's HTML 503 page is no fault of S3's: something on the way answered, without the DR region's advice nor the SDK's hint (F3)", async () => {
  const client = await vaultS3Client(process.env, 'team-vault');
  s3.fault = (request) => (request.method === 'GET' ? { kind: 'page', status: 503, html: '<!DOCTYPE html><html><body><h1>Squid: upstream unreachable<br></body></html>' } : undefined);
  const err = (await client.send(new GetObjectCommand({ Bucket: 'team-vault', Key: 'v/config' })).catch((e: unknown) => e)) as Error & { $metadata: { httpStatusCode?: number } };
  client.destroy();
  expect(err.message).toBe(
    `the vault bucket team-vault could not be used: GetObject to S3 in us-east-1 (${s3.url}) was answered with an HTTP 503 page that S3 does not give: ` +
      'something on the way answered (a proxy or gateway), so S3 may not have been asked; check the network path to S3 (HTTPS_PROXY, a VPC endpoint, a firewall)',
  );
  expect(err.name).toBe('VaultUnreadAnswerError');
  expect(err.$metadata.httpStatusCode).toBe(503);
});

it("a HEAD's bare 503 is a fault to every check, named so, and keeps S3's request ids, said in its message (F5)", async () => {
  const client = await vaultS3Client(process.env, 'team-vault');
  s3.fault = (request) => (request.method === 'HEAD' && request.key !== '' ? { ...THROTTLE, requestId: 'REQ123', extendedRequestId: 'EXT456' } : undefined);
  const err = (await client.send(new HeadObjectCommand({ Bucket: 'team-vault', Key: 'v/config' })).catch((e: unknown) => e)) as Error & { $metadata: object };
  client.destroy();
  expect(err.name).toBe('VaultHeadFaultError');
  expect(isServerFault(err)).toBe(true);
  expect(isThrottledRequest(err)).toBe(false);
  expect(err.$metadata).toEqual({ httpStatusCode: 503, requestId: 'REQ123', extendedRequestId: 'EXT456' });
  expect(err.message).toContain("(Unknown (HTTP 503): UnknownError; S3's request id REQ123 (extended EXT456)): S3 may take the request in a minute; if that region is down");
});

it('a throttle keeps S3\'s request ids in its $metadata and says them (F5)', async () => {
  const client = await vaultS3Client(process.env, 'team-vault');
  s3.fault = (request) => (request.method === 'GET' ? { ...THROTTLE, requestId: 'REQ9', extendedRequestId: 'EXT9' } : undefined);
  const err = (await client.send(new GetObjectCommand({ Bucket: 'team-vault', Key: 'v/config' })).catch((e: unknown) => e)) as Error & { $metadata: object };
  client.destroy();
  expect(isThrottledRequest(err)).toBe(true);
  expect(err.$metadata).toEqual({ httpStatusCode: 503, requestId: 'REQ9', extendedRequestId: 'EXT9' });
  expect(err.message).toContain("throttled GetObject (SlowDown (HTTP 503): Please reduce your request rate.; S3's request id REQ9 (extended EXT9)); S3 may take the request in a minute");
});

it("after a bare HeadBucket 503, a read redirected to the bucket's region names S3 in the region it was signed for, not the configured one (F2)", async () => {
  s3.fault = (request) => {
    if (request.region === 'us-east-1' && request.key === '') return { ...THROTTLE };
    if (request.region === 'us-east-1') return { kind: 'redirect', region: 'eu-west-1' };
    return THROTTLE;
  };
  const client = await vaultS3Client(process.env, 'team-vault');
  const err = (await client.send(new GetObjectCommand({ Bucket: 'team-vault', Key: 'v/config' })).catch((e: unknown) => e)) as Error;
  client.destroy();
  expect(s3.requests.filter((r) => r.key === 'v/config').map((r) => r.region)).toContain('eu-west-1');
  expect(err.message).toBe(`the vault bucket team-vault could not be used: S3 in eu-west-1 (${s3.url}) throttled GetObject (SlowDown (HTTP 503): Please reduce your request rate.); S3 may take the request in a minute`);
});
