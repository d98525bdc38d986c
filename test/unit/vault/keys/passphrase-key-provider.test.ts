import { randomBytes } from 'node:crypto';
import { DEFAULT_SCRYPT_COST, PassphraseKeyProvider, readScryptParams, scryptCostlyReason } from '../../../../vault/keys/passphrase-key-provider';
import { VAULT_KEY_BYTES } from '../../../../vault/keys/key-provider';
import { KeyUnwrapError } from '../../../../vault/vault-errors';

describe('PassphraseKeyProvider scrypt cost', () => {
  it('wraps new vault keys with N = 2^17, r = 8, p = 1 (OWASP minimum) by default', async () => {
    expect(DEFAULT_SCRYPT_COST).toEqual({ N: 131072, r: 8, p: 1 });
    const provider = new PassphraseKeyProvider('correct horse battery staple');
    const { plaintext, wrapped } = await provider.createVaultKey();
    expect(wrapped.params).toMatchObject({ N: 131072, r: 8, p: 1 });
    expect(await provider.unwrapVaultKey(wrapped)).toEqual(plaintext);
  });

  it('opens a key object written with the former default N = 2^15 with a provider of today’s default', async () => {
    const material = randomBytes(VAULT_KEY_BYTES);
    const old = await new PassphraseKeyProvider('old vault', { N: 1 << 15, r: 8, p: 1 }).wrapVaultKey(material);
    expect(old.params).toMatchObject({ N: 32768 });
    expect(await new PassphraseKeyProvider('old vault').unwrapVaultKey(old)).toEqual(material);
    await expect(new PassphraseKeyProvider('not it').unwrapVaultKey(old)).rejects.toThrow(KeyUnwrapError);
  });

  it('uses a lower cost only when given one explicitly', async () => {
    const { wrapped } = await new PassphraseKeyProvider('fast test', { N: 1024, r: 8, p: 1 }).createVaultKey();
    expect(wrapped.params).toMatchObject({ N: 1024, r: 8, p: 1 });
  });

  it('accepts the stored cost of every key object Lifeboat has written, and tries first those of at most twice the default memory and four times its work', () => {
    const params = (N: number, r: number, p: number) => ({ salt: 'AAAAAAAAAAAAAAAAAAAAAA==', nonce: 'AAAAAAAAAAAAAAAA', N, r, p });
    for (const [N, r, p] of [[1 << 15, 8, 1], [1 << 17, 8, 1], [1 << 17, 8, 4], [1 << 16, 16, 4], [1024, 8, 1]] as const) {
      expect(readScryptParams(params(N, r, p))).toMatchObject({ cost: { N, r, p } });
      expect(scryptCostlyReason({ N, r, p })).toBeUndefined();
    }
  });

  it('accepts, as costly and not damaged, any cost within the documented bounds the library could always write (review r2-1 of 2df6e2e5)', () => {
    const params = (N: number, r: number, p: number) => ({ salt: 'AAAAAAAAAAAAAAAAAAAAAA==', nonce: 'AAAAAAAAAAAAAAAA', N, r, p });
    for (const [N, r, p] of [[1 << 18, 8, 1], [1 << 17, 8, 5], [1 << 22, 32, 16]] as const) {
      expect(readScryptParams(params(N, r, p))).toMatchObject({ cost: { N, r, p } });
      expect(scryptCostlyReason({ N, r, p })).toMatch(new RegExp(`^costly scrypt parameters N=${N} r=${r} p=${p} `));
      expect(() => new PassphraseKeyProvider('slow but allowed', { N, r, p })).not.toThrow();
    }
  });

  it('refuses to write a key object with a cost no reader would derive with', () => {
    expect(() => new PassphraseKeyProvider('too slow', { N: 1 << 23, r: 8, p: 1 })).toThrow(/^refusing to wrap with scrypt cost N=8388608 r=8 p=1, which no reader would derive with: too costly \(at most N=4194304 r=32 p=16\)$/);
  });

  it('refuses to write, and calls impossible when stored, a cost scrypt itself refuses: N at least 2^(16·r) (review r6-F2)', () => {
    const params = (N: number, r: number, p: number) => ({ salt: 'AAAAAAAAAAAAAAAAAAAAAA==', nonce: 'AAAAAAAAAAAAAAAA', N, r, p });
    for (const N of [1 << 16, 1 << 22]) {
      expect(() => new PassphraseKeyProvider('refused', { N, r: 1, p: 1 })).toThrow(new RegExp(`^refusing to wrap with scrypt cost N=${N} r=1 p=1, which scrypt refuses: scrypt needs N < 2\\^\\(16·r\\): with r=1, N is at most 32768; raise r or lower N$`));
      expect(readScryptParams(params(N, 1, 1))).toEqual({ problem: expect.stringMatching(/^impossible scrypt parameters .*scrypt needs N < 2\^\(16·r\)/) });
    }
    expect(readScryptParams(params(1 << 15, 1, 1))).toMatchObject({ cost: { N: 1 << 15, r: 1, p: 1 } });
    expect(() => new PassphraseKeyProvider('allowed', { N: 1 << 22, r: 2, p: 1 })).not.toThrow();
  });
});
