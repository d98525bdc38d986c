import { httpStatusOf } from '../../vault';

/** Error names with which AWS answers a request that the caller's credentials cannot make on that resource. */
const REFUSALS = new Set(['AccessDeniedException', 'AccessDenied', 'ResourceNotFoundException', 'UnrecognizedClientException', 'NoSuchBucket']);

/**
 * Whether an SDK error says the caller's credentials are the wrong ones for the resource, not that its region
 * is down: refused by a policy (AccessDenied, HTTP 403), or not found because a bare table name resolved in the
 * caller's own account (ResourceNotFoundException). For another account's resource (a DR catalog of `drAccount`)
 * running the same command again changes nothing: it needs that account's credentials.
 */
export function isAccountRefusal(err: unknown): boolean {
  const name = (err as { name?: unknown } | null | undefined)?.name;
  return (typeof name === 'string' && REFUSALS.has(name)) || httpStatusOf(err) === 403;
}
