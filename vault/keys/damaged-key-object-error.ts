import { KeyUnwrapError } from '../vault-errors';

/**
 * A wrapped key that no key can open because its own fields are impossible (scrypt parameters out of
 * range, a missing nonce, a KMS ciphertext that is not base64): the key object was damaged or forged,
 * not opened with the wrong key. A KeyUnwrapError still, so a direct caller of `unwrapVaultKey` treats
 * it as before; unwrapKeyObjects reports it as a damaged key object and tries the next one.
 */
export class DamagedKeyObjectError extends KeyUnwrapError {
  override name = 'DamagedKeyObjectError';
}
