import { SERVICE_WORDS_LIMIT, unseenOnlyEscaped } from '../lambdas/runtime/quoted-service-words';
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

/**
 * A server fault's answer as a message quotes it: `<name> (HTTP <status>): <message>`, the status when known. The name
 * and message are the service's (or a proxy's) own text: a newline in them forged a line of the CLI's message and an
 * ESC coloured the terminal (f65G), so they are escaped (backslashes as written) and cut as quotedServiceWords does the other answers' words.
 */
export function faultAnswer(err: Error): string {
  const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return `${shownAnswerText(err.name)}${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${shownAnswerText(err.message)}`;
}

/** A service's text escaped (unseenOnlyEscaped), cut to SERVICE_WORDS_LIMIT code points so no pasted page floods the terminal. */
export function shownAnswerText(text: string): string {
  const characters = [...text];
  if (characters.length <= SERVICE_WORDS_LIMIT) return unseenOnlyEscaped(text);
  return `${unseenOnlyEscaped(characters.slice(0, SERVICE_WORDS_LIMIT).join(''))}… (cut from ${characters.length} characters)`;
}
