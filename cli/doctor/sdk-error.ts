/**
 * What the doctor reads from an AWS SDK error: its name, HTTP status and message. SDK v3 errors
 * carry `$metadata.httpStatusCode`; a HEAD request has no body, so its error's name is only the
 * status's ("NotFound", "Forbidden", or a bare number for a redirect).
 */
import { httpStatusOf } from '../../vault';

export { httpStatusOf };

type SdkErrorShape = {
  name?: unknown;
  message?: unknown;
  $response?: { headers?: Record<string, string | undefined> };
};

export function errorNameOf(err: unknown): string {
  const name = (err as SdkErrorShape | undefined)?.name;
  return typeof name === 'string' ? name : 'Error';
}

/** A response header of the failed request, e.g. S3's `x-amz-bucket-region` on a redirect. */
export function errorHeaderOf(err: unknown, header: string): string | undefined {
  return (err as SdkErrorShape | undefined)?.$response?.headers?.[header];
}

/** `Name: message` (or the name alone when the message says nothing more), for a check's detail. */
export function describeError(err: unknown): string {
  const name = errorNameOf(err);
  const message = (err as SdkErrorShape | undefined)?.message;
  const text = typeof message === 'string' && message !== '' && message !== name && message !== 'UnknownError' ? message : '';
  const status = httpStatusOf(err);
  return `${name}${status !== undefined && !name.includes(String(status)) ? ` (HTTP ${status})` : ''}${text ? `: ${text}` : ''}`;
}
