import { EndpointFaultError } from './endpoint-fault-error';

/**
 * A vault could not be opened because its region's S3 or KMS answered with a fault of its own (a 5xx after the
 * client's attempts), as a region in an outage does before it falls silent, or because that region's STS did so when
 * asked for the credentials' role: the message names the vault, which of them failed, and the other region's vault,
 * as VaultEndpointUnansweredError does for silence (review r63O F3: `lifeboat prune` printed only "Service
 * Unavailable"). It stays a server fault (`$fault`, the answer's `$metadata`), so what follows a fault through
 * (isPassingAwsFailure) reads it as before.
 */
export class VaultEndpointFaultError extends EndpointFaultError {
  override readonly name = 'VaultEndpointFaultError';
}
