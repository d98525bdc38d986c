import { EndpointFaultError } from './endpoint-fault-error';

/**
 * S3's bare 503 to a HEAD of the vault bucket, in words: an answer to HEAD has no body, so it does not say whether S3
 * throttled the request (`SlowDown`) or could not serve it, and the message gives both ways. What reads errors reads it
 * as what it shows, a server fault: `$fault` is 'server' (isServerFault), and it carries no throttling name
 * (isThrottledRequest is false), as the SDK's own `Unknown` 503 read. Until review r64E F5 it was an
 * EndpointThrottledError named `Unknown`, whose class said a throttle that no check read.
 */
export class VaultHeadFaultError extends EndpointFaultError {
  override readonly name = 'VaultHeadFaultError';
}
