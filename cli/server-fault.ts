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

/** A server fault's answer as a message quotes it: `<name> (HTTP <status>): <message>`, the status when known. */
export function faultAnswer(err: Error): string {
  const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return `${err.name}${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${err.message}`;
}
