import { FileVaultStore, type FileVaultStoreOptions } from './file/file-vault-store';
import { VaultError } from '../vault-errors';

/** True for `s3://…` vault locations (which need the S3 client and `openVaultStore`). */
export function isS3VaultLocation(location: string): boolean {
  return location.startsWith('s3://');
}

/**
 * The store for a local vault location: a directory path or `file:///abs/path`. Kept apart from
 * open-vault-store.ts so that programs opening local vaults do not load the AWS SDK.
 */
export function openLocalVaultStore(location: string, options?: FileVaultStoreOptions): FileVaultStore {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.startsWith('file://')) {
    throw new VaultError(`vault location ${location}: unsupported scheme; use a directory path or s3://bucket/prefix`);
  }
  const dir = location.startsWith('file://') ? decodeURIComponent(location.slice('file://'.length)) : location;
  if (dir === '') throw new VaultError('the vault location is empty');
  return new FileVaultStore(dir, options);
}
