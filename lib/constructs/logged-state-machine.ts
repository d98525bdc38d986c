import { type Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { type Construct } from 'constructs';
import { lifeboatLogGroup, workflowLogging } from './workflow-logging';

/**
 * A workflow's state machine as every Lifeboat workflow has it: X-Ray tracing, every event logged to
 * `/aws/vendedlogs/states/<name>` (the prefix Step Functions' log delivery may write to without a
 * resource policy per group) without the steps' inputs and outputs unless the protection's
 * `security.logExecutionData` asks for them (they carry requests, catalog records and error causes), in
 * a KMS-encrypted log group that is kept when the stack is deleted (workflow-logging.ts). Construct ids
 * `Logs` and `StateMachine` under `scope`, which the deployed stacks' logical ids carry.
 */
export function loggedStateMachine(
  scope: Construct,
  props: {
    stateMachineName: string;
    definition: sfn.IChainable;
    timeout: Duration;
    /** Whether the first state refuses an input that is no JSON object (a runbook an operator starts). @default true */
    objectInput?: boolean;
  },
): sfn.StateMachine {
  const logGroup = lifeboatLogGroup(scope, 'Logs', `/aws/vendedlogs/states/${props.stateMachineName}`);
  return new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineName: props.stateMachineName,
    definitionBody: sfn.DefinitionBody.fromChainable(props.objectInput === false ? props.definition : objectInputGuard(scope).otherwise(props.definition)),
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: workflowLogging(scope).includeExecutionData },
    timeout: props.timeout,
  });
}

/**
 * The failure path of a runbook: `Failure report` collects the caught error and cause with the request
 * and execution name, then `<failName>` fails the execution with that error's own name and message.
 * Catch into the returned state with `resultPath: '$.error'`.
 */
export function failureReport(scope: Construct, props: { reportComment: string; failName: string; failComment: string }): sfn.Pass {
  const report = new sfn.Pass(scope, 'Failure report', {
    comment: props.reportComment,
    parameters: { 'error.$': '$.error.Error', 'cause.$': '$.error.Cause', 'request.$': '$$.Execution.Input', 'execution.$': '$$.Execution.Name' },
    resultPath: '$.failure',
  });
  report.next(new sfn.Fail(scope, props.failName, { comment: props.failComment, errorPath: '$.failure.error', causePath: '$.failure.cause' }));
  return report;
}

/**
 * The first state of a runbook: an input that is no JSON object (`null`, `"x"`, `42`, `true`, a
 * non-empty array) is refused with InvalidInputError saying so. Without it the first step's Lambda
 * refused the input, but its Catch (`ResultPath: "$.error"`) could not merge the error into a
 * non-object, and the execution failed with States.ResultPathMatchFailure, the reason lost. An empty
 * array passes (Choice rules cannot tell it from an object) and still ends that way. A
 * `null` input the local executor does not get this far with: it fails reading `$` itself
 * (States.Runtime: "Path expression '$' does not point to a value"), which at least names the input.
 */
function objectInputGuard(scope: Construct): sfn.Choice {
  const refused = new sfn.Fail(scope, 'Input refused', {
    comment: 'The execution input is no JSON object: nothing ran.',
    error: 'InvalidInputError',
    cause: 'Invalid input: the execution input must be a JSON object, such as {} or {"plan": "daily"}: see docs/RUNBOOKS.md for each runbook\'s fields',
  });
  return new sfn.Choice(scope, 'Input is an object?', { comment: 'Refuses an input that is no JSON object before any step runs (its error could not be reported otherwise).' })
    .when(
      sfn.Condition.or(sfn.Condition.isNull('$'), sfn.Condition.isString('$'), sfn.Condition.isNumeric('$'), sfn.Condition.isBoolean('$'), sfn.Condition.isPresent('$[0]')),
      refused,
    );
}
