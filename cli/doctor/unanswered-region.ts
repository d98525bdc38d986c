import { isServerFault } from '../server-fault';
import { isUnanswered } from '../unanswered-endpoint';
import { type CheckResult, fail, type Verdict, warn } from './check-result';
import { describeError, httpStatusOf } from './sdk-error';

/** Where an operator reads whether a region is down: no grant or config edit fixes a region that does not answer. */
export const REGION_UNANSWERED_FIX = 'run the doctor again; if it persists, see the AWS Health Dashboard (https://health.aws.amazon.com/health/status)';

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
 * (<error>): <what>`) or answered with a fault of its own (`<region> answered with a fault of its own (<error>): <what>`,
 * a 5xx, as a region in an outage answers before it falls silent; until review r63A F3 that got a permission's advice).
 * Undefined for any other error, which the caller words itself (a denial, a missing resource, a throttle).
 */
export function regionUnansweredResult(name: string, region: string, err: unknown, what: string, verdict: Extract<Verdict, 'fail' | 'warn'> = 'fail'): CheckResult | undefined {
  const trouble = isRegionUnanswered(err) ? 'does not answer' : isServerFault(err) ? 'answered with a fault of its own' : undefined;
  if (trouble === undefined) return undefined;
  const detail = `${region} ${trouble} (${describeError(err)}): ${what}`;
  return verdict === 'warn' ? warn(name, detail, REGION_UNANSWERED_FIX) : fail(name, detail, REGION_UNANSWERED_FIX);
}
