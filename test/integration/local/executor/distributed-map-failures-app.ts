import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type SynthesizedStack, synthesizedStackOf } from '../../../../local/assembly/synthesized-stack';

export const FAILURES_BUCKET = 'lbtest-dmap-failures';
/** A bucket the local cloud does not have: the ResultWriter's PutObject fails there. */
export const MISSING_BUCKET = 'lbtest-dmap-no-such-bucket';
/** The backup's shape: a distributed Map reading JSONL from S3 (Key.$, MaxItemsPerBatchPath), its failure caught by States.ALL. */
export const CAUGHT_READER_MACHINE = 'lbtest-dmap-caught-reader';
/** A distributed Map over input items whose ResultWriter writes to MISSING_BUCKET, its failure caught by States.ALL. */
export const CAUGHT_WRITER_MACHINE = 'lbtest-dmap-caught-writer';
/** A Pass state running States.StringToJson on the input's `text`. */
export const INTRINSIC_MACHINE = 'lbtest-intrinsic-failure';

/** The failure paths of distributed Maps (and of an intrinsic function), synthesized by CDK as a user's would be. */
export function synthesizeDistributedMapFailuresApp(outdir: string): SynthesizedStack {
  // ResultWriterV2 renders only with its feature flag, as in a new CDK app (cdk init sets it).
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true, '@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2': true }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'LbTestDistributedMapFailures', { env: { account: '000000000000', region: 'us-east-1' } });
  const fn = new NodejsFunction(stack, 'SumBatch', {
    entry: path.join(__dirname, '..', '..', '..', 'support', 'distributed-map-handler.ts'),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    timeout: Duration.minutes(1),
    bundling: { forceDockerBundling: false, format: OutputFormat.CJS, logLevel: LogLevel.WARNING },
  });
  const bucket = s3.Bucket.fromBucketName(stack, 'Items', FAILURES_BUCKET);
  const missing = s3.Bucket.fromBucketName(stack, 'Missing', MISSING_BUCKET);

  const reader = new sfn.DistributedMap(stack, 'Read shards', {
    itemReader: new sfn.S3JsonLItemReader({ bucket, key: sfn.JsonPath.stringAt('$.key') }),
    itemBatcher: new sfn.ItemBatcher({ maxItemsPerBatchPath: '$.perBatch' }),
    resultPath: sfn.JsonPath.DISCARD,
  });
  reader.itemProcessor(new tasks.LambdaInvoke(stack, 'Sum shard batch', { lambdaFunction: fn, payloadResponseOnly: true }));
  reader.addCatch(new sfn.Pass(stack, 'Record reader failure'), { errors: ['States.ALL'], resultPath: '$.error' });
  new sfn.StateMachine(stack, 'CaughtReader', { stateMachineName: CAUGHT_READER_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(reader) });

  const writer = new sfn.DistributedMap(stack, 'Write results', {
    itemsPath: '$.values',
    resultWriterV2: new sfn.ResultWriterV2({ bucket: missing, prefix: 'results' }),
    resultPath: '$.map',
  });
  writer.itemProcessor(new tasks.LambdaInvoke(stack, 'Echo value', { lambdaFunction: fn, payloadResponseOnly: true }));
  writer.addCatch(new sfn.Pass(stack, 'Record writer failure'), { errors: ['States.ALL'], resultPath: '$.error' });
  new sfn.StateMachine(stack, 'CaughtWriter', { stateMachineName: CAUGHT_WRITER_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(writer) });

  const parse = new sfn.Pass(stack, 'Parse text', { parameters: { 'parsed.$': 'States.StringToJson($.text)' } });
  new sfn.StateMachine(stack, 'Intrinsic', { stateMachineName: INTRINSIC_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(parse) });

  return synthesizedStackOf(app.synth().directory, stack);
}
