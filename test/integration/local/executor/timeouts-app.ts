import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type SynthesizedStack, synthesizedStackOf } from '../../../../local/assembly/synthesized-stack';

/** An inline Map of Tasks without TimeoutSeconds over a function with a 3 s timeout. */
export const QUEUED_MACHINE = 'lbtest-timeouts-queued';
/** An inline Map of Tasks with TimeoutSeconds 3 (and a Catch on States.TaskFailed) over a function with a 10 s timeout. */
export const BOUNDED_MACHINE = 'lbtest-timeouts-bounded';
/** One Task of a function whose module takes 1.5 s to load, with a 2 s timeout. */
export const SLOW_LOAD_MACHINE = 'lbtest-timeouts-slow-load';
/** One Task of a function whose module takes 2.5 s to load (more than its 2 s timeout, within AWS's 10 s init limit). */
export const SLOWER_LOAD_MACHINE = 'lbtest-timeouts-slower-load';
/** One Task with TimeoutSeconds 1 and Retry on States.Timeout twice, over a function with a 15 s timeout. */
export const RETRIED_MACHINE = 'lbtest-timeouts-retried';
/** One Task with TimeoutSeconds of 30 days (more than Node's longest timer), over the 3 s function. */
export const LONG_MACHINE = 'lbtest-timeouts-long';
/** One Task whose TimeoutSecondsPath is `$.timeoutSeconds`, over the 10 s function. */
export const PATH_MACHINE = 'lbtest-timeouts-path';
/** One startExecution.sync:2 Task with TimeoutSeconds of 30 days, over a child that waits 1 s. */
export const LONG_SYNC_MACHINE = 'lbtest-timeouts-long-sync';

/**
 * The state machines of the local executor's timeout tests, synthesized and bundled as the product's are:
 * plain `lambda.Function`s over a directory asset bundled beforehand (lib/constructs/lifeboat-function.ts).
 * The handler is bundled once for all five functions (a NodejsFunction would spawn esbuild for each);
 * the bundle goes beside `outdir`.
 */
export function synthesizeTimeoutsApp(outdir: string): SynthesizedStack {
  const bundleDir = path.join(path.dirname(outdir), 'timed-work-bundle');
  buildSync({
    entryPoints: [path.join(__dirname, 'timed-work-handler.ts')],
    outfile: path.join(bundleDir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    logLevel: 'warning',
  });
  const code = lambda.Code.fromAsset(bundleDir);
  // Without the CDK's built-in CloudFormation validation, as the local synth of the product (local/assembly/synthesize.ts).
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'LbTestTimeouts', { env: { account: '000000000000', region: 'us-east-1' } });
  const timed = (id: string, timeout: Duration, environment: Record<string, string> = {}) =>
    new lambda.Function(stack, id, { code, handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X, timeout, environment });
  const work = timed('Work', Duration.seconds(3));
  const patient = timed('Patient', Duration.seconds(10));
  const slowLoad = timed('SlowLoad', Duration.seconds(2), { LOAD_MS: '1500' });

  const queued = new sfn.Map(stack, 'Each item', { itemsPath: '$.items', resultPath: '$.results' });
  queued.itemProcessor(new tasks.LambdaInvoke(stack, 'Work on item', { lambdaFunction: work, payloadResponseOnly: true }));
  new sfn.StateMachine(stack, 'Queued', { stateMachineName: QUEUED_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(queued) });

  const bounded = new sfn.Map(stack, 'Each bounded item', { itemsPath: '$.items', resultPath: '$.results' });
  const boundedTask = new tasks.LambdaInvoke(stack, 'Bounded work', { lambdaFunction: patient, payloadResponseOnly: true, taskTimeout: sfn.Timeout.duration(Duration.seconds(3)) });
  // States.TaskFailed does not match States.Timeout (AWS): a timed-out task must fail the execution.
  boundedTask.addCatch(new sfn.Pass(stack, 'Task failed'), { errors: ['States.TaskFailed'] });
  bounded.itemProcessor(boundedTask);
  new sfn.StateMachine(stack, 'Bounded', { stateMachineName: BOUNDED_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(bounded) });

  const slow = new tasks.LambdaInvoke(stack, 'Slow to load', { lambdaFunction: slowLoad, payloadResponseOnly: true });
  new sfn.StateMachine(stack, 'SlowLoadMachine', { stateMachineName: SLOW_LOAD_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(slow) });

  const slowerLoad = timed('SlowerLoad', Duration.seconds(2), { LOAD_MS: '2500' });
  const slower = new tasks.LambdaInvoke(stack, 'Slower to load', { lambdaFunction: slowerLoad, payloadResponseOnly: true });
  new sfn.StateMachine(stack, 'SlowerLoadMachine', { stateMachineName: SLOWER_LOAD_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(slower) });

  const retried = new tasks.LambdaInvoke(stack, 'Retried work', {
    lambdaFunction: timed('Spinner', Duration.seconds(15)),
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(Duration.seconds(1)),
  });
  retried.addRetry({ errors: ['States.Timeout'], maxAttempts: 2, interval: Duration.seconds(1), backoffRate: 1 });
  new sfn.StateMachine(stack, 'Retried', { stateMachineName: RETRIED_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(retried) });

  const long = new tasks.LambdaInvoke(stack, 'Long-bounded work', { lambdaFunction: work, payloadResponseOnly: true, taskTimeout: sfn.Timeout.duration(Duration.days(30)) });
  new sfn.StateMachine(stack, 'Long', { stateMachineName: LONG_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(long) });

  const pathBounded = new tasks.LambdaInvoke(stack, 'Path-bounded work', { lambdaFunction: patient, payloadResponseOnly: true, taskTimeout: sfn.Timeout.at('$.timeoutSeconds') });
  new sfn.StateMachine(stack, 'PathBounded', { stateMachineName: PATH_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(pathBounded) });

  const child = new sfn.StateMachine(stack, 'WaitingChild', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Wait(stack, 'Wait a second', { time: sfn.WaitTime.duration(Duration.seconds(1)) })) });
  const startChild = new tasks.StepFunctionsStartExecution(stack, 'Start waiting child', {
    stateMachine: child,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    taskTimeout: sfn.Timeout.duration(Duration.days(30)),
  });
  new sfn.StateMachine(stack, 'LongSync', { stateMachineName: LONG_SYNC_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(startChild) });

  return synthesizedStackOf(app.synth().directory, stack);
}
