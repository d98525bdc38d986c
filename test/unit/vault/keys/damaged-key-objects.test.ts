import { createHash, randomBytes } from 'node:crypto';
import { type DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import * as path from 'node:path';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { DamagedKeyObjectError } from '../../../../vault/keys/damaged-key-object-error';
import { damagedKeyObjects, newKeyObjectFindings, putKeyObject, unwrapKeyObjects } from '../../../../vault/keys/key-object';
import { addKeyObject, listKeyObjects } from '../../../../vault/keys/key-management';
import { VAULT_KEY_BYTES, type WrappedVaultKey } from '../../../../vault/keys/key-provider';
import { KmsKeyProvider } from '../../../../vault/keys/kms-key-provider';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { initVault, openVault } from '../../../../vault/repository/vault';
import { KEYS_PREFIX } from '../../../../vault/repository/vault-layout';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

/** A passphrase key object as a forger writes it: hash-consistent, with scrypt parameters of its choosing. */
function forged(N: number, r = 8, p = 1): WrappedVaultKey {
  return { kind: 'passphrase', ciphertext: 'AAAA', params: { salt: 'AAAAAAAAAAAAAAAAAAAAAA==', N, r, p, nonce: 'AAAAAAAAAAAAAAAA' } };
}

describe('PassphraseKeyProvider with forged scrypt parameters', () => {
  const provider = new PassphraseKeyProvider('correct horse', FAST_SCRYPT);

  it.each([
    ['N not a power of two', forged(3), 'impossible scrypt parameters N=3'],
    ['N = 1', forged(1), 'impossible scrypt parameters N=1'],
    ['r = 0', forged(1024, 0), 'impossible scrypt parameters N=1024 r=0'],
    ['a fractional p', forged(1024, 8, 1.5), 'impossible scrypt parameters'],
    ['N above the documented limit 2^22', forged(2 ** 23), 'refusing scrypt parameters N=8388608 r=8 p=1: too costly'],
    ['p above the documented limit 16, a B buffer of gigabytes (N = 2, r = 1, p = 2^24)', forged(2, 1, 2 ** 24), 'refusing scrypt parameters N=2 r=1 p=16777216: too costly (at most N=4194304 r=32 p=16)'],
    ['N a power of two beyond 32 bits', forged(2 ** 40), 'impossible scrypt parameters'],
    // scrypt's own rule N < 2^(16·r), which Node refuses with a bare "Invalid scrypt params" (review r6-F2).
    ['r = 1 with N = 2^16, which scrypt refuses', forged(2 ** 16, 1), 'impossible scrypt parameters N=65536 r=1 p=1 (scrypt needs N < 2^(16·r): with r=1, N is at most 32768)'],
    ['r = 1 with N = 2^22, within the documented bounds', forged(2 ** 22, 1), 'impossible scrypt parameters N=4194304 r=1 p=1 (scrypt needs N < 2^(16·r)'],
  ])('refuses %s as a damaged key object, before deriving', async (_, wrapped, message) => {
    const started = Date.now();
    const unwrap = provider.unwrapVaultKey(wrapped);
    await expect(unwrap).rejects.toThrow(DamagedKeyObjectError);
    await expect(unwrap).rejects.toThrow(message);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('unwrapKeyObjects', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('key-objects');
  });
  afterEach(async () => removeDir(dir));

  it('skips a hash-consistent forged key object listed first, records it as damaged, and yields the real one', async () => {
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const provider = new PassphraseKeyProvider('correct horse', FAST_SCRYPT);
    const material = randomBytes(VAULT_KEY_BYTES);
    const own = await putKeyObject(store, await provider.wrapVaultKey(material));
    // Pad the forged object until its name sorts before the real one, so the store lists it first.
    let bad = '';
    for (let pad = 0; bad === '' || bad > own; pad++) {
      const wrapped = forged(3);
      bad = await putKeyObject(store, { ...wrapped, params: { ...wrapped.params, pad } }, new Date(0));
      if (bad > own) await store.delete(bad);
    }
    const findings = newKeyObjectFindings();
    const found: { key: string; material: Buffer }[] = [];
    for await (const f of unwrapKeyObjects(store, provider, findings)) found.push(f);
    expect(found).toEqual([{ key: own, material }]);
    expect(findings.damaged).toEqual([bad]);
    expect(findings.problems).toEqual([`${bad} is damaged (impossible scrypt parameters N=3 r=8 p=1 (N must be a power of two above 1, r and p positive integers)): skipped`]);
    expect(bad.startsWith(KEYS_PREFIX)).toBe(true);
    expect(createHash('sha256').update(await store.get(bad)).digest('hex')).toBe(bad.slice(KEYS_PREFIX.length));
  });
});

/**
 * A costly passphrase key object (scrypt beyond SCRYPT_PROMPT_COST, within the documented bounds N <= 2^22, r <= 32,
 * p <= 16 that the library's PassphraseKeyProvider(passphrase, cost) could always write): N = 2^18, r = 8, p = 1, the
 * cheapest such cost, which derives in well under a second.
 */
const COSTLY_SCRYPT = { N: 2 ** 18, r: 8, p: 1 };

/** Puts `wrapped` (padded as needed) under a name that sorts before or after `other`, so that the store lists it there. */
async function putListed(store: FileVaultStore, wrapped: WrappedVaultKey, where: 'before' | 'after', other: string): Promise<string> {
  for (let pad = 0; ; pad++) {
    const key = await putKeyObject(store, { ...wrapped, params: { ...wrapped.params, pad } });
    if (where === 'before' ? key < other : key > other) return key;
    await store.delete(key);
  }
}

describe('costly passphrase key objects (review r2-1 of 2df6e2e5)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('costly-key-objects');
  });
  afterEach(async () => removeDir(dir));

  it('opens with a key object of N = 2^18, r = 8, p = 1, tried after the cheaper ones, and neither open, list nor verify calls it damaged', async () => {
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const vault = await initVault(store, new PassphraseKeyProvider('correct horse', COSTLY_SCRYPT));
    const costly = vault.openedWith?.keyObject ?? '';
    // A cheap key object of the same passphrase that opens nothing here (a stray of another master key), listed after it.
    const stray = await putListed(store, await new PassphraseKeyProvider('correct horse', FAST_SCRYPT).wrapVaultKey(randomBytes(VAULT_KEY_BYTES)), 'after', costly);

    const reader = new PassphraseKeyProvider('correct horse', FAST_SCRYPT);
    const unwrap = jest.spyOn(reader, 'unwrapVaultKey');
    const opened = await openVault(store, reader);
    expect(opened.config.id).toBe(vault.config.id);
    expect(opened.openedWith?.keyObject).toBe(costly);
    // Listed first, the costly one was tried only after the stray failed to open the vault.
    expect(costly < stray).toBe(true);
    expect(unwrap.mock.calls.map(([wrapped]) => wrapped.params['N'])).toEqual([FAST_SCRYPT.N, COSTLY_SCRYPT.N]);
    const listed = await listKeyObjects(opened, reader);
    const costlyListed = listed.find((k) => k.key === costly);
    expect(costlyListed).toMatchObject({ current: true, kind: 'passphrase' });
    expect(costlyListed?.damage).toBeUndefined();
    expect(costlyListed?.costly).toMatch(/^costly scrypt parameters N=262144 r=8 p=1 \(257 MiB and N·r·p = 2097152, .*\): tried after every cheaper key object$/);
    expect(await damagedKeyObjects(store)).toEqual([]);
  });

  it('does not derive a costly key object listed first when a cheaper key object opens the vault', async () => {
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const provider = new PassphraseKeyProvider('correct horse', FAST_SCRYPT);
    const vault = await initVault(store, provider);
    const own = vault.openedWith?.keyObject ?? '';
    // Planted by anyone who may create under keys/: its cost is of its choosing, within the documented bounds.
    const planted = await putListed(store, forged(COSTLY_SCRYPT.N, COSTLY_SCRYPT.r, COSTLY_SCRYPT.p), 'before', own);
    const unwrap = jest.spyOn(provider, 'unwrapVaultKey');

    expect((await openVault(store, provider)).openedWith?.keyObject).toBe(own);
    expect(unwrap.mock.calls.map(([wrapped]) => wrapped.params['N'])).toEqual([FAST_SCRYPT.N]);
    expect(await damagedKeyObjects(store)).toEqual([]);
    expect(planted < own).toBe(true);
  });

  it('vault key add derives no costly key object to look for a duplicate, whatever its place in the listing (review r6-F1)', async () => {
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const vault = await initVault(store, new PassphraseKeyProvider('owner pass', FAST_SCRYPT));
    const own = vault.openedWith?.keyObject ?? '';
    await putListed(store, forged(COSTLY_SCRYPT.N, COSTLY_SCRYPT.r, COSTLY_SCRYPT.p), 'before', own);
    await putListed(store, forged(COSTLY_SCRYPT.N * 2, COSTLY_SCRYPT.r, COSTLY_SCRYPT.p), 'after', own);
    const added = new PassphraseKeyProvider('new pass', FAST_SCRYPT);
    const unwrap = jest.spyOn(added, 'unwrapVaultKey');

    const key = await addKeyObject(vault, added);
    // Only the owner's cheap key object was tried; the costly ones (planted, 256 and 512 MiB) were not derived.
    expect(unwrap.mock.calls.map(([wrapped]) => wrapped.params['N'])).toEqual([FAST_SCRYPT.N]);
    unwrap.mockRestore();
    expect((await openVault(store, added)).openedWith?.keyObject).toBe(key);
  });

  it('lists, verifies and opens alike a key object whose N scrypt refuses for its r: damaged, skipped (review r6-F2)', async () => {
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const provider = new PassphraseKeyProvider('correct horse', FAST_SCRYPT);
    await initVault(store, provider);
    const refused = await putKeyObject(store, forged(2 ** 22, 1, 1));
    const unwrap = jest.spyOn(provider, 'unwrapVaultKey');

    const opened = await openVault(store, provider);
    expect(unwrap).toHaveBeenCalledTimes(1);
    const listed = (await listKeyObjects(opened, provider)).find((k) => k.key === refused);
    expect(listed).toMatchObject({ kind: null, damage: expect.stringMatching(/^impossible scrypt parameters N=4194304 r=1 p=1 \(scrypt needs N < 2\^\(16·r\)/) });
    expect(listed?.costly).toBeUndefined();
    expect((await damagedKeyObjects(store)).map((e) => e.key)).toEqual([refused]);
  });
});

