import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { type KeyProvider, VAULT_KEY_BYTES, type WrappedVaultKey } from './key-provider';
import { KeyUnwrapError, VaultError } from '../vault-errors';
import { DamagedKeyObjectError } from './damaged-key-object-error';
import { kmsCiphertextProblem } from './kms-ciphertext';

export type KmsKeyProviderOptions = {
  client: KMSClient;
  /** Key id, key ARN, alias name (`alias/…`) or alias ARN of a symmetric encryption key. */
  keyId: string;
  /**
   * Bound into the wrapped key by KMS: unwrapping must present exactly the same pairs, and they
   * appear in CloudTrail, so IAM conditions (kms:EncryptionContext:…) can restrict who opens which vault.
   */
  encryptionContext?: Record<string, string>;
};

/** What KMS says when the caller is not allowed, the key is wrong or unusable: permanent, worth a KeyUnwrapError. Throttling and timeouts pass through unchanged so retries see them. */
const PERMANENT_UNWRAP_ERRORS: Readonly<Record<string, string>> = {
  AccessDeniedException: 'the caller is not allowed kms:Decrypt on it: check the IAM policy of the role and the key policy (and any kms:EncryptionContext conditions)',
  InvalidCiphertextException:
    'KMS rejected the ciphertext: the encryption context differs from the one the vault key was created with, or the wrapped key in the vault was altered; check the configured encryption context',
  IncorrectKeyException: 'the vault key was wrapped under a different KMS key: configure the key it was created with',
  NotFoundException: 'the key does not exist in this account and region: check the key id, account and region (a key ARN is regional)',
  InvalidArnException: 'the key id is not a valid key ARN: check the key id',
  DisabledException: 'the key is disabled: enable it (kms:EnableKey) to open the vault',
  KMSInvalidStateException: 'the key is not usable in its current state (pending deletion or import?): cancel the deletion or finish the import',
  InvalidKeyUsageException: 'the key is not a symmetric ENCRYPT_DECRYPT key: configure the key the vault was created with',
  KeyUnavailableException: 'the key material is unavailable (custom key store disconnected?): reconnect the key store',
};

const PERMANENT_CREATE_ERRORS: Readonly<Record<string, string>> = {
  AccessDeniedException: 'the caller is not allowed kms:GenerateDataKey on it: check the IAM policy of the role and the key policy',
  NotFoundException: 'the key does not exist in this account and region: check the key id, account and region',
  InvalidArnException: 'the key id is not a valid key ARN: check the key id',
  DisabledException: 'the key is disabled: enable it (kms:EnableKey)',
  KMSInvalidStateException: 'the key is not usable in its current state (pending deletion or import?)',
  InvalidKeyUsageException: 'the key is not a symmetric ENCRYPT_DECRYPT key: use one',
  KeyUnavailableException: 'the key material is unavailable (custom key store disconnected?)',
};

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/**
 * The vault master key as a KMS data key: GenerateDataKey makes the key material and its wrapped
 * form (CiphertextBlob) in one call, and only KMS can unwrap it, so access to the vault is access
 * to the KMS key, governed by IAM and audited in CloudTrail.
 */
export class KmsKeyProvider implements KeyProvider {
  readonly kind = 'kms' as const;
  private readonly client: KMSClient;
  private readonly keyId: string;
  private readonly encryptionContext: Record<string, string> | undefined;

  constructor(opts: KmsKeyProviderOptions) {
    if (opts.keyId.trim() === '') throw new VaultError('KmsKeyProvider: keyId is empty; give the id, ARN or alias of a symmetric KMS key');
    this.client = opts.client;
    this.keyId = opts.keyId;
    // An empty context is the same as none to KMS; sending none keeps requests minimal.
    this.encryptionContext = opts.encryptionContext && Object.keys(opts.encryptionContext).length > 0 ? { ...opts.encryptionContext } : undefined;
  }

