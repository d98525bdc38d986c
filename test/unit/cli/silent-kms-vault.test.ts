import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { type ClientTimeouts, requestClientSettings } from '../../../cli/client-timeouts';
import { environmentAccess } from '../../../cli/environment-access';
import { VaultEndpointUnansweredError } from '../../../cli/unanswered-endpoint';
import { VaultEndpointFaultError } from '../../../cli/vault-endpoint-fault-error';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { S3VaultStore } from '../../../vault/backend/s3/s3-vault-store';
import { KmsKeyProvider } from '../../../vault/keys/kms-key-provider';
import { initVault } from '../../../vault/repository/vault';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { capturedCliIo } from '../../support/captured-cli-io';
import { pruneCommand } from '../../../cli/commands/prune-command';

/**
 * Opening a vault in AWS reads from S3 and unwraps its key with KMS (review r3): when S3 answers and KMS does not (a KMS
 * outage, an endpoint or firewall that blocks KMS alone), the error names KMS and the key, not S3. S3 is faked in
 * memory (aws-sdk-client-mock); KMS is a loopback server that accepts connections and never answers.
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const names = resourceNames(environment);
const timeouts: ClientTimeouts = { connectionTimeoutMs: 500, requestTimeoutMs: 300, requestMaxAttempts: 2, transferIdleTimeoutMs: 60_000 };
const objects = new Map<string, Buffer>();
const s3 = mockClient(S3Client);
const missing = (name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 404 } });

let silent: net.Server;
let silentUrl: string;
const held: net.Socket[] = [];

beforeAll(async () => {
  s3.on(PutObjectCommand).callsFake((i: { Bucket: string; Key: string; Body: Uint8Array }) => (objects.set(`${i.Bucket}/${i.Key}`, Buffer.from(i.Body)), {}));
  s3.on(GetObjectCommand).callsFake((i: { Bucket: string; Key: string }) => {
    const body = objects.get(`${i.Bucket}/${i.Key}`);
    if (!body) throw missing('NoSuchKey');
    return { Body: { transformToByteArray: () => Promise.resolve(new Uint8Array(body)) } };
  });
  s3.on(HeadObjectCommand).callsFake((i: { Bucket: string; Key: string }) => {
    if (!objects.has(`${i.Bucket}/${i.Key}`)) throw missing('NotFound');
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((i: { Bucket: string; Prefix?: string }) => ({
    Contents: [...objects.keys()].filter((k) => k.startsWith(`${i.Bucket}/${i.Prefix ?? ''}`)).map((k) => ({ Key: k.slice(i.Bucket.length + 1) })),
    IsTruncated: false,
  }));
  // The vault, created with a KMS that answers GenerateDataKey (its ciphertext is never unwrapped: KMS is silent then).
  const creatingKms = {
    send: (command: unknown) => {
      if (!(command instanceof GenerateDataKeyCommand)) return Promise.reject(new Error('only GenerateDataKey is expected'));
      return Promise.resolve({ KeyId: 'arn:aws:kms:us-east-1:1:key/k', Plaintext: randomBytes(64), CiphertextBlob: Buffer.from('x'.repeat(200)) });
    },
  } as unknown as KMSClient;
  await initVault(
    new S3VaultStore({ client: new S3Client({ region: environment.primaryRegion }), bucket: names.primaryVault }),
    new KmsKeyProvider({ client: creatingKms, keyId: 'alias/x', encryptionContext: { 'lifeboat:vault': names.primaryVault } }),
  );
  silent = net.createServer((socket) => {
    held.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  s3.restore();
  held.forEach((socket) => socket.destroy());
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

it('S3 answers and KMS does not: the error names KMS, its region and the key, and still points at the DR vault', async () => {
  const kms: KMSClient[] = [];
  const access = await environmentAccess(
    { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true },
    {
      timeouts,
      s3: (region) => new S3Client({ region }),
      kms: (region) => {
        const client = new KMSClient({ ...requestClientSettings(timeouts), region, endpoint: silentUrl, credentials: { accessKeyId: 'AKIDSILENTKMS', secretAccessKey: 'silent' } });
        kms.push(client);
        return client;
      },
    },
  );
  try {
    const opened = access.openVault('primary');
    await expect(opened).rejects.toBeInstanceOf(VaultEndpointUnansweredError);
    await expect(opened).rejects.toThrow(
      new RegExp(
        `^the primary vault ${names.primaryVault} could not be opened: KMS in ${environment.primaryRegion} did not answer to unwrap its key with ${names.primaryVaultKeyAlias} \\(.*requestTimeout.*\\)\\. ` +
          'If the primary region is down, read the DR vault instead: --from dr',
      ),
    );
    // KMS's two attempts were made and held; S3 had answered every read before it.
    expect(held).toHaveLength(2);
    expect(s3.commandCalls(GetObjectCommand).length).toBeGreaterThan(0);
  } finally {
    kms.forEach((client) => client.destroy());
  }
}, 15_000);

it('S3 answers and KMS answers with a fault of its own: the error names KMS and the key, not S3, and points at the DR vault (review r63O F3)', async () => {
  // A 5xx of KMS reached the command as its bare message, with no way out of the region in trouble.
  const fault = Object.assign(new Error('KMS is in trouble'), { name: 'KMSInternalException', $fault: 'server', $metadata: { httpStatusCode: 500 } });
  const faultyKms = { send: () => Promise.reject(fault), destroy: () => undefined } as unknown as KMSClient;
  const access = await environmentAccess({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true }, { timeouts, s3: (region) => new S3Client({ region }), kms: () => faultyKms });
  const opened = access.openVault('primary');
  await expect(opened).rejects.toBeInstanceOf(VaultEndpointFaultError);
  await expect(opened).rejects.toThrow(
    `the primary vault ${names.primaryVault} could not be opened: KMS in ${environment.primaryRegion}, asked to unwrap its key with ${names.primaryVaultKeyAlias}, answered with a fault of its own ` +
      '(KMSInternalException (HTTP 500): KMS is in trouble). If the primary region is down, read the DR vault instead: --from dr (verify, restore), --vault dr --region dr (catalog rebuild) or --vault dr (prune, forget, scrub)',
  );
});

it("KMS throttles the unwrap: the error names KMS's throttle, stays a throttle, and the command says nothing was changed and to run it again (f65K)", async () => {
  // KMS's own ThrottlingException fell through to the command as its bare "Rate exceeded", read as S3's.
  const throttle = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
  const throttlingKms = { send: () => Promise.reject(throttle), destroy: () => undefined } as unknown as KMSClient;
  const access = await environmentAccess({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true }, { timeouts, s3: (region) => new S3Client({ region }), kms: () => throttlingKms });
  const run = capturedCliIo();
  const prune = { environment: { name: 'dev' }, openVault: () => access.openVault('primary'), pruneLogIn: () => ({ record: () => Promise.resolve() }) };
  expect(await pruneCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused' }, { io: run.io, access: prune })).toBe(1);
  expect(run.err).toEqual([
    `lifeboat prune: the primary vault ${names.primaryVault} could not be opened: KMS in ${environment.primaryRegion} throttled the request to unwrap its key with ${names.primaryVaultKeyAlias} ` +
      '(ThrottlingException (HTTP 400): Rate exceeded); KMS may take the request in a minute. Nothing was changed: run the command again in a minute.',
  ]);
});
