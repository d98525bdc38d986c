/**
 * What Step Functions reports when it could not get an answer from a Lambda it invoked: the invocation failed, not the
 * handler's work, so the same invocation may pass later. The state machines retry these (lib/constructs/workflow-errors.ts
 * and CDK's `retryOnServiceExceptions`), and an error among them that outlasted those retries is reported as a passing
 * fault (lambdas/failover/failover-report.ts), never as something in the data or the input to fix. Lives in config/
 * because both lib/ and lambdas/ may import it and neither may import the other (eslint.config.mjs).
 */

/**
 * Lambda refused the invocation for the account's or the function's concurrency: no handler ran. Likely when a mass
 * failover fills the DR region's concurrency. CDK's `retryOnServiceExceptions` does not cover it (audit R39 F1).
 */
export const LAMBDA_THROTTLED_ERROR = 'Lambda.TooManyRequestsException';

/**
 * The invocation errors CDK's `retryOnServiceExceptions` retries (aws-stepfunctions-tasks LambdaInvoke; CDK exports no
 * list of them, so this one is pinned to what a synthesized task retries by test/unit/config/lambda-invoke-errors.test.ts):
 * Lambda's 5xx, the service's own failure, the Step Functions client's timeout and lost connection.
 */
export const LAMBDA_SERVICE_ERRORS: readonly string[] = ['Lambda.ClientExecutionTimeoutException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'];

/** Every invocation error that may pass when the Lambda is invoked again. */
export const LAMBDA_INVOKE_PASSING_ERRORS: readonly string[] = [LAMBDA_THROTTLED_ERROR, ...LAMBDA_SERVICE_ERRORS];
