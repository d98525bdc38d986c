/**
 * Where a vault's master key comes from. A vault stores only the *wrapped* master key (in its
 * `keys/` objects); a provider turns that into the plaintext key material and back.
 * Implementations: KMS (GenerateDataKey / Decrypt), a local key file, a passphrase (scrypt).
 */
export interface KeyProvider {
  /** Stored in the wrapped key so that opening a vault with the wrong kind of provider says so. */
  readonly kind: 'kms' | 'key-file' | 'passphrase';
  /** For a new vault: fresh key material (`VAULT_KEY_BYTES` bytes) and its wrapped, storable form. */
  createVaultKey(): Promise<{ plaintext: Buffer; wrapped: WrappedVaultKey }>;
  /** For an existing vault: the key material, or KeyUnwrapError naming why (wrong key, wrong passphrase, no KMS access). */
  unwrapVaultKey(wrapped: WrappedVaultKey): Promise<Buffer>;
  /**
   * Wraps existing key material: a copy of a vault (the DR replica) holds the same master key, so
   * its objects stay byte-identical, wrapped under that copy's own key (another region's KMS key).
   */
  wrapVaultKey(material: Buffer): Promise<WrappedVaultKey>;
}

/** 32 bytes of AES-256-GCM key followed by 32 bytes of HMAC-SHA-256 (blob id) key. */
export const VAULT_KEY_BYTES = 64;

/** JSON-serialisable; the exact fields per kind are documented in docs/FORMAT.md. */
export type WrappedVaultKey = {
  readonly kind: KeyProvider['kind'];
  /** base64 ciphertext of the key material (KMS CiphertextBlob, or AES-256-GCM under a key-file/passphrase-derived key). */
  readonly ciphertext: string;
  /** Provider-specific parameters (KMS key id; scrypt salt and cost; GCM nonce). */
  readonly params: Readonly<Record<string, string | number>>;
};
