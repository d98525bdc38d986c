/**
 * What the doctor reads from an AWS SDK error: its name, HTTP status and message. SDK v3 errors
 * carry `$metadata.httpStatusCode`; a HEAD request has no body, so its error's name is only the
 * status's ("NotFound", "Forbidden", or a bare number for a redirect).
 */
import { httpStatusOf } from '../../vault';
import { errorHeaderOf } from '../../lambdas/runtime/sdk-error-header';

// Shared with the functions, which read the same SDK errors (a restore target's region redirect).
export { errorHeaderOf, httpStatusOf };

type SdkErrorShape = {
  name?: unknown;
  message?: unknown;
};

export function errorNameOf(err: unknown): string {
  const name = (err as SdkErrorShape | undefined)?.name;
  return typeof name === 'string' ? name : 'Error';
}

/** `Name: message` (or the name alone when the message says nothing more), for a check's detail. */
export function describeError(err: unknown): string {
  const name = errorNameOf(err);
  const message = (err as SdkErrorShape | undefined)?.message;
  const text = typeof message === 'string' && message !== '' && message !== name && message !== 'UnknownError' ? message : '';
  const status = httpStatusOf(err);
  return `${name}${status !== undefined && !name.includes(String(status)) ? ` (HTTP ${status})` : ''}${text ? `: ${text}` : ''}`;
}
