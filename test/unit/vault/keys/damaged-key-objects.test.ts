import { createHash, randomBytes } from 'node:crypto';
import { type DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import * as path from 'node:path';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { DamagedKeyObjectError } from '../../../../vault/keys/damaged-key-object-error';
import { newKeyObjectFindings, putKeyObject, unwrapKeyObjects } from '../../../../vault/keys/key-object';
import { VAULT_KEY_BYTES, type WrappedVaultKey } from '../../../../vault/keys/key-provider';
import { KmsKeyProvider } from '../../../../vault/keys/kms-key-provider';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
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
    // The former per-parameter limit: 16 GiB and about 12 minutes on every open while the object listed first (audit d5-2).
    ['the former maximum N = 2^22, r = 32, p = 16', forged(2 ** 22, 32, 16), 'refusing scrypt parameters N=4194304 r=32 p=16: too costly: they need 16385 MiB, and a reader spends at most 256 MiB'],
    ['twice the default memory and more (N = 2^18, r = 8)', forged(2 ** 18, 8, 1), 'refusing scrypt parameters N=262144 r=8 p=1: too costly: they need 257 MiB'],
    ['more than four times the default work (N = 2^17, r = 8, p = 5)', forged(2 ** 17, 8, 5), 'refusing scrypt parameters N=131072 r=8 p=5: too costly: N·r·p = 5242880, and a reader spends at most 4194304'],
    ['a B buffer of gigabytes (N = 2, r = 1, p = 2^24)', forged(2, 1, 2 ** 24), 'too costly: they need 2049 MiB'],
    ['N a power of two beyond 32 bits', forged(2 ** 40), 'impossible scrypt parameters'],
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
