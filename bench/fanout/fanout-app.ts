import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type SynthesizedStack, synthesizedStackOf } from '../../local/assembly/synthesized-stack';

export const FANOUT_STATE_MACHINE = 'lifeboat-bench-fanout';

/**
 * A minimal app for measuring the local executor's fan-out: a Map over CPU-bound shards, synthesized
 * and bundled exactly as the product's stacks are (NodejsFunction, local esbuild), so the figure is
 * the executor's and not a toy runner's.
 */
export function synthesizeFanoutApp(outdir: string): SynthesizedStack {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'LifeboatBenchFanout', { env: { account: '000000000000', region: 'us-east-1' } });
  const burn = new NodejsFunction(stack, 'BurnCpu', {
    entry: path.join(__dirname, 'burn-cpu-handler.ts'),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    timeout: Duration.minutes(5),
    bundling: { forceDockerBundling: false, format: OutputFormat.CJS, logLevel: LogLevel.WARNING },
  });
  const map = new sfn.Map(stack, 'Burn shards', { itemsPath: '$.shards', maxConcurrency: 16 });
  map.itemProcessor(new tasks.LambdaInvoke(stack, 'Burn shard', { lambdaFunction: burn, payloadResponseOnly: true }));
  new sfn.StateMachine(stack, 'FanOut', { stateMachineName: FANOUT_STATE_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(map) });
  return synthesizedStackOf(app.synth().directory, stack);
}
