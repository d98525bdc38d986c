import * as fs from 'node:fs/promises';
import { type KMSClient } from '@aws-sdk/client-kms';
import { type S3Client } from '@aws-sdk/client-s3';
import { type KeyProvider } from '../../vault';
import { KeyFileKeyProvider } from '../../vault';
import { KmsKeyProvider } from '../../vault/aws';
import { S3VaultStore } from '../../vault/aws';
import { initVault, openVault, type Vault, VaultExistsError } from '../../vault';
import { CONFIG_KEY, KeyUnwrapError, type VaultStore } from '../../vault';
import { MissingLocalKeyFile } from './missing-local-key-file';

/**
 * Set only by the local executor: the local cloud has no KMS, so locally the vault's master key is
 * wrapped by a key file under the data directory instead. In AWS the variable is absent and the
 * vault key is a KMS data key under the vault's CMK (VAULT_KEY_ARN).
 */
export const LOCAL_VAULT_KEY_FILE_ENV = 'LIFEBOAT_LOCAL_VAULT_KEY_FILE';

/** What wraps a vault's master key: a key file (local cloud) or the vault's KMS key (AWS). */
export type VaultKeySource = { keyFile: string } | { kms: KMSClient; keyArn: string };

/**
 * What unwraps the vault in `bucket`. A local key file is made only for a vault being created:
 * `createIn` is the store of the vault the caller would create (the backup's Plan step), and the file
 * is made when it is missing and that store holds no vault yet. Everywhere else a missing key file is
 * an error that says where it belongs: a new random key there would open nothing, and would take the
 * place of the operator's real key.
 */
export async function vaultKeyProvider(source: VaultKeySource, bucket: string, options: { createIn?: VaultStore } = {}): Promise<KeyProvider> {
  if ('keyFile' in source) {
    if (options.createIn !== undefined && !(await options.createIn.has(CONFIG_KEY))) return (await KeyFileKeyProvider.loadOrCreate(source.keyFile)).provider;
    return loadLocalKeyFile(source.keyFile, bucket);
  }
  // The encryption context binds the data key to this vault: a key object copied to another bucket does not open.
  return new KmsKeyProvider({ client: source.kms, keyId: source.keyArn, encryptionContext: { 'lifeboat:vault': bucket } });
}

/**
 * The local key file of the vault in `bucket`. A missing one is not made (see vaultKeyProvider) but
 * stood in for by a provider whose every use fails saying where the file belongs: an open reads
 * `config` before any key object, so a vault that does not exist yet is reported as such first
 * (VaultNotFoundError, which the demo's first run expects), and one that exists names the key file.
 */
export async function loadLocalKeyFile(keyFile: string, bucket: string): Promise<KeyProvider> {
  try {
    await fs.access(keyFile);
  } catch {
    return new MissingLocalKeyFile(
      new KeyUnwrapError(
        `the local vault key file ${keyFile} is missing: the vault ${bucket} was created with the key file at that path (<dataDir>/vault.key). Put the vault.key kept with this data directory back there; a new key cannot open the existing vault`,
      ),
      new KeyUnwrapError(`the local vault key file ${keyFile} is missing, and only the open that creates the vault (the backup's Plan step) makes one`),
    );
  }
  return KeyFileKeyProvider.load(keyFile);
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
