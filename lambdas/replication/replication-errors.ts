import { VaultError } from '../../vault';

/** The replica bucket already holds another vault (other config or master key): replication never mixes two vaults. */
export class ReplicaMismatchError extends VaultError {
  override name = 'ReplicaMismatchError';
}
