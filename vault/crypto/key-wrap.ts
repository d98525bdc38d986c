import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KeyUnwrapError } from '../vault-errors';

/**
 * AES-256-GCM wrapping of the master key under a key-encryption key (from a key file or a
 * passphrase). The additional data names the provider kind so a wrapped key cannot be moved
 * between kinds. Layout of `ciphertext` (base64): GCM ciphertext (64 bytes) | tag (16 bytes).
 */
export function wrapKey(kek: Buffer, plaintext: Buffer, kind: string): { ciphertext: string; nonce: string } {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce);
  cipher.setAAD(Buffer.from(`lifeboat/v1/wrapped-key/${kind}`));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { ciphertext: ct.toString('base64'), nonce: nonce.toString('base64') };
}

export function unwrapKey(kek: Buffer, ciphertext: string, nonce: string, kind: string, failure: string): Buffer {
  const ct = Buffer.from(ciphertext, 'base64');
  const iv = Buffer.from(nonce, 'base64');
  if (ct.length < 17 || iv.length !== 12) throw new KeyUnwrapError(`${failure} (the wrapped key is malformed)`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, iv);
    decipher.setAAD(Buffer.from(`lifeboat/v1/wrapped-key/${kind}`));
    decipher.setAuthTag(ct.subarray(ct.length - 16));
    return Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]);
  } catch {
    throw new KeyUnwrapError(failure);
  }
}
