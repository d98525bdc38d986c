import { CallDeadlineError } from './call-deadline';
import { isServerFault } from './server-fault';
import { isThrottledRequest } from './throttled-request';

/** Node's codes of a connection that failed or broke before an answer came: the service may answer the next one. */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * Whether a call to AWS failed in a way that may pass when it is made again later (a timeout, a broken connection, a
 * 5xx, a throttle), as against an answer that stays (access denied, no such state machine, a bad input): a workflow
 * that may run for hours is followed through the first, and not through the second.
 */
export function isPassingAwsFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof CallDeadlineError || err.name === 'TimeoutError' || err.name === 'AbortError') return true;
  if (isThrottledRequest(err) || isServerFault(err)) return true;
  const { code } = err as { code?: unknown };
  return typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
}
