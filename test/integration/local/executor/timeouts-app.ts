import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type CfnTemplate, type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';

/** An inline Map of Tasks without TimeoutSeconds over a function with a 3 s timeout. */
export const QUEUED_MACHINE = 'lbtest-timeouts-queued';
/** An inline Map of Tasks with TimeoutSeconds 2 (and a Catch on States.TaskFailed) over a function with a 10 s timeout. */
export const BOUNDED_MACHINE = 'lbtest-timeouts-bounded';
/** One Task of a function whose module takes 1.5 s to load, with a 2 s timeout. */
export const SLOW_LOAD_MACHINE = 'lbtest-timeouts-slow-load';

/** The state machines of the local executor's timeout tests, synthesized and bundled as the product's are. */
export function synthesizeTimeoutsApp(outdir: string): SynthesizedStack {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'LbTestTimeouts', { env: { account: '000000000000', region: 'us-east-1' } });
  const timed = (id: string, timeout: Duration, environment: Record<string, string> = {}) =>
    new NodejsFunction(stack, id, {
      entry: path.join(__dirname, 'timed-work-handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      timeout,
      environment,
      bundling: { forceDockerBundling: false, format: OutputFormat.CJS, logLevel: LogLevel.WARNING },
    });
  const work = timed('Work', Duration.seconds(3));
  const patient = timed('Patient', Duration.seconds(10));
  const slowLoad = timed('SlowLoad', Duration.seconds(2), { LOAD_MS: '1500' });

  const queued = new sfn.Map(stack, 'Each item', { itemsPath: '$.items', resultPath: '$.results' });
  queued.itemProcessor(new tasks.LambdaInvoke(stack, 'Work on item', { lambdaFunction: work, payloadResponseOnly: true }));
  new sfn.StateMachine(stack, 'Queued', { stateMachineName: QUEUED_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(queued) });

  const bounded = new sfn.Map(stack, 'Each bounded item', { itemsPath: '$.items', resultPath: '$.results' });
  const boundedTask = new tasks.LambdaInvoke(stack, 'Bounded work', { lambdaFunction: patient, payloadResponseOnly: true, taskTimeout: sfn.Timeout.duration(Duration.seconds(2)) });
  // States.TaskFailed does not match States.Timeout (AWS): a timed-out task must fail the execution.
  boundedTask.addCatch(new sfn.Pass(stack, 'Task failed'), { errors: ['States.TaskFailed'] });
  bounded.itemProcessor(boundedTask);
  new sfn.StateMachine(stack, 'Bounded', { stateMachineName: BOUNDED_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(bounded) });

  const slow = new tasks.LambdaInvoke(stack, 'Slow to load', { lambdaFunction: slowLoad, payloadResponseOnly: true });
  new sfn.StateMachine(stack, 'SlowLoadMachine', { stateMachineName: SLOW_LOAD_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(slow) });

  const assembly = app.synth();
  return {
    stackName: stack.stackName,
    role: 'primary',
    account: '000000000000',
    region: 'us-east-1',
    template: JSON.parse(readFileSync(path.join(assembly.directory, stack.templateFile), 'utf8')) as CfnTemplate,
    assemblyDir: path.resolve(assembly.directory),
  };
}