describe('unwrapKeyObjects with a KMS provider', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('kms-key-objects');
  });
  afterEach(async () => removeDir(dir));

  it('skips a forged KMS key object whose ciphertext KMS would refuse with a ValidationException, without calling KMS for it', async () => {
    const store = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const material = randomBytes(VAULT_KEY_BYTES);
    const sent: number[] = [];
    // KMS answers a CiphertextBlob above 6144 bytes with a ValidationException; a real one unwraps to `material`.
    const client = {
      send: (command: DecryptCommand) => {
        const blob = command.input.CiphertextBlob ?? new Uint8Array();
        sent.push(blob.length);
        if (blob.length > 6144) return Promise.reject(Object.assign(new Error('ciphertextBlob too long'), { name: 'ValidationException' }));
        return Promise.resolve({ Plaintext: new Uint8Array(material) });
      },
    } as unknown as KMSClient;
    const provider = new KmsKeyProvider({ client, keyId: 'alias/vault' });
    const own = await putKeyObject(store, { kind: 'kms', ciphertext: randomBytes(200).toString('base64'), params: { keyId: 'alias/vault' } });
    let bad = '';
    for (let pad = 0; bad === '' || bad > own; pad++) {
      bad = await putKeyObject(store, { kind: 'kms', ciphertext: randomBytes(7000).toString('base64'), params: { keyId: 'alias/vault', pad } });
      if (bad > own) await store.delete(bad);
    }
    const findings = newKeyObjectFindings();
    const found: { key: string; material: Buffer }[] = [];
    for await (const f of unwrapKeyObjects(store, provider, findings)) found.push(f);
    expect(found).toEqual([{ key: own, material }]);
    expect(findings.damaged).toEqual([bad]);
    expect(findings.problems[0]).toContain('7000 bytes, more than KMS ciphertexts have (6144)');
    expect(sent).toEqual([200]);
  });
});
