import { EndpointFaultError } from './endpoint-fault-error';

/**
 * The primary catalog's DynamoDB answered with a fault of its own (a 5xx after the client's attempts), as a region in
 * an outage does before it falls silent, or its region's STS did so when asked for the credentials' role: the message
 * names the table, the region, which of them failed, and what the command can do instead, as
 * CatalogEndpointUnansweredError does for silence (review r63A F4: a 503 printed DynamoDB's bare message). The catalog
 * "could not be used", not "read": the failed request may be a write, which may have applied (review r63H F5). It stays
 * a server fault (`$fault`, the answer's `$metadata`), so that what asks a fault again (the format admission's glance)
 * or follows it through (isPassingAwsFailure) reads it as before; it is not silence, which the admission skips.
 */
export class CatalogEndpointFaultError extends EndpointFaultError {
  override readonly name = 'CatalogEndpointFaultError';
}
