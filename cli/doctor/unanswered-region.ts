import { isServerFault } from '../server-fault';
import { isThrottledRequest } from '../throttled-request';
import { isUnanswered } from '../unanswered-endpoint';
import { type CheckResult, fail, type Verdict, warn } from './check-result';
import { describeError, httpStatusOf } from './sdk-error';

/** Where an operator reads whether a region is down: no grant or config edit fixes a region that does not answer. */
export const HEALTH_DASHBOARD = 'see the AWS Health Dashboard (https://health.aws.amazon.com/health/status)';

export const REGION_UNANSWERED_FIX = `run the doctor again; if it persists, ${HEALTH_DASHBOARD}`;

/** A throttle clears by itself within about a minute: asking again is the fix, not a grant nor an outage's page. */
export const REGION_THROTTLED_FIX = 'run the doctor again in a minute';

/**
 * Whether a request failed because the region's endpoint did not answer (refused, reset, unresolved, timed out), as
 * opposed to answering with an error: an answer carries an HTTP status, a network failure has none. Told apart so that a
 * region outage is not reported as a missing permission.
 */
export function isRegionUnanswered(err: unknown): boolean {
  return httpStatusOf(err) === undefined && isUnanswered(err);
}

/**
 * The check's result when `err` is the region's and not the caller's: it did not answer (`<region> does not answer
 * (<error>): <what>`), answered with a fault of its own (`<region> answered with a fault of its own (<error>): <what>`,
 * a 5xx, as a region in an outage answers before it falls silent; until review r63A F3 that got a permission's advice),
 * or throttled the request (`<region> throttled the request (<error>): <what>`, fixed by asking again in a minute; until
 * review r63H F1 a `Throttling` 400 got the caller's advice to allow the action it had been allowed). Undefined for any
 * other error, which the caller words itself (a denial, a missing resource).
 */
export function regionUnansweredResult(name: string, region: string, err: unknown, what: string, verdict: Extract<Verdict, 'fail' | 'warn'> = 'fail'): CheckResult | undefined {
  const trouble = regionTroubleOf(err);
  if (trouble === undefined) return undefined;
  const detail = `${region} ${trouble.words} (${describeError(err)}): ${what}`;
  return verdict === 'warn' ? warn(name, detail, trouble.fix) : fail(name, detail, trouble.fix);
}

function regionTroubleOf(err: unknown): { words: string; fix: string } | undefined {
  // Told first: a throttle may come as a 5xx (S3's SlowDown), and it is the region's load, not an outage.
  if (isThrottledRequest(err)) return { words: 'throttled the request', fix: REGION_THROTTLED_FIX };
  if (isRegionUnanswered(err)) return { words: 'does not answer', fix: REGION_UNANSWERED_FIX };
  return isServerFault(err) ? { words: 'answered with a fault of its own', fix: REGION_UNANSWERED_FIX } : undefined;
}
