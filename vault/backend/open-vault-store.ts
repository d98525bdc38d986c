import type { S3Client } from '@aws-sdk/client-s3';
import { S3VaultStore } from './s3/s3-vault-store';
import { type FileVaultStoreOptions } from './file/file-vault-store';
import { isS3VaultLocation, openLocalVaultStore } from './open-local-vault-store';
import { VaultError } from '../vault-errors';
import { type VaultStore } from './vault-store';

export type OpenVaultStoreDeps = {
  /** Builds the S3 client for `s3://` locations (the composition root decides region, endpoint, credentials). */
  readonly s3Client?: () => S3Client;
  readonly file?: FileVaultStoreOptions;
};

/**
 * The store for a vault location: `s3://bucket[/prefix]` or a local directory path
 * (`file:///abs/path` also accepted). Extend here when a new backend arrives.
 */
export function openVaultStore(location: string, deps: OpenVaultStoreDeps = {}): VaultStore {
  if (isS3VaultLocation(location)) {
    const rest = location.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1);
    if (bucket === '') throw new VaultError(`vault location ${location} names no bucket; use s3://bucket[/prefix]`);
    if (!deps.s3Client) throw new VaultError(`vault location ${location}: no S3 client is configured in this program`);
    return new S3VaultStore({ client: deps.s3Client(), bucket, prefix });
  }
  return openLocalVaultStore(location, deps.file);
}
