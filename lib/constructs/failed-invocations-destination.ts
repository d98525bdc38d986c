import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/** How often Lambda retries an asynchronous invocation whose function returned an error (Lambda's default, stated). */
export const ASYNC_INVOKE_RETRY_ATTEMPTS = 2;

/**
 * Sends a function's failed asynchronous invocations to `queue` (an AWS::Lambda::EventInvokeConfig with an on-failure
 * destination; the function's role may send to the queue).
 *
 * Why: EventBridge rules and Scheduler invoke a function asynchronously, so the DeadLetterConfig of their target gets
 * only the events they could not hand to Lambda (function gone, permission refused). An error the function returns is
 * Lambda's: it retries ASYNC_INVOKE_RETRY_ATTEMPTS times and then drops the event unless the function has an on-failure
 * destination (audit aS2-3: a release-failed-backup that threw left a backup's lease taken, and nothing said so).
 * With this, that record lands in the same queue as the undelivered events, under the same alarm: a JSON body whose
 * requestContext names the function and the condition (RetriesExhausted, or EventAgeExceeded after 6 h of throttling),
 * requestPayload is the event, and responsePayload the error (docs/RUNBOOKS.md, "Alarms", dead-letters).
 * Once per function: Lambda holds one such configuration per function version.
 */
export function sendFailedInvocationsTo(fn: lambda.IFunction, queue: sqs.IQueue): void {
  fn.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(queue), retryAttempts: ASYNC_INVOKE_RETRY_ATTEMPTS });
}
