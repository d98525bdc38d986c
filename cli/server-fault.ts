import { THROTTLING_ERROR_NAMES } from '../lambdas/runtime/throttling-error-names';

/**
 * Whether a request failed on the service's side once the client's retries were spent: the SDK's `$fault: 'server'`
 * or an HTTP status of 500 and above (a region in an outage answers 500 and 503 before it stops answering). A
 * throttled request is not one: the service is up and asks the caller to slow down.
 */
export function isServerFault(err: unknown): err is Error {
  if (!(err instanceof Error) || THROTTLING_ERROR_NAMES.has(err.name)) return false;
  const { $fault: fault, $metadata: metadata } = err as { $fault?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = metadata?.httpStatusCode;
  return fault === 'server' || (typeof status === 'number' && status >= 500);
}
