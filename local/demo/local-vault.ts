import * as path from 'node:path';
import { type S3Client } from '@aws-sdk/client-s3';
import { openBackupVault, vaultKeyProvider } from '../../lambdas/runtime/backup-vault';
import { type Vault } from '../../vault';

/**
 * The primary vault of a local environment, opened from outside the workflows with the same key
 * the local executor gives the Lambdas (<dataDir>/vault.key): what an operator would do to read a
 * backup with nothing but the vault bucket and its key.
 */
export async function openLocalVault(s3: S3Client, bucket: string, dataDir: string): Promise<Vault> {
  const provider = await vaultKeyProvider({ keyFile: path.join(path.resolve(dataDir), 'vault.key') }, bucket);
  return openBackupVault({ s3, bucket, provider, create: false });
}
