import { THROTTLING_ERROR_NAMES } from '../lambdas/runtime/throttling-error-names';
import { httpStatusOf } from '../vault';

/**
 * Whether the service answered that it is called too often: a throttling name (STS's `Throttling` comes as HTTP 400,
 * S3's `SlowDown` as 503) or HTTP 429 under any name. The service is up and a call made again in a minute may pass, so
 * the CLI neither gives up on it nor advises a permission or an outage for it. One test for the doctor's checks, its
 * credentials check and the workflow runner's follow, which until review r63H F1 each told a throttle their own way.
 */
export function isThrottledRequest(err: unknown): err is Error {
  return err instanceof Error && (THROTTLING_ERROR_NAMES.has(err.name) || httpStatusOf(err) === 429);
}
