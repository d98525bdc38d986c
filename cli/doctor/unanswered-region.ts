import { stsNotActivatedFor } from '../credentials-sts-unanswered';
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

/** Where an administrator of the account activates STS in a region. */
export const STS_ACTIVATION_PLACE = 'IAM console: Account settings, Security Token Service (STS) endpoints';

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
 * review r63H F1 a `Throttling` 400 got the caller's advice to allow the action it had been allowed). With a role
 * profile, STS of the region that said it is not activated there, asked for the credentials' role (markIfStsTrouble),
 * reads `STS is not activated in <region>, asked for the credentials' role (<error>): <what>` with the fix to activate
 * it: the service was not asked (until review r63N F1 its 403 got the check's permission advice). Undefined for any
 * other error, which the caller words itself (a denial, a missing resource).
 */
export function regionUnansweredResult(name: string, region: string, err: unknown, what: string, verdict: Extract<Verdict, 'fail' | 'warn'> = 'fail'): CheckResult | undefined {
  const trouble = regionTroubleOf(err, region);
  if (trouble === undefined) return undefined;
  const detail = `${trouble.said} (${describeError(err)}): ${what}`;
  return verdict === 'warn' ? warn(name, detail, trouble.fix) : fail(name, detail, trouble.fix);
}

function regionTroubleOf(err: unknown, region: string): { said: string; fix: string } | undefined {
  // Told first: the STS asked for the role is what answered, whatever the client's service would have said.
  const stsOff = stsNotActivatedFor(err);
  if (stsOff !== undefined) {
    const where = stsOff.region ?? region;
    return { said: `STS is not activated in ${where}, asked for the credentials' role`, fix: `activate STS in ${where} for the account (${STS_ACTIVATION_PLACE}), then run the doctor again` };
  }
  // A throttle may come as a 5xx (S3's SlowDown): told before a fault, as it is the region's load, not an outage.
  if (isThrottledRequest(err)) return { said: `${region} throttled the request`, fix: REGION_THROTTLED_FIX };
  if (isRegionUnanswered(err)) return { said: `${region} does not answer`, fix: REGION_UNANSWERED_FIX };
  return isServerFault(err) ? { said: `${region} answered with a fault of its own`, fix: REGION_UNANSWERED_FIX } : undefined;
}
