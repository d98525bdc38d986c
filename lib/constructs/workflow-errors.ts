import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LAMBDA_THROTTLED_ERROR } from '../../config/lambda-invoke-errors';

/**
 * Error names the state machines retry. Handlers throw errors with these names for conditions that
 * may pass (throttling, timeouts, a source busy); every other error is permanent and goes to Catch.
 * Kept in lib/ because Retry is infrastructure; lambdas/runtime/errors.ts throws the same names.
 */
export const TRANSIENT_ERROR_NAMES = ['TransientError'] as const;

/**
 * The retries every Lifeboat Lambda task shares (on top of CDK's `retryOnServiceExceptions`): a
 * TransientError backs off and retries (2, 4, 8 s with full jitter), and so does a throttled invocation.
 */
export function retryTransientErrors(task: sfn.TaskStateBase): void {
  task.addRetry({ errors: [...TRANSIENT_ERROR_NAMES], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 4, jitterStrategy: sfn.JitterType.FULL });
  retryThrottledInvocations(task);
}

/**
 * Retries a Lambda task whose invocation was throttled (LAMBDA_THROTTLED_ERROR, config/lambda-invoke-errors.ts: no
 * handler ran; CDK's `retryOnServiceExceptions` does not cover it, so without this one throttled shard of a wide Map
 * failed the whole backup, audit R39 F1). Longer and more patient than the TransientError
 * retry: a fan-out that meets the concurrency limit must wait for other invocations to end (about
 * 5, 10, 20, 40, 80 s and 160 s with full jitter, some 5 minutes in all).
 */
export function retryThrottledInvocations(task: sfn.TaskStateBase): void {
  task.addRetry({ errors: [LAMBDA_THROTTLED_ERROR], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL });
}