  async createVaultKey(): Promise<{ plaintext: Buffer; wrapped: WrappedVaultKey }> {
    let out;
    try {
      out = await this.client.send(
        new GenerateDataKeyCommand({ KeyId: this.keyId, NumberOfBytes: VAULT_KEY_BYTES, ...(this.encryptionContext ? { EncryptionContext: this.encryptionContext } : {}) }),
      );
    } catch (err) {
      const hint = PERMANENT_CREATE_ERRORS[errorName(err) ?? ''];
      if (hint) throw new VaultError(`Cannot create a vault key with KMS key ${this.keyId}: ${hint} (${errorName(err)}: ${(err as Error).message})`, { cause: err });
      throw err;
    }
    if (!out.Plaintext || !out.CiphertextBlob || out.Plaintext.length !== VAULT_KEY_BYTES) {
      throw new VaultError(`KMS GenerateDataKey with key ${this.keyId} returned ${out.Plaintext?.length ?? 'no'} bytes of key material and ${out.CiphertextBlob ? 'a' : 'no'} ciphertext; expected ${VAULT_KEY_BYTES} bytes and a ciphertext`);
    }
    return {
      plaintext: Buffer.from(out.Plaintext),
      wrapped: {
        kind: 'kms',
        ciphertext: Buffer.from(out.CiphertextBlob).toString('base64'),
        // The ARN KMS resolved the id or alias to: the vault records which key it needs even if an alias is later repointed.
        params: { keyId: out.KeyId ?? this.keyId },
      },
    };
  }

  /** kms:Encrypt of existing key material (64 bytes, well under Encrypt's 4 KiB limit) under this provider's key and context. */
  async wrapVaultKey(material: Buffer): Promise<WrappedVaultKey> {
    if (material.length !== VAULT_KEY_BYTES) throw new VaultError(`vault key material must be ${VAULT_KEY_BYTES} bytes, got ${material.length}`);
    let out;
    try {
      out = await this.client.send(new EncryptCommand({ KeyId: this.keyId, Plaintext: material, ...(this.encryptionContext ? { EncryptionContext: this.encryptionContext } : {}) }));
    } catch (err) {
      const hint = PERMANENT_CREATE_ERRORS[errorName(err) ?? '']?.replace('kms:GenerateDataKey', 'kms:Encrypt');
      if (hint) throw new VaultError(`Cannot wrap the vault key with KMS key ${this.keyId}: ${hint} (${errorName(err)}: ${(err as Error).message})`, { cause: err });
      throw err;
    }
    if (!out.CiphertextBlob) throw new VaultError(`KMS Encrypt with key ${this.keyId} returned no ciphertext`);
    return { kind: 'kms', ciphertext: Buffer.from(out.CiphertextBlob).toString('base64'), params: { keyId: out.KeyId ?? this.keyId } };
  }

  async unwrapVaultKey(wrapped: WrappedVaultKey): Promise<Buffer> {
    if (wrapped.kind !== 'kms') {
      throw new KeyUnwrapError(
        `The vault key is wrapped by a '${wrapped.kind}' key provider, not by KMS: open this vault with the ${wrapped.kind} provider (${wrapped.kind === 'key-file' ? 'the key file it was created with' : 'the passphrase it was created with'}) instead of KMS key ${this.keyId}`,
      );
    }
    const recordedKeyId = typeof wrapped.params['keyId'] === 'string' ? wrapped.params['keyId'] : undefined;
    const problem = kmsCiphertextProblem(wrapped.ciphertext);
    if (problem !== undefined) throw new DamagedKeyObjectError(`${problem}: the vault's keys/ object was altered; it records KMS key ${recordedKeyId ?? '(none)'}`);
    const ciphertext = Buffer.from(wrapped.ciphertext, 'base64');
    let out;
    try {
      // KeyId is the configured key, not the recorded one: the operator decides which key to trust,
      // and KMS refuses (IncorrectKeyException) when the ciphertext belongs to another key.
      out = await this.client.send(
        new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: ciphertext, ...(this.encryptionContext ? { EncryptionContext: this.encryptionContext } : {}) }),
      );
    } catch (err) {
      const name = errorName(err);
      const hint = PERMANENT_UNWRAP_ERRORS[name ?? ''];
      if (hint) {
        // The recorded ARN of the configured key id is the same key; naming it again would only confuse.
        const sameKey = recordedKeyId === undefined || recordedKeyId === this.keyId || recordedKeyId.endsWith(`:key/${this.keyId}`);
        const recorded = sameKey ? '' : ` (the vault records key ${recordedKeyId})`;
        throw new KeyUnwrapError(`Cannot unwrap the vault key with KMS key ${this.keyId}${recorded}: ${hint} (${name}: ${(err as Error).message})`, { cause: err });
      }
      throw err;
    }
    if (!out.Plaintext || out.Plaintext.length !== VAULT_KEY_BYTES) {
      throw new KeyUnwrapError(`KMS key ${this.keyId} unwrapped ${out.Plaintext?.length ?? 'no'} bytes instead of ${VAULT_KEY_BYTES}: the wrapped key is not a Lifeboat vault key`);
    }
    return Buffer.from(out.Plaintext);
  }
}
