import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type Construct } from 'constructs';
import { type LifeboatFunction } from './lifeboat-function';
import { TRANSIENT_ERROR_NAMES } from './workflow-errors';

/**
 * A Lambda task with the retry policy every Lifeboat task shares: TransientError backs off and retries, anything else is for the Catch.
 * `comment` says what the step does; the Step Functions console shows it beside the state (the deploy-time checks require one).
 */
export function lifeboatTask(scope: Construct, name: string, comment: string, fn: LifeboatFunction, resultPath: string, payload?: Record<string, unknown>): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, name, {
    comment,
    lambdaFunction: fn,
    payload: payload ? sfn.TaskInput.fromObject(payload) : undefined,
    payloadResponseOnly: true,
    // '$' (the result replaces the input) is ResultPath's default: rendered as none, because aws-local-stepfunctions
    // reads `"ResultPath": "$"` as a field named "$" and would keep the input beside the result (the local executor).
    ...(resultPath === '$' ? {} : { resultPath }),
    retryOnServiceExceptions: true,
  });
  task.addRetry({
    errors: [...TRANSIENT_ERROR_NAMES],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 4,
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}
