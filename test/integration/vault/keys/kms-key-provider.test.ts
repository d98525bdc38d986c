import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateKeyCommand,
  type CreateKeyCommandOutput,
  DecryptCommand,
  type DecryptCommandInput,
  type DecryptCommandOutput,
  EncryptCommand,
  type EncryptCommandInput,
  type EncryptCommandOutput,
  GenerateDataKeyCommand,
  type GenerateDataKeyCommandInput,
  type GenerateDataKeyCommandOutput,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { KmsKeyProvider } from '../../../../vault/keys/kms-key-provider';
import { VAULT_KEY_BYTES, type WrappedVaultKey } from '../../../../vault/keys/key-provider';
import { KeyUnwrapError, VaultError } from '../../../../vault/vault-errors';

/**
 * The same assertions run against one of two KMS backends, chosen when this file loads:
 * - moto_server (a real KMS API emulator, which really encrypts and checks encryption contexts)
 *   when it is on PATH, started on 127.0.0.1 for this file only;
 * - otherwise an in-process fake KMS behind aws-sdk-client-mock that models the semantics the
 *   provider relies on (context binding, wrong key, unknown key), so the suite still asserts
 *   something real on machines without Python.
 * LIFEBOAT_TEST_KMS=mock forces the fake (to exercise that path where moto is installed).
 */
const REGION = 'us-east-1';
const CONTEXT = { vault: 's3://lifeboat-vault/prod', purpose: 'lifeboat-vault-key' };

type KmsBackend = {
  client(): KMSClient;
  /** A new symmetric key; its id (not ARN) and ARN. */
  createKey(): Promise<{ keyId: string; arn: string }>;
};

function motoUnavailableReason(): string | undefined {
  if (process.env['LIFEBOAT_TEST_KMS'] === 'mock') return 'LIFEBOAT_TEST_KMS=mock';
  // `--help` rather than `which`: a pyenv shim can be on PATH for a Python without moto.
  const probe = spawnSync('moto_server', ['--help'], { stdio: 'ignore', timeout: 30_000 });
  if (probe.error) return `moto_server is not on PATH (${probe.error.message})`;
  if (probe.status !== 0) return `moto_server --help exited with ${String(probe.status ?? probe.signal)}`;
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port from the OS');
  return address.port;
}

/**
 * moto_server on 127.0.0.1, behind a tiny shell watchdog: the shell kills moto when its stdin (a
 * pipe from this process) closes, which the OS does however this process ends, SIGKILL included.
 */
