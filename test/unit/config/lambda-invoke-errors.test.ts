import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { LAMBDA_INVOKE_PASSING_ERRORS } from '../../../config/lambda-invoke-errors';
import { retryTransientErrors } from '../../../lib/constructs/workflow-errors';
import { tempOutdir } from '../../support/temp-outdir';

/**
 * The invocation errors the failover report calls passing faults are the ones the state machines retry: CDK keeps its
 * `retryOnServiceExceptions` list to itself, so a CDK that changed it would change what the workflows retry without the
 * report knowing. Read from a task as a Lifeboat Lambda task is built (retryOnServiceExceptions, retryTransientErrors).
 */
it('names every Lambda invocation error a Lifeboat task retries, besides TransientError', () => {
  const stack = new Stack(new App({ outdir: tempOutdir() }), 'Errors');
  const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:111111111111:function:f');
  const task = new tasks.LambdaInvoke(stack, 'Task', { lambdaFunction: fn, retryOnServiceExceptions: true });
  retryTransientErrors(task);
  const retried = ((task.toStateJson() as { Retry?: { ErrorEquals: string[] }[] }).Retry ?? []).flatMap((retry) => retry.ErrorEquals);
  expect(retried.filter((name) => name !== 'TransientError').sort()).toEqual([...LAMBDA_INVOKE_PASSING_ERRORS].sort());
});
