import { VaultError } from '../../vault';

/** The replica bucket already holds another vault (other config or master key): replication never mixes two vaults. */
export class ReplicaMismatchError extends VaultError {
  override name = 'ReplicaMismatchError';
}

/** A vault the scrub was asked to read could not be opened. */
export class ScrubVaultUnavailableError extends VaultError {
  override name = 'ScrubVaultUnavailableError';
}
