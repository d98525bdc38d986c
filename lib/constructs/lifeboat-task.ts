import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type Construct } from 'constructs';
import { type LifeboatFunction } from './lifeboat-function';
import { retryTransientErrors } from './workflow-errors';

/**
 * A Lambda task with the retry policy every Lifeboat task shares: TransientError, Lambda's service errors and a throttled
 * invocation back off and retry, anything else is for the Catch.
 * `comment` says what the step does; the Step Functions console shows it beside the state (the deploy-time checks require one).
 */
export function lifeboatTask(
  scope: Construct,
  name: string,
  comment: string,
  fn: LifeboatFunction,
  resultPath: string,
  payload?: Record<string, unknown>,
  /** Shapes the function's result before `resultPath` puts it in the state (e.g. `{ 'report.$': '$' }` with `resultPath` '$': the state becomes the result alone, at `report`). */
  resultSelector?: Record<string, unknown>,
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, name, {
    comment,
    lambdaFunction: fn,
    payload: payload ? sfn.TaskInput.fromObject(payload) : undefined,
    payloadResponseOnly: true,
    ...(resultSelector ? { resultSelector } : {}),
    // '$' (the result replaces the input) is ResultPath's default: rendered as none, because aws-local-stepfunctions
    // reads `"ResultPath": "$"` as a field named "$" and would keep the input beside the result (the local executor).
    ...(resultPath === '$' ? {} : { resultPath }),
    retryOnServiceExceptions: true,
  });
  retryTransientErrors(task);
  return task;
}
