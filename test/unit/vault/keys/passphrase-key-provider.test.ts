import { randomBytes } from 'node:crypto';
import { DEFAULT_SCRYPT_COST, PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
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
});
