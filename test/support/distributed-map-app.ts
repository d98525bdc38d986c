import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type SynthesizedStack, synthesizedStackOf } from '../../local/assembly/synthesized-stack';

export const DISTRIBUTED_MAP_BUCKET = 'lbtest-distributed-map';
export const FROM_S3_MACHINE = 'lbtest-distributed-from-s3';
export const FROM_INPUT_MACHINE = 'lbtest-distributed-from-input';
export const INLINE_CAUGHT_MACHINE = 'lbtest-inline-caught';

/**
 * Two state machines with a distributed Map each, synthesized by CDK as a user's would be: one reads
 * JSON Lines items from S3 (ItemReader), batches them with a BatchInput, bounds concurrency and
 * tolerated failures from the input and writes its results to S3 (ResultWriter); the other takes its
 * items from the input with an ItemSelector over $$.Map.Item.
 */
export function synthesizeDistributedMapApp(outdir: string): SynthesizedStack {
  // ResultWriterV2 renders only with its feature flag, as in a new CDK app (cdk init sets it).
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true, '@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2': true }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'LbTestDistributedMap', { env: { account: '000000000000', region: 'us-east-1' } });
  const fn = new NodejsFunction(stack, 'SumBatch', {
    entry: path.join(__dirname, 'distributed-map-handler.ts'),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    timeout: Duration.minutes(1),
    bundling: { forceDockerBundling: false, format: OutputFormat.CJS, logLevel: LogLevel.WARNING },
  });
  const bucket = s3.Bucket.fromBucketName(stack, 'Items', DISTRIBUTED_MAP_BUCKET);

  const fromS3 = new sfn.DistributedMap(stack, 'Sum batches', {
    itemReader: new sfn.S3JsonLItemReader({ bucket, key: sfn.JsonPath.stringAt('$.key') }),
    itemBatcher: new sfn.ItemBatcher({ maxItemsPerBatch: 2, batchInput: { 'tag.$': '$.tag' } }),
    maxConcurrencyPath: '$.concurrency',
    toleratedFailureCountPath: '$.tolerated',
    resultWriterV2: new sfn.ResultWriterV2({ bucket, prefix: 'results' }),
    mapExecutionType: sfn.StateMachineType.STANDARD,
    resultPath: '$.map',
  });
  fromS3.itemProcessor(new tasks.LambdaInvoke(stack, 'Sum batch', { lambdaFunction: fn, payloadResponseOnly: true }));
  new sfn.StateMachine(stack, 'FromS3', { stateMachineName: FROM_S3_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(fromS3) });

  const fromInput = new sfn.DistributedMap(stack, 'Number items', {
    itemsPath: '$.values',
    itemSelector: { 'n.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
    maxConcurrency: 3,
  });
  fromInput.itemProcessor(new tasks.LambdaInvoke(stack, 'Echo item', { lambdaFunction: fn, payloadResponseOnly: true }));
  new sfn.StateMachine(stack, 'FromInput', { stateMachineName: FROM_INPUT_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(fromInput) });

  // An inline Map, one iteration at a time, whose failure is caught: the queued iterations must not run after it.
  const inline = new sfn.Map(stack, 'One at a time', { itemsPath: '$.values', maxConcurrency: 1, resultPath: '$.results' });
  inline.itemProcessor(new tasks.LambdaInvoke(stack, 'Echo one', { lambdaFunction: fn, payloadResponseOnly: true }));
  inline.addCatch(new sfn.Pass(stack, 'Caught'), { resultPath: '$.error' });
  new sfn.StateMachine(stack, 'InlineCaught', { stateMachineName: INLINE_CAUGHT_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(inline) });

  return synthesizedStackOf(app.synth().directory, stack);
}