function motoBackend(): KmsBackend {
  let watchdog: ChildProcessWithoutNullStreams | undefined;
  let endpoint = '';
  let output = '';
  const clients: KMSClient[] = [];
  const killOnExit = (): void => {
    watchdog?.kill('SIGTERM');
  };

  beforeAll(async () => {
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    const script = [
      'moto_server -H 127.0.0.1 -p "$1" </dev/null &',
      'moto=$!',
      'trap \'kill "$moto" 2>/dev/null; wait "$moto"\' EXIT',
      "trap 'exit 0' TERM INT HUP",
      // Returns when the test process closes the pipe or dies.
      'cat >/dev/null',
    ].join('\n');
    const child = spawn('sh', ['-c', script, 'moto-watchdog', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    watchdog = child;
    process.once('exit', killOnExit);
    const keep = (d: Buffer): void => {
      output = (output + d.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let exited = false;
    child.once('exit', () => (exited = true));

    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited) throw new Error(`moto_server exited before answering on ${endpoint}:\n${output}`);
      const ready = await fetch(`${endpoint}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within 60 s:\n${output}`);
      await sleep(200);
    }
  });

  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    process.removeListener('exit', killOnExit);
    const child = watchdog;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin.end(); // the shell's cat returns, its EXIT trap stops moto and waits for it
    await gone;
  });

  return {
    client() {
      const client = new KMSClient({ region: REGION, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      clients.push(client);
      return client;
    },
    async createKey() {
      const client = this.client();
      const out: CreateKeyCommandOutput = await client.send(new CreateKeyCommand({ Description: 'lifeboat test vault key' }));
      const keyId = out.KeyMetadata?.KeyId;
      const arn = out.KeyMetadata?.Arn;
      if (!keyId || !arn) throw new Error('moto CreateKey returned no KeyId/Arn');
      return { keyId, arn };
    },
  };
}

/** What the fake KMS remembers about each ciphertext it made (real KMS embeds this in the blob). */
type FakeCiphertext = { plaintext: Buffer; context: string; keyArn: string };

/** A fake KMS with the semantics the provider relies on, behind aws-sdk-client-mock. */
function mockBackend(): KmsBackend {
  const keys = new Map<string, string>(); // key id -> ARN
  const ciphertexts = new Map<string, FakeCiphertext>();
  const canonicalContext = (c: Record<string, string> | undefined): string => JSON.stringify(Object.entries(c ?? {}).sort(([a], [b]) => a.localeCompare(b)));
  const resolve = (keyId: string | undefined): string => {
    const arn = keys.get(keyId ?? '') ?? [...keys.values()].find((a) => a === keyId);
    if (!arn) throw new NotFoundException({ message: `Key '${String(keyId)}' does not exist`, $metadata: {} });
    return arn;
  };

  const client = new KMSClient({ region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const mock = mockClient(client);
  mock.on(GenerateDataKeyCommand).callsFake(async (input: GenerateDataKeyCommandInput): Promise<GenerateDataKeyCommandOutput> => {
    const keyArn = resolve(input.KeyId);
    const plaintext = randomBytes(input.NumberOfBytes ?? 32);
    const blob = randomBytes(48);
    ciphertexts.set(blob.toString('hex'), { plaintext, context: canonicalContext(input.EncryptionContext), keyArn });
    return { KeyId: keyArn, Plaintext: new Uint8Array(plaintext), CiphertextBlob: new Uint8Array(blob), $metadata: {} };
  });
  mock.on(EncryptCommand).callsFake(async (input: EncryptCommandInput): Promise<EncryptCommandOutput> => {
    const keyArn = resolve(input.KeyId);
    const blob = randomBytes(48);
    ciphertexts.set(blob.toString('hex'), { plaintext: Buffer.from(input.Plaintext ?? []), context: canonicalContext(input.EncryptionContext), keyArn });
    return { KeyId: keyArn, CiphertextBlob: new Uint8Array(blob), $metadata: {} };
  });
  mock.on(DecryptCommand).callsFake(async (input: DecryptCommandInput): Promise<DecryptCommandOutput> => {
    const entry = ciphertexts.get(Buffer.from(input.CiphertextBlob ?? []).toString('hex'));
    if (!entry) throw new InvalidCiphertextException({ message: 'The ciphertext is invalid', $metadata: {} });
    if (input.KeyId !== undefined && resolve(input.KeyId) !== entry.keyArn) {
      throw new IncorrectKeyException({ message: 'The key ID in the request does not identify the key that encrypted the ciphertext', $metadata: {} });
    }
    if (canonicalContext(input.EncryptionContext) !== entry.context) throw new InvalidCiphertextException({ message: 'UnknownError', $metadata: {} });
    return { KeyId: entry.keyArn, Plaintext: new Uint8Array(entry.plaintext), $metadata: {} };
  });
  afterAll(() => mock.restore());

  return {
    client: () => client,
    async createKey() {
      const keyId = randomUUID();
      const arn = `arn:aws:kms:${REGION}:000000000000:key/${keyId}`;
      keys.set(keyId, arn);
      return { keyId, arn };
    },
  };
}

/** The provider's contract, whatever KMS answers. */
function kmsProviderContract(backend: KmsBackend): void {
  let key: { keyId: string; arn: string };
  let otherKey: { keyId: string; arn: string };

  beforeAll(async () => {
    key = await backend.createKey();
    otherKey = await backend.createKey();
  });

  /** `encryptionContext: null` for a provider configured without one. */
  const provider = (keyId = key.keyId, encryptionContext: Record<string, string> | null = CONTEXT): KmsKeyProvider =>
    new KmsKeyProvider({ client: backend.client(), keyId, ...(encryptionContext ? { encryptionContext } : {}) });

  it('creates a 64-byte vault key whose stored form (JSON) unwraps to the same bytes', async () => {
    const created = await provider().createVaultKey();
    expect(created.plaintext).toHaveLength(VAULT_KEY_BYTES);
    expect(created.wrapped.kind).toBe('kms');
    expect(created.wrapped.params).toEqual({ keyId: key.arn });
    expect(Buffer.from(created.wrapped.ciphertext, 'base64').toString('base64')).toBe(created.wrapped.ciphertext);
    expect(created.wrapped.ciphertext).not.toContain(created.plaintext.toString('base64'));

    // As a vault stores and reads it back, opened by a fresh provider (a later run, or a restore).
    const stored = JSON.parse(JSON.stringify(created.wrapped)) as WrappedVaultKey;
    expect((await provider().unwrapVaultKey(stored)).equals(created.plaintext)).toBe(true);
    // The ARN works as well as the id.
    expect((await provider(key.arn).unwrapVaultKey(stored)).equals(created.plaintext)).toBe(true);

    const second = await provider().createVaultKey();
    expect(second.plaintext.equals(created.plaintext)).toBe(false);
  });

  it('wraps existing key material under another key and context (the DR copy of a vault), which only that key and context unwrap', async () => {
    const { plaintext } = await provider().createVaultKey();
    const drContext = { 'lifeboat:vault': 'dr-bucket' };
    const dr = provider(otherKey.keyId, drContext);
    const wrapped = JSON.parse(JSON.stringify(await dr.wrapVaultKey(plaintext))) as WrappedVaultKey;
    expect(wrapped).toMatchObject({ kind: 'kms', params: { keyId: otherKey.arn } });
    expect((await provider(otherKey.keyId, drContext).unwrapVaultKey(wrapped)).equals(plaintext)).toBe(true);
    await expect(provider(key.keyId, drContext).unwrapVaultKey(wrapped)).rejects.toBeInstanceOf(KeyUnwrapError);
    await expect(provider(otherKey.keyId).unwrapVaultKey(wrapped)).rejects.toBeInstanceOf(KeyUnwrapError);
    await expect(dr.wrapVaultKey(plaintext.subarray(0, 32))).rejects.toThrow(/must be 64 bytes/);
  });

  it('refuses to unwrap with a different encryption context, naming the key and the context to check', async () => {
    const { wrapped } = await provider().createVaultKey();
    const otherVault = provider(key.keyId, { ...CONTEXT, vault: 's3://lifeboat-vault/other' });
    const err = await otherVault.unwrapVaultKey(wrapped).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyUnwrapError);
    expect((err as Error).message).toContain(key.keyId);
    expect((err as Error).message).toMatch(/encryption context/);
    await expect(provider(key.keyId, null).unwrapVaultKey(wrapped)).rejects.toBeInstanceOf(KeyUnwrapError);
  });

  it('refuses a key wrapped by another kind of provider, saying which one it needs', async () => {
    const fromKeyFile: WrappedVaultKey = { kind: 'key-file', ciphertext: randomBytes(80).toString('base64'), params: { nonce: randomBytes(12).toString('base64') } };
    const err = await provider().unwrapVaultKey(fromKeyFile).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyUnwrapError);
    expect((err as Error).message).toMatch(/wrapped by a 'key-file' key provider, not by KMS/);
    await expect(provider().unwrapVaultKey({ kind: 'passphrase', ciphertext: 'AAAA', params: {} })).rejects.toThrow(/'passphrase' key provider/);
  });

  it('refuses to unwrap with another KMS key, naming both keys', async () => {
    const { wrapped } = await provider().createVaultKey();
    const err = await provider(otherKey.keyId).unwrapVaultKey(wrapped).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyUnwrapError);
    expect((err as Error).message).toContain(otherKey.keyId);
    expect((err as Error).message).toContain(`the vault records key ${key.arn}`);
  });

  it('reports a key that does not exist, on create and on unwrap', async () => {
    const missing = '11111111-2222-3333-4444-555555555555';
    const createErr = await provider(missing).createVaultKey().catch((e: unknown) => e);
    expect(createErr).toBeInstanceOf(VaultError);
    expect((createErr as Error).message).toMatch(new RegExp(`KMS key ${missing}: the key does not exist in this account and region`));

    const { wrapped } = await provider().createVaultKey();
    const unwrapErr = await provider(missing).unwrapVaultKey(wrapped).catch((e: unknown) => e);
    expect(unwrapErr).toBeInstanceOf(KeyUnwrapError);
    expect((unwrapErr as Error).message).toContain(missing);
  });

  it('refuses an altered wrapped key', async () => {
    const { wrapped } = await provider().createVaultKey();
    const bytes = Buffer.from(wrapped.ciphertext, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await expect(provider().unwrapVaultKey({ ...wrapped, ciphertext: bytes.toString('base64') })).rejects.toBeInstanceOf(KeyUnwrapError);
    await expect(provider().unwrapVaultKey({ ...wrapped, ciphertext: 'not base64!' })).rejects.toThrow(/not valid base64/);
  });
}

const motoMissing = motoUnavailableReason();
if (motoMissing === undefined) {
  describe('KmsKeyProvider against moto_server on 127.0.0.1', () => kmsProviderContract(motoBackend()));
} else {
  // Not a skip: the same contract runs against the fake, and the title says why.
  describe(`KmsKeyProvider against a fake KMS via aws-sdk-client-mock (moto unavailable: ${motoMissing})`, () => kmsProviderContract(mockBackend()));
}
