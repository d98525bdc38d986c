/** Node's and the SDK's ways of saying an endpoint did not answer at all (as opposed to answering with an error). */
const UNANSWERED_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** Whether a request failed because its endpoint did not answer (a timeout of client-timeouts.ts, a refused or dropped connection). */
export function isUnanswered(err: unknown): err is Error {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return err.name === 'TimeoutError' || (typeof code === 'string' && UNANSWERED_CODES.has(code));
}

/**
 * Whether an error told as text (a runbook execution's `error` and `cause`, where the Lambda's TransientError or the
 * SDK's error was serialized) says its endpoint did not answer: the codes isUnanswered knows, the SDK's TimeoutError,
 * and the words Node and the SDK put in a dropped or refused connection's message.
 */
export function mentionsUnanswered(text: string): boolean {
  return UNANSWERED_TEXT.test(text);
}

// Whole words: a bare EPIPE would match `codepipeline-…` (a bucket's name in an error about that bucket).
const UNANSWERED_TEXT = new RegExp(`\\b(?:${[...UNANSWERED_CODES, 'TimeoutError'].join('|')})\\b|socket hang up|Could not connect`, 'i');

/**
 * An S3 endpoint of a vault did not answer (isUnanswered) after the client's attempts: the message names the
 * vault, the region and the endpoint, and what to do instead, so that an operator in a region outage does not
 * read the SDK's bare "requestTimeout" as a problem of the vault.
 */
export class VaultEndpointUnansweredError extends Error {
  override readonly name = 'VaultEndpointUnansweredError';
}

/**
 * The DynamoDB endpoint of a region's catalog did not answer (isUnanswered) after the client's attempts: the message
 * names the table, the region and the endpoint, and what the command can do instead, so that an operator in a
 * region outage reads where to go rather than the SDK's bare `connect ECONNREFUSED` or timeout.
 */
export class CatalogEndpointUnansweredError extends Error {
  override readonly name = 'CatalogEndpointUnansweredError';
}
