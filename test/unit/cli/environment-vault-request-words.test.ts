import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { environmentAccess } from '../../../cli/environment-access';
import { bucketHasObjectLock } from '../../../lambdas/retention/bucket-object-lock';
import { isServerFault } from '../../../cli/server-fault';
import { isThrottledRequest } from '../../../cli/throttled-request';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { S3VaultStore } from '../../../vault/backend/s3/s3-vault-store';
import { KmsKeyProvider } from '../../../vault/keys/kms-key-provider';
import { initVault } from '../../../vault/repository/vault';
import { type MemoryS3Endpoint, startMemoryS3 } from '../../support/memory-s3-endpoint';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * f64W: an environment's vault worded S3's failures only while it opened; once open, the reads of `lifeboat prune`,
 * `scrub` or `restore` printed S3's bare "We encountered an internal error" or "Please reduce your request rate.". They
 * now name the vault, S3's fault or throttle, and the way out in the environment commands' own options (--vault dr,
 * --from dr), not `lifeboat vault`'s s3:// advice, and stay what retention and replication read (name, $fault, $metadata).
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const names = resourceNames(environment);
const VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

/** A KMS whose ciphertext is the plaintext itself: enough to open the vault, which is all this test asks of it. */
const kms = {
  send: (command: unknown) => {
    if (command instanceof GenerateDataKeyCommand) {
      const plaintext = randomBytes(64);
      return Promise.resolve({ KeyId: 'arn:aws:kms:us-east-1:1:key/k', Plaintext: plaintext, CiphertextBlob: Buffer.from(plaintext) });
    }
    if (command instanceof DecryptCommand) return Promise.resolve({ KeyId: 'arn:aws:kms:us-east-1:1:key/k', Plaintext: Buffer.from(command.input.CiphertextBlob ?? []) });
    return Promise.reject(new Error('only GenerateDataKey and Decrypt are expected'));
  },
  destroy: () => undefined,
} as unknown as KMSClient;

let dir: string;
let s3: MemoryS3Endpoint;
beforeAll(async () => {
  dir = await tempDir('environment-vault-request-words');
  s3 = await startMemoryS3(environment.primaryRegion);
  for (const name of VARIABLES) delete process.env[name];
  Object.assign(process.env, {
    AWS_REGION: environment.primaryRegion,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
    AWS_ENDPOINT_URL: s3.url,
  });
  const client = new S3Client({ region: environment.primaryRegion });
  await initVault(new S3VaultStore({ client, bucket: names.primaryVault }), new KmsKeyProvider({ client: kms, keyId: names.primaryVaultKeyAlias, encryptionContext: { 'lifeboat:vault': names.primaryVault } }));
  client.destroy();
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

const timeouts = { connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000, requestMaxAttempts: 1, transferIdleTimeoutMs: 5_000 };

async function openedPrimary() {
  const access = await environmentAccess({ config: SAMPLE_CONFIG_FILE, env: environment.name, dataDir: '.unused', aws: true }, { kms: () => kms, timeouts }, { environment });
  return access.openVault('primary');
}

it("a read of the opened vault that S3 faults names the vault and the environment's way out, and stays a server fault", async () => {
  const vault = await openedPrimary();
  s3.fault = (request) => (request.method === 'GET' ? { kind: 'error', status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' } : undefined);
  const err = await vault.listSnapshots().catch((e: unknown) => e);
  expect((err as Error).message).toBe(
    `the primary vault ${names.primaryVault} could not be used: S3 in ${environment.primaryRegion} answered ListObjectsV2 with a fault of its own (InternalError (HTTP 500): We encountered an internal error. Please try again.). ` +
      'If the primary region is down, read the DR vault instead: --from dr (verify, restore), --vault dr --region dr (catalog rebuild) or --vault dr (prune, forget, scrub)',
  );
  expect(isServerFault(err)).toBe(true);
  expect((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(500);
});

it('a read of the opened vault that S3 throttles says S3 may take it in a minute, and stays a throttle by its name', async () => {
  const vault = await openedPrimary();
  s3.fault = (request) => (request.method === 'GET' ? { kind: 'error', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' } : undefined);
  const err = await vault.listSnapshots().catch((e: unknown) => e);
  expect((err as Error).message).toBe(
    `the primary vault ${names.primaryVault} could not be used: S3 in ${environment.primaryRegion} throttled ListObjectsV2 (SlowDown (HTTP 503): Please reduce your request rate.); S3 may take the request in a minute`,
  );
  expect((err as Error).name).toBe('SlowDown');
  expect(isThrottledRequest(err)).toBe(true);
});

it('a 404 stays as S3 said it, for the store that reads it by its name', async () => {
  const vault = await openedPrimary();
  expect(await vault.store.has('snapshots/none')).toBe(false);
});

// Review r64R F3: vaultBucket handed out the bare client, so the Object Lock read behind `backups hold`/`release` and
// `backups forget`'s snapshot listing printed S3's bare "We encountered an internal error"; it now says them in words too.
it("the vault bucket's client (Object Lock read, snapshot listing) names the vault and the way out of S3's fault", async () => {
  const access = await environmentAccess({ config: SAMPLE_CONFIG_FILE, env: environment.name, dataDir: '.unused', aws: true }, { kms: () => kms, timeouts }, { environment });
  const { s3: client, bucket } = access.vaultBucket('primary');
  expect(bucket).toBe(names.primaryVault);
  s3.fault = (request) => (request.method === 'GET' ? { kind: 'error', status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' } : undefined);
  const err = await bucketHasObjectLock(client, bucket).catch((e: unknown) => e);
  expect((err as Error).message).toBe(
    `the primary vault ${names.primaryVault} could not be used: S3 in ${environment.primaryRegion} answered GetObjectLockConfiguration with a fault of its own (InternalError (HTTP 500): We encountered an internal error. Please try again.). ` +
      'If the primary region is down, read the DR vault instead: --from dr (verify, restore), --vault dr --region dr (catalog rebuild) or --vault dr (prune, forget, scrub)',
  );
  expect(isServerFault(err)).toBe(true);
  s3.fault = undefined;
  // A 404 of the store's own reads stays as S3 said it.
  expect(await new S3VaultStore({ client, bucket }).has('snapshots/none')).toBe(false);
});
