import { type KMSClient } from '@aws-sdk/client-kms';
import { type S3Client } from '@aws-sdk/client-s3';
import { type KeyProvider } from '../../vault';
import { KeyFileKeyProvider } from '../../vault';
import { KmsKeyProvider } from '../../vault/aws';
import { S3VaultStore } from '../../vault/aws';
import { initVault, openVault, type Vault, VaultExistsError } from '../../vault';
import { CONFIG_KEY } from '../../vault';

/**
 * Set only by the local executor: the local cloud has no KMS, so locally the vault's master key is
 * wrapped by a key file under the data directory instead. In AWS the variable is absent and the
 * vault key is a KMS data key under the vault's CMK (VAULT_KEY_ARN).
 */
export const LOCAL_VAULT_KEY_FILE_ENV = 'LIFEBOAT_LOCAL_VAULT_KEY_FILE';

/** What wraps a vault's master key: a key file (local cloud) or the vault's KMS key (AWS). */
export type VaultKeySource = { keyFile: string } | { kms: KMSClient; keyArn: string };

export async function vaultKeyProvider(source: VaultKeySource, bucket: string): Promise<KeyProvider> {
  if ('keyFile' in source) return (await KeyFileKeyProvider.loadOrCreate(source.keyFile)).provider;
  // The encryption context binds the data key to this vault: a key object copied to another bucket does not open.
  return new KmsKeyProvider({ client: source.kms, keyId: source.keyArn, encryptionContext: { 'lifeboat:vault': bucket } });
}

/**
 * The vault in a bucket (the whole bucket is the vault). `create`: initialise it when the bucket holds
 * none yet. Two runs doing so at once (the first backups of an environment, started together) end up
 * in one vault: initVault lets exactly one config be written and the other run opens that vault; a
 * run that finds the config appeared between its check and initVault's opens it too.
 */
export async function openBackupVault(options: { s3: S3Client; bucket: string; provider: KeyProvider; create: boolean; memoryMb?: number }): Promise<Vault> {
  const vault = await openOrCreate(new S3VaultStore({ client: options.s3, bucket: options.bucket }), options);
  // The function's memory bounds the index it loads (Vault.memoryLimitMb): past it, a message instead of a kill.
  vault.memoryLimitMb = options.memoryMb;
  return vault;
}

async function openOrCreate(store: S3VaultStore, options: { provider: KeyProvider; create: boolean }): Promise<Vault> {
  if (options.create && !(await store.has(CONFIG_KEY))) {
    try {
      return await initVault(store, options.provider);
    } catch (err) {
      if (!(err instanceof VaultExistsError)) throw err;
    }
  }
  return openVault(store, options.provider);
}
