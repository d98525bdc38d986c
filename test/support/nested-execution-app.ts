import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { type CfnTemplate, type SynthesizedStack } from '../../local/assembly/synthesized-stack';

export const CHILD_MACHINE = 'lbtest-nested-child';
export const PARENT_SYNC2_MACHINE = 'lbtest-nested-parent-sync2';
export const PARENT_SYNC_MACHINE = 'lbtest-nested-parent-sync';

/**
 * A child state machine (one Lambda task: echoes `{ n, index }`, or fails with ItemFailedError for
 * `fail: true`; distributed-map-handler.ts) and two parents that start it and wait, as a user's CDK app
 * would: one with startExecution.sync:2 inside a Map over `$.values`, whose Catch parses the child's
 * DescribeExecution from the cause (States.StringToJson) as the drill's and failover's do; one with .sync.
 */
export function synthesizeNestedExecutionApp(outdir: string): SynthesizedStack {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'LbTestNested', { env: { account: '000000000000', region: 'us-east-1' } });
  const fn = new NodejsFunction(stack, 'Echo', {
    entry: path.join(__dirname, 'distributed-map-handler.ts'),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    timeout: Duration.minutes(1),
    bundling: { forceDockerBundling: false, format: OutputFormat.CJS, logLevel: LogLevel.WARNING },
  });
  const child = new sfn.StateMachine(stack, 'Child', {
    stateMachineName: CHILD_MACHINE,
    definitionBody: sfn.DefinitionBody.fromChainable(new tasks.LambdaInvoke(stack, 'Echo item', { lambdaFunction: fn, payloadResponseOnly: true })),
  });

  const start = new tasks.StepFunctionsStartExecution(stack, 'Start child', {
    stateMachine: child,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    input: sfn.TaskInput.fromObject({ 'n.$': '$.n', 'fail.$': '$.fail' }),
    associateWithParent: true,
  });
  const parsed = new sfn.Pass(stack, 'Parse child', { parameters: { 'execution.$': 'States.StringToJson($.Cause)' } });
  start.addCatch(parsed.next(new sfn.Fail(stack, 'Child failed', { errorPath: '$.execution.Error', causePath: '$.execution.Cause' })), { errors: ['States.TaskFailed'] });
  const each = new sfn.Map(stack, 'Each value', { itemsPath: '$.values', resultPath: '$.results' }).itemProcessor(start);
  new sfn.StateMachine(stack, 'ParentSync2', { stateMachineName: PARENT_SYNC2_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(each) });

  const startSync = new tasks.StepFunctionsStartExecution(stack, 'Start child (sync)', {
    stateMachine: child,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    input: sfn.TaskInput.fromJsonPathAt('$'),
    name: sfn.JsonPath.stringAt('$.name'),
  });
  new sfn.StateMachine(stack, 'ParentSync', { stateMachineName: PARENT_SYNC_MACHINE, definitionBody: sfn.DefinitionBody.fromChainable(startSync) });

  const assembly = app.synth();
  const template = JSON.parse(readFileSync(path.join(assembly.directory, stack.templateFile), 'utf8')) as CfnTemplate;
  // The .sync parent: the same Task with the older resource (CDK writes only .sync:2 for RUN_JOB).
  for (const resource of Object.values(template.Resources ?? {})) {
    const props = resource.Properties as { StateMachineName?: string; DefinitionString?: unknown } | undefined;
    if (props?.StateMachineName === PARENT_SYNC_MACHINE) props.DefinitionString = JSON.parse(JSON.stringify(props.DefinitionString).replace(/startExecution\.sync:2/g, 'startExecution.sync'));
  }
  return { stackName: stack.stackName, role: 'primary', account: '000000000000', region: 'us-east-1', template, assemblyDir: path.resolve(assembly.directory) };
}
