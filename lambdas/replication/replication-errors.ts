import { VaultError } from '../../vault';

/** The replica bucket already holds another vault (other config or master key): replication never mixes two vaults. */
export class ReplicaMismatchError extends VaultError {
  override name = 'ReplicaMismatchError';
}

/** A vault the scrub was asked to read could not be opened. */
export class ScrubVaultUnavailableError extends VaultError {
  override name = 'ScrubVaultUnavailableError';
}

/**
 * A scrub left objects damaged or missing: with no good copy in either vault, or (a run without
 * repair) with a good copy not yet copied. The scrub runbook fails with it so that an alarm on failed
 * executions sees the damage; the message names the objects and the backups they affect.
 */
export class VaultDamageError extends VaultError {
  override name = 'VaultDamageError';
}
