import { Duration } from 'aws-cdk-lib';
import { type LifeboatFunction } from './lifeboat-function';

/** Attempts of a lifeboatTask step that may each run its function to its timeout: the first and retryTransientErrors' 4 retries. */
const FULL_ATTEMPTS = 5;

/**
 * The longest every retrier of a lifeboatTask step may wait in all, jitter at its worst: TransientError 2+4+8+16 s,
 * a throttled invocation 5+10+…+160 s (workflow-errors.ts), CDK's retryOnServiceExceptions 2+4+…+64 s.
 */
const RETRY_WAITS = Duration.seconds(30 + 315 + 126);

/**
 * The longest a lifeboatTask step of `fn` may take, retries and their backoff included. A parent workflow keeps this
 * much of its own timeout for each step outside its restores: an execution that reaches its timeout runs no Catch,
 * so a step the timeout cut off (a drill's cleanup and record, a failover's report) would never run at all.
 */
export function lambdaStepBudget(fn: LifeboatFunction): Duration {
  const timeout = fn.timeout ?? Duration.seconds(3);
  return Duration.seconds(FULL_ATTEMPTS * timeout.toSeconds() + RETRY_WAITS.toSeconds());
}

/** lambdaStepBudget of each of `fns`, added up: the steps run one after another. */
export function lambdaStepsBudget(fns: readonly LifeboatFunction[]): Duration {
  return Duration.seconds(fns.reduce((total, fn) => total + lambdaStepBudget(fn).toSeconds(), 0));
}
