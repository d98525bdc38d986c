import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import { type AddressInfo } from 'node:net';
import * as path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { vaultS3Client } from '../../../cli/vault-s3-client';
import { removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * The S3 client of `lifeboat vault … s3://…` (audit R20, F3): the region of the AWS profile when no
 * variable names one, us-east-1 only when nothing does, and S3's region redirects followed, so a vault
 * bucket of any region answers.
 */
const VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

let dir: string;
beforeAll(async () => {
  dir = await tempDir('vault-s3-client');
});
afterAll(async () => removeDir(dir));

/** An operator's shell with only an AWS config file: no region variable, no instance metadata. */
async function onlyConfigFile(contents: string, profile?: string): Promise<void> {
  for (const name of VARIABLES) delete process.env[name];
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}`);
  await fs.writeFile(file, contents);
  process.env.AWS_CONFIG_FILE = file;
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'no-credentials-file');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  if (profile !== undefined) process.env.AWS_PROFILE = profile;
}

afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('the region of an s3:// vault', () => {
  it("is AWS_REGION, then AWS_DEFAULT_REGION, then the active profile's region; us-east-1 only when nothing names one", async () => {
    await onlyConfigFile('[default]\nregion = eu-west-1\n\n[profile ops]\nregion = ap-southeast-2\n');
    expect(await (await vaultS3Client({ AWS_REGION: 'eu-north-1', AWS_DEFAULT_REGION: 'eu-central-1' })).config.region()).toBe('eu-north-1');
    expect(await (await vaultS3Client({ AWS_DEFAULT_REGION: 'eu-central-1' })).config.region()).toBe('eu-central-1');
    expect(await (await vaultS3Client({})).config.region()).toBe('eu-west-1');
    process.env.AWS_PROFILE = 'ops';
    expect(await (await vaultS3Client({})).config.region()).toBe('ap-southeast-2');
    await onlyConfigFile('[default]\noutput = json\n');
    expect(await (await vaultS3Client({})).config.region()).toBe('us-east-1');
  });
});

describe("a vault bucket of another region than the client's", () => {
  /** S3 as AWS runs it: a request signed for another region than the bucket's is answered 301 with the bucket's region. */
  async function s3WithBucketIn(bucketRegion: string, throttledReads = false): Promise<{ url: string; signedFor: string[]; close: () => Promise<void> }> {
    const signedFor: string[] = [];
    const server = http.createServer((req, res) => {
      const region = /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\//.exec(req.headers.authorization ?? '')?.[1] ?? '?';
      signedFor.push(region);
      req.resume();
      if (region !== bucketRegion) {
        res.writeHead(301, { 'x-amz-bucket-region': bucketRegion, 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>');
        return;
      }
      if (throttledReads && req.method === 'GET') {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
        return;
      }
      // S3 names the bucket's region on every HeadBucket answer.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '6', ...(req.method === 'HEAD' ? { 'x-amz-bucket-region': bucketRegion } : {}) });
      res.end('config');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, signedFor, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('is reached: the client follows the redirect to the bucket region', async () => {
    const s3 = await s3WithBucketIn('eu-west-1');
    try {
      await onlyConfigFile('[default]\nregion = us-east-1\n');
      process.env.AWS_ENDPOINT_URL_S3 = s3.url;
      process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
      const client = await vaultS3Client({});
      expect(client.config.followRegionRedirects).toBe(true);
      const answer = await client.send(new GetObjectCommand({ Bucket: 'eu-vault', Key: 'v/config' }));
      expect(await answer.Body?.transformToString()).toBe('config');
      expect(s3.signedFor).toEqual(['us-east-1', 'eu-west-1']);
      client.destroy();
    } finally {
      await s3.close();
    }
  });

  // Review 42b F2: the SDK does not remember a redirect; every request of the vault would be sent twice.
  it('named by the vault location: the client is the bucket region\'s, found by one HeadBucket, and the vault\'s requests go there directly', async () => {
    const s3 = await s3WithBucketIn('eu-west-1');
    try {
      await onlyConfigFile('[default]\nregion = us-east-1\n');
      process.env.AWS_ENDPOINT_URL_S3 = s3.url;
      process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
      const client = await vaultS3Client({}, 'eu-vault');
      expect(await client.config.region()).toBe('eu-west-1');
      const before = s3.signedFor.length;
      for (const key of ['v/config', 'v/keys/k1', 'v/index/i1']) await (await client.send(new GetObjectCommand({ Bucket: 'eu-vault', Key: key }))).Body?.transformToString();
      expect(s3.signedFor.slice(before)).toEqual(['eu-west-1', 'eu-west-1', 'eu-west-1']);
      client.destroy();
    } finally {
      await s3.close();
    }
  });

  // Review r64E F4: the bucket region's client is the one the vault's reads use; its failures are said in words too.
  it("named by the vault location: a read the bucket region's S3 throttles is said in words, naming that region", async () => {
    const s3 = await s3WithBucketIn('eu-west-1', true);
    try {
      await onlyConfigFile('[default]\nregion = us-east-1\n');
      process.env.AWS_ENDPOINT_URL_S3 = s3.url;
      process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
      const client = await vaultS3Client({ AWS_ENDPOINT_URL_S3: s3.url }, 'eu-vault');
      const err = (await client.send(new GetObjectCommand({ Bucket: 'eu-vault', Key: 'v/config' })).catch((e: unknown) => e)) as Error;
      client.destroy();
      expect(err.name).toBe('SlowDown');
      expect(err.message).toBe(
        `the vault bucket eu-vault could not be used: S3 in eu-west-1 (${s3.url}) throttled GetObject (SlowDown (HTTP 503): Please reduce your request rate.); S3 may take the request in a minute`,
      );
    } finally {
      await s3.close();
    }
  });
});

// Review 42d F2: an S3-compatible store that answers HeadBucket with an empty x-amz-bucket-region names no region.
it('keeps the configured region when HeadBucket names an empty one', async () => {
  const s3 = await (async () => {
    const signedFor: string[] = [];
    const server = http.createServer((req, res) => {
      signedFor.push(/Credential=[^/]+\/\d{8}\/([^/]+)\/s3\//.exec(req.headers.authorization ?? '')?.[1] ?? '?');
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '6', ...(req.method === 'HEAD' ? { 'x-amz-bucket-region': '' } : {}) });
      res.end('config');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, signedFor, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  })();
  try {
    await onlyConfigFile('[default]\nregion = us-east-1\n');
    process.env.AWS_ENDPOINT_URL_S3 = s3.url;
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    const client = await vaultS3Client({}, 'minio-vault');
    expect(await client.config.region()).toBe('us-east-1');
    expect(await (await client.send(new GetObjectCommand({ Bucket: 'minio-vault', Key: 'v/config' }))).Body?.transformToString()).toBe('config');
    client.destroy();
  } finally {
    await s3.close();
  }
});
