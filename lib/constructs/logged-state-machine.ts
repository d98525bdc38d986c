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
    definitionBody: sfn.DefinitionBody.fromChainable(props.objectInput === false ? props.definition : objectInputGuard(scope, props.definition)),
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
 * The first states of a runbook: an input that is no JSON object (`null`, `"x"`, `42`, `true`, `[]`,
 * `[…]`) is refused with InvalidInputError saying so, and an object goes on to `next` unchanged.
 * Without them the first step's Lambda refused the input, but its Catch (`ResultPath: "$.error"`) could
 * not merge the error into a non-object, and the execution failed with States.ResultPathMatchFailure,
 * the reason lost.
 *
 * Why the input is tested as JSON text and not with Choice type rules: no Choice rule tells `[]` from
 * `{}` (neither has `$[0]`, and there is no "is object" or "is array" rule), but the JSON text of an
 * object, and of nothing else, starts with `{`. `States.JsonToString` writes the JSON text of whatever
 * data its path selects (Amazon States Language, "Intrinsic functions"), and the Pass carries the input
 * beside it as `input`, which the Choice's OutputPath hands on: `next` gets the very object, nothing
 * added (later states read `$` and `$$.Execution.Input` alike). Both read `$$.Execution.Input`, which is
 * `$` here (the first state), because the local executor (aws-local-stepfunctions) cannot select `$`
 * when the input is `null`, `0` or `false` and fails with States.Runtime before any rule is tested. The
 * price: the input is held twice in one state's output, so an input over about half of Step Functions'
 * 256 KiB payload limit fails with States.DataLimitExceeded here; runbook inputs are a few fields.
 */
function objectInputGuard(scope: Construct, next: sfn.IChainable): sfn.IChainable {
  const executionInput = '$$.Execution.Input';
  const asJsonText = new sfn.Pass(scope, 'Input as JSON text', {
    comment: 'The execution input and its JSON text, for the object test that follows.',
    parameters: { input: sfn.JsonPath.objectAt(executionInput), json: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt(executionInput)) },
  });
  const refused = new sfn.Fail(scope, 'Input refused', {
    comment: 'The execution input is no JSON object: nothing ran.',
    error: 'InvalidInputError',
    cause: 'Invalid input: the execution input must be a JSON object, such as {} or {"plan": "daily"}: see docs/RUNBOOKS.md for each runbook\'s fields',
  });
  const isObject = new sfn.Choice(scope, 'Input is an object?', {
    comment: 'Refuses an input that is no JSON object before any step runs (its error could not be reported otherwise); an object goes on as it came.',
    outputPath: '$.input',
  })
    .when(sfn.Condition.not(sfn.Condition.stringMatches('$.json', '{*')), refused)
    .otherwise(next);
  return asJsonText.next(isObject);
}
