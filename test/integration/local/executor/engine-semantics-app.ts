import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type SynthesizedStack, synthesizedStackOf } from '../../../../local/assembly/synthesized-stack';

/** An inline Map (MaxConcurrency 1) of one Task "Work on item", with a Retry of its own on States.ALL: a retry re-runs the whole Map. */
export const RETRIED_MAP_MACHINE = 'lbtest-engine-retried-map';
/** One Task "Throw" over the echo-or-throw function. */
export const THROW_MACHINE = 'lbtest-engine-throw';

/**
 * State machines on which the local executor must behave as Step Functions and Lambda do where
 * aws-local-stepfunctions or a plain worker would not. The handler is bundled beside `outdir` (as timeouts-app.ts).
 */
export function synthesizeEngineSemanticsApp(outdir: string): SynthesizedStack {
  const bundleDir = path.join(path.dirname(outdir), 'echo-or-throw-bundle');
  buildSync({ entryPoints: [path.join(__dirname, 'echo-or-throw-handler.ts')], outfile: path.join(bundleDir, 'index.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node24', logLevel: 'warning' });
  const code = lambda.Code.fromAsset(bundleDir);
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'LbTestEngineSemantics', { env: { account: '000000000000', region: 'us-east-1' } });
  const fn = new lambda.Function(stack, 'EchoOrThrow', { code, handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X, timeout: Duration.seconds(10) });
  const task = (id: string) => new tasks.LambdaInvoke(stack, id, { lambdaFunction: fn, payloadResponseOnly: true, retryOnServiceExceptions: false });

  const retried = new sfn.Map(stack, 'Retried map', { itemsPath: '$.items', maxConcurrency: 1 });
  retried.itemProcessor(task('Work on item'));
  retried.addRetry({ errors: ['States.ALL'], maxAttempts: 2, interval: Duration.seconds(1), backoffRate: 1 });
  new sfn.StateMachine(stack, 'RetriedMap', { stateMachineName: RETRIED_MAP_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(retried) });

  new sfn.StateMachine(stack, 'ThrowMachine', { stateMachineName: THROW_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(task('Throw')) });

  return synthesizedStackOf(app.synth().directory, stack);
}
