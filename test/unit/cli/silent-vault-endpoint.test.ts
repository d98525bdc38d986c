import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type ClientTimeouts, transferClientSettings } from '../../../cli/client-timeouts';
import { environmentAccess } from '../../../cli/environment-access';
import { VaultEndpointUnansweredError } from '../../../cli/unanswered-endpoint';
import { vaultS3Client } from '../../../cli/vault-s3-client';
import { loadLifeboatConfig } from '../../../config/load-config';
import { LOCAL_CREDENTIALS } from '../../../lambdas/runtime/local-endpoints';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { DR, PRIMARY, tempDir } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * A vault's S3 that accepts connections and never answers (a region down behind a live front end): the CLI's first
 * read of the vault fails within its clients' answer bound (client-timeouts.ts: a request without a body must have
 * its response's headers within requestTimeoutMs, each of the SDK's 3 attempts), not after 3 × the 60 s idle timeout,
 * and says which vault, region and endpoint did not answer and what to use instead. A request with a body, and the
 * body of a response, are not held to that bound: a slow link that moves is not cut. The transfer idle timeout here
 * is a minute, a silent test's own limit SILENT_TEST_MS: only the answer bound can end the silent reads in time.
 */
const SILENT_TEST_MS = 10_000;
const timeouts: ClientTimeouts = { connectionTimeoutMs: 500, requestTimeoutMs: 300, requestMaxAttempts: 2, transferIdleTimeoutMs: 60_000 };
const environment = loadLifeboatConfig(SAMPLE_CONFIG_FILE).environments[0];
if (!environment) throw new Error('the sample config has no environment');
const names = resourceNames(environment);
const tmp = tempDir('silent-vault');

let silent: net.Server;
let silentUrl: string;
/** The connections the silent endpoint took (and holds until the end). */
const held: net.Socket[] = [];
const clients: S3Client[] = [];

beforeAll(async () => {
  silent = net.createServer((socket) => {
    held.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  held.forEach((s) => s.destroy());
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  tmp.remove();
});

beforeEach(() => {
  held.forEach((s) => s.destroy());
  held.length = 0;
});

it('opening the primary vault: fails after 3 unanswered reads, naming the vault, region and endpoint, and suggesting the DR vault', async () => {
  // A data directory whose cloud.json (this process announced as the cloud) puts the primary region's S3 at the silent server.
  const dataDir = join(tmp.dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const unused = 'http://127.0.0.1:9';
  const endpoints = { s3: { [PRIMARY]: silentUrl, [DR]: unused }, dynamodb: { [PRIMARY]: unused, [DR]: unused } };
  writeFileSync(join(dataDir, 'cloud.json'), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), regions: [PRIMARY, DR], endpoints }), { mode: 0o600 });
  const access = await environmentAccess({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir }, { timeouts });

  const opened = access.openVault('primary');
  await expect(opened).rejects.toBeInstanceOf(VaultEndpointUnansweredError);
  await expect(opened).rejects.toThrow(
    `the primary vault ${names.primaryVault} could not be opened: S3 in ${PRIMARY} (${silentUrl}) did not answer (@smithy/node-http-handler - [ERROR] a request has exceeded the configured 300 ms requestTimeout.). ` +
      'If the primary region is down, read the DR vault instead: --from dr (verify, restore), --vault dr --region dr (catalog rebuild) or --vault dr (prune, forget, scrub)',
  );
  // The SDK's 3 attempts at S3, each on a connection of its own (the silent one is never given back).
  expect(held).toHaveLength(3);
}, SILENT_TEST_MS);

describe('`lifeboat vault … s3://` against a silent S3', () => {
  const VARIABLES = ['AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
  const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  afterEach(() => {
    for (const name of VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('the bucket-region lookup fails the command, naming the bucket, region and endpoint', async () => {
    process.env.AWS_ENDPOINT_URL_S3 = silentUrl;
    process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
    const looked = vaultS3Client({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_S3: silentUrl }, 'team-vault', timeouts);
    await expect(looked).rejects.toBeInstanceOf(VaultEndpointUnansweredError);
    await expect(looked).rejects.toThrow(
      `the vault bucket team-vault could not be reached: S3 in eu-west-1 (${silentUrl}) did not answer (@smithy/node-http-handler - [ERROR] a request has exceeded the configured 300 ms requestTimeout.). ` +
        "Check the network and the region (AWS_REGION); if that region is down, open the vault's copy in the DR region (its s3:// location) instead",
    );
    expect(held).toHaveLength(3);
  }, SILENT_TEST_MS);
});

describe('a slow S3 that answers is not cut by the answer bound', () => {
  /** S3 slowed down: a PUT is read at a trickle and answered when its whole body is in; a GET's body comes in ten pieces. */
  let slow: Server;
  let slowUrl: string;
  const PIECES = 10;
  const PIECE_MS = 100;

  beforeAll(async () => {
    slow = createServer((req, res) => {
      if (req.method === 'PUT') {
        req.pause();
        // The body read in one piece per PIECE_MS: the answer comes well after requestTimeoutMs.
        const tick = setInterval(() => {
          while (req.read() !== null);
          if (req.readableEnded) return;
        }, PIECE_MS);
        req.on('end', () => {
          setTimeout(() => {
            clearInterval(tick);
            res.writeHead(200, { etag: '"e"' });
            res.end();
          }, PIECES * PIECE_MS);
        });
        req.on('readable', () => undefined);
        return;
      }
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(PIECES) });
      let sent = 0;
      const tick = setInterval(() => {
        res.write('x');
        if (++sent === PIECES) {
          clearInterval(tick);
          res.end();
        }
      }, PIECE_MS);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    slowUrl = `http://127.0.0.1:${(slow.address() as net.AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => slow.close(() => resolve()));
  });

  const client = () => {
    const c = new S3Client({ ...transferClientSettings(timeouts), region: PRIMARY, endpoint: slowUrl, forcePathStyle: true, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    clients.push(c);
    return c;
  };

  it('an upload whose answer comes after requestTimeoutMs succeeds', async () => {
    await expect(client().send(new PutObjectCommand({ Bucket: 'vault', Key: 'data/pack', Body: Buffer.alloc(64 * 1024, 1) }))).resolves.toMatchObject({ ETag: '"e"' });
  });

  it('a download whose body takes longer than requestTimeoutMs, its headers at once, succeeds', async () => {
    const out = await client().send(new GetObjectCommand({ Bucket: 'vault', Key: 'data/pack' }));
    expect(Buffer.from((await out.Body?.transformToByteArray()) ?? []).toString()).toBe('x'.repeat(PIECES));
  });
});
