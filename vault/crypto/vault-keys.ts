import { createHmac, createSecretKey, type KeyObject, webcrypto } from 'node:crypto';
import { VAULT_KEY_BYTES } from '../keys/key-provider';

/**
 * The working keys of an open vault, split from the 64 bytes of master key material
 * (docs/FORMAT.md §2): bytes 0–31 are the AES-256-GCM key of every sealed object and blob,
 * bytes 32–63 the HMAC-SHA-256 key of blob ids (and of the chunker's gear table).
 *
 * The id key is a WebCrypto key because WebCrypto runs each HMAC on libuv's thread pool: hashing
 * then uses the second core while the main thread chunks. The encryption key is a node:crypto key:
 * AES-GCM runs in the thread (sealed-codec.ts says why).
 */
export type VaultKeys = {
  readonly encryptionKey: KeyObject;
  readonly idKey: webcrypto.CryptoKey;
  /** Raw id key, for the few synchronous derivations (gear table) that run once per vault. */
  readonly idKeyBytes: Buffer;
  /** Raw encryption key, for the codec worker threads (codec-pool.ts). */
  readonly encryptionKeyBytes: Buffer;
};

export async function importVaultKeys(material: Buffer): Promise<VaultKeys> {
  if (material.length !== VAULT_KEY_BYTES) {
    throw new RangeError(`vault key material must be ${VAULT_KEY_BYTES} bytes, got ${material.length}`);
  }
  const aes = Buffer.from(material.subarray(0, 32));
  const mac = Buffer.from(material.subarray(32, 64));
  const encryptionKey = createSecretKey(aes);
  const idKey = await webcrypto.subtle.importKey('raw', mac, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return { encryptionKey, idKey, idKeyBytes: mac, encryptionKeyBytes: aes };
}

/** Blob id: HMAC-SHA-256 of the plaintext under the id key (32 bytes). Runs on the thread pool. */
export async function computeBlobId(keys: VaultKeys, plaintext: Uint8Array): Promise<Buffer> {
  return Buffer.from(await webcrypto.subtle.sign('HMAC', keys.idKey, plaintext));
}

/** Synchronous HMAC under the id key, for small one-off derivations. */
export function hmacIdKey(keys: VaultKeys, data: string | Uint8Array): Buffer {
  return createHmac('sha256', keys.idKeyBytes).update(data).digest();
}

/** The 64 bytes of master key material back from the working keys (to wrap them for a copy of the vault). */
export function vaultKeyMaterial(keys: VaultKeys): Buffer {
  return Buffer.concat([keys.encryptionKeyBytes, keys.idKeyBytes]);
}
