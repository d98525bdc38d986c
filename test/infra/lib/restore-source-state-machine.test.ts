import { Template } from 'aws-cdk-lib/assertions';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { FAILURE_REPORT_STATE } from '../../../cli/failure-report-input';
import { FAILURE_CAUSE_STATE_BYTES } from '../../../config/parent-state-size';
import { UNBOUNDED_CAUSE } from '../../../lib/constructs/restore-source-chain';
import { loadLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { NestedExecutionFailed } from '../../../local/executor/nested-execution';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { synthesizeApp } from './synth-app';

/**
 * The drill and the failover restore each source as a child execution of their restore-source state machine
 * (startExecution.sync:2), whose Restore shards is a Distributed Map at the top of its definition; the parent's
 * role may start exactly that child and watch its executions. cdk-nag runs over the whole app (synth fails on a finding).
 */
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const synth = synthesizeApp((app) => buildLifeboatApp(app, config), { nag: true });
const dev = synth.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const devConfig = config.environments.find((e) => e.name === 'dev');
if (!devConfig) throw new Error('no dev environment');
const names = resourceNames(devConfig);
const primary = Template.fromStack(dev.primary);
const dr = Template.fromStack(dev.dr);

type Machine = { logicalId: string; definition: AslDoc; roleId: string };
type AslDoc = { StartAt: string; States: Record<string, Record<string, unknown>> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** The state machine by name, its definition with the CloudFormation references left as `<ref>` text. */
function machine(template: Template, name: string): Machine {
  const [entry] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: name } }));
  if (!entry) throw new Error(`no state machine ${name}`);
  const [logicalId, resource] = entry;
  const join = (resource.Properties?.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = join[1].map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part).replace(/"/g, "'")}>`)).join('');
  const roleId = (resource.Properties?.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return { logicalId, definition: JSON.parse(text) as AslDoc, roleId };
}

function statementsOfRole(template: Template, roleId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties?.Roles).includes(`"${roleId}"`))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

type Retrier = { ErrorEquals: string[]; IntervalSeconds?: number; BackoffRate?: number; MaxAttempts?: number; MaxDelaySeconds?: number };
type TaskState = { Resource: string; Parameters?: { FunctionName?: string }; Retry?: Retrier[]; TimeoutSeconds?: number };

/** Errors raised before the function runs (refused or failed invocations): their retries cost only their waits. */
const NOT_RUN = /^Lambda\.(TooManyRequestsException|ServiceException|AWSLambdaException|SdkClientException|ClientExecutionTimeoutException)$/;

/**
 * The longest a Lambda task of a parent may take, as read from the template: each attempt that may run the function
 * runs it to its Timeout, every retrier waits its whole backoff, and a task's own wait (an approval) passes once.
 */
function worstCaseSeconds(template: Template, name: string, state: TaskState): number {
  // A payload-only task names the function as its Resource; an approval's (.waitForTaskToken) in its Parameters.
  const functionId = /GetAtt':\['([^']+)'/.exec(/:states:::lambda:invoke/.test(state.Resource) ? (state.Parameters?.FunctionName ?? '') : state.Resource)?.[1];
  const fn = functionId === undefined ? undefined : template.toJSON().Resources[functionId];
  const functionTimeout = (fn?.Properties as { Timeout?: number } | undefined)?.Timeout;
  if (functionTimeout === undefined) throw new Error(`${name}: no function timeout`);
  let runs = 1;
  let waits = 0;
  for (const retrier of state.Retry ?? []) {
    const attempts = retrier.MaxAttempts ?? 3;
    if (!retrier.ErrorEquals.every((error) => NOT_RUN.test(error))) runs += attempts;
    for (let k = 0; k < attempts; k++) waits += Math.min((retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** k, retrier.MaxDelaySeconds ?? Infinity);
  }
  return runs * functionTimeout + waits + (state.TimeoutSeconds ?? 0);
}

it('synthesizes with cdk-nag AwsSolutions and no unacknowledged finding', () => {
  expect(synth.violations()).toEqual([]);
});

/**
 * The drill's and the failover's iterations run those states as the one branch of a Parallel whose Catch turns a
 * source's failure into its item (both report every source, audit R22 F2 for the failover).
 */
function iterationOf(map: { ItemProcessor: AslDoc }, perSourceCatch: boolean): AslDoc {
  if (!perSourceCatch) return map.ItemProcessor;
  expect(map.ItemProcessor.StartAt).toBe('Restore and verify source');
  const parallel = map.ItemProcessor.States['Restore and verify source'] as { Type: string; Branches: AslDoc[]; OutputPath: string; Catch: unknown };
  expect(parallel).toMatchObject({ Type: 'Parallel', OutputPath: '$[0]', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Source not restored' }] });
  expect(map.ItemProcessor.States['Source not restored']).toMatchObject({
    Type: 'Pass',
    Parameters: { 'source.$': '$.request.source', 'target.$': '$.request.target', failed: true, 'error.$': '$.error' },
    End: true,
  });
  expect(Object.keys(map.ItemProcessor.States).sort()).toEqual(['Restore and verify source', 'Source not restored']);
  expect(parallel.Branches).toHaveLength(1);
  return parallel.Branches[0] as AslDoc;
}

describe.each([
  ['primary drill', () => primary, names.drillStateMachine, names.drillRestoreSourceStateMachine, true],
  ['DR drill', () => dr, names.drillStateMachine, names.drillRestoreSourceStateMachine, true],
  ['failover', () => dr, names.failoverStateMachine, names.failoverRestoreSourceStateMachine, true],
] as const)('the %s', (_, template, parentName, childName, perSourceCatch) => {
  it('runs Restore sources over one Restore source task per source: startExecution.sync:2 of the child with the item\'s request and restore id, its result the child\'s Output', () => {
    const parent = machine(template(), parentName);
    const child = machine(template(), childName);
    const map = parent.definition.States['Restore sources'] as { ItemProcessor: AslDoc; ItemsPath: string; ItemSelector: unknown };
    // Each iteration gets its item and the number of sources, whose reports share the parent's state (review r58I F2).
    expect(map.ItemSelector).toEqual({ 'request.$': '$$.Map.Item.Value.request', 'restoreId.$': '$$.Map.Item.Value.restoreId', 'sources.$': `States.ArrayLength(${map.ItemsPath})` });
    const iteration = iterationOf(map, perSourceCatch);
    expect(iteration.StartAt).toBe('Restore source');
    const task = iteration.States['Restore source'] as { Resource: string; Parameters: Record<string, unknown>; OutputPath: string; Catch: { ErrorEquals: string[]; Next: string }[] };
    expect(task.Resource).toMatch(/:states:::states:startExecution\.sync:2$/);
    expect(task.Parameters).toEqual({
      StateMachineArn: `<{'Ref':'${child.logicalId}'}>`,
      Input: { 'request.$': '$.request', 'restoreId.$': '$.restoreId', 'sources.$': '$.sources', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
    });
    expect(task.OutputPath).toBe('$.Output');
    // A failed child: its DescribeExecution (the cause) parsed, and the iteration fails with the child's own error and cause.
    expect(task.Catch).toEqual([{ ErrorEquals: ['States.TaskFailed'], Next: 'Child failure' }]);
    expect(iteration.States['Child failure']).toMatchObject({ Type: 'Pass', Parameters: { 'execution.$': 'States.StringToJson($.Cause)' } });
    expect(iteration.States['Source failed']).toMatchObject({ Type: 'Fail', ErrorPath: '$.execution.Error', CausePath: '$.execution.Cause' });
    // No shard of any restore runs in the parent: no Lambda task of the restore chain is left in it.
    expect(Object.keys(iteration.States).sort()).toEqual(['Child failure', 'Child has a cause?', 'Child has an error?', 'Child stopped?', 'Restore source', 'Source failed', 'Source not finished']);
  });

  // Review r59A F1: every failed source's cause is kept in the parent's state, which the model counts within
  // FAILURE_CAUSE_STATE_BYTES; a child stopped by hand carries StopExecution's own cause (up to 32,768 characters).
  it.each([
    ['stopped by hand with a long cause', { Status: 'ABORTED', Error: 'Operator', Cause: 'x'.repeat(32_768) }, 'RestoreSourceNotFinished', 'timed out or was stopped'],
    ['failed with its own bounded cause', { Status: 'FAILED', Error: 'RestoreVerificationError', Cause: '{"errorType":"RestoreVerificationError","errorMessage":"1 of 1 entries differ"}' }, 'RestoreVerificationError', '1 of 1 entries differ'],
  ])('a child %s: the source\'s item has the error to report, its cause bounded', async (_label, ending, error, causeSays) => {
    const parent = machine(template(), parentName);
    const map = parent.definition.States['Restore sources'] as { ItemProcessor: AslDoc };
    const description = { ExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:child:r1', Name: 'r1', StartDate: 0, StopDate: 1, ...ending };
    const processor = { StartAt: map.ItemProcessor.StartAt, States: map.ItemProcessor.States };
    const iteration = new StateMachine(processor as unknown as StateMachineDefinition, { validationOptions: { checkArn: false, checkPaths: false } });
    const childEnded = (): Promise<never> => Promise.reject(new NestedExecutionFailed(description));
    const item = { request: { source: 'src', target: { type: 's3', bucket: 'b', prefix: '' } }, restoreId: 'r1', sources: 1 };
    const run = iteration.run(item, { overrides: { taskResourceLocalHandlers: { 'Restore source': childEnded } }, context: { Execution: { Id: 'arn:aws:states:us-east-1:000000000000:execution:parent:p1' } } });
    const result = (await run.result) as { failed: boolean; error: { Error: string; Cause: string } };
    expect(result).toMatchObject({ failed: true, error: { Error: error } });
    expect(result.error.Cause).toContain(causeSays);
    expect(Buffer.byteLength(JSON.stringify(result.error.Cause), 'utf8')).toBeLessThanOrEqual(FAILURE_CAUSE_STATE_BYTES);
  });

  it('times a restore out before the parent, by all its other steps may take, so a too long restore still reaches the parent\'s Catch (audit h1-1)', () => {
    const parent = machine(template(), parentName);
    const child = machine(template(), childName);
    const parentTimeout = (parent.definition as AslDoc & { TimeoutSeconds: number }).TimeoutSeconds;
    const childTimeout = (child.definition as AslDoc & { TimeoutSeconds: number }).TimeoutSeconds;
    const others = Object.entries(parent.definition.States).filter(([name, state]) => name !== 'Restore sources' && state.Type === 'Task');
    expect(others.length).toBeGreaterThanOrEqual(parentName === names.drillStateMachine ? 4 : 3);
    const budget = others.reduce((total, [name, state]) => total + worstCaseSeconds(template(), name, state as TaskState), 0);
    expect(childTimeout).toBeGreaterThan(0);
    expect(parentTimeout - childTimeout).toBeGreaterThanOrEqual(budget);
  });

  it('has a child of its own whose Restore shards is a Distributed Map over the shard manifest, at the top of its definition', () => {
    const child = machine(template(), childName);
    // The object guard, the count of sources (40 when a parent deployed before it gives none: review r58I F2), then
    // request and restoreId present (audit h6-2), then the restore.
    expect(child.definition.StartAt).toBe('Input as JSON text');
    expect(child.definition.States['Input is an object?']?.Default).toBe('Source count given?');
    expect(child.definition.States['Source count given?']).toMatchObject({ Choices: [{ Variable: '$.sources', IsPresent: true, Next: 'Request given?' }], Default: 'Source count of 40' });
    expect(child.definition.States['Source count of 40']).toMatchObject({ Type: 'Pass', Result: 40, ResultPath: '$.sources', Next: 'Request given?' });
    expect(child.definition.States['Request given?']).toMatchObject({ Choices: [{ Variable: '$.request', IsPresent: true, Next: 'Restore id given?' }], Default: 'No request' });
    expect(child.definition.States['Restore id given?']).toMatchObject({ Choices: [{ Variable: '$.restoreId', IsPresent: true, Next: 'Validate and resolve' }], Default: 'No restoreId' });
    expect(child.definition.States['No restoreId']).toMatchObject({ Type: 'Fail', Error: 'InvalidInputError', Cause: expect.stringContaining(`start ${parentName} instead`) });
    const shards = child.definition.States['Restore shards'] as { Type: string; ItemProcessor: { ProcessorConfig: unknown }; ItemReader: { ReaderConfig: unknown } };
    expect(shards.Type).toBe('Map');
    expect(shards.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(shards.ItemReader.ReaderConfig).toEqual({ InputType: 'JSONL' });
    // execution: the child's own, to which a failover child binds its failover's grant (audit h6-1); with startedAt, the
    // claim is the execution's, which only it takes over and releases (review rR F1, F2).
    expect(child.definition.States['Validate and resolve']?.Parameters).toEqual({ 'request.$': '$.request', 'restoreId.$': '$.restoreId', 'execution.$': '$$.Execution.Id', 'startedAt.$': '$$.Execution.StartTime' });
    expect(child.definition.States['Release restore']?.Parameters).toEqual({ 'request.$': '$.request', 'restoreId.$': '$.restoreId', 'execution.$': '$$.Execution.Id', 'startedAt.$': '$$.Execution.StartTime', 'error.$': '$.error' });
    expect(child.definition.States['Plan restore shards']?.Parameters).toEqual({ 'resolved.$': '$.resolved', shardMap: 'distributed' });
    expect(child.definition.States['Source restored']).toMatchObject({ Type: 'Succeed', OutputPath: '$.report' });
    // Its report is one item of the parent's $.restored, beside every other source's: its lists bounded for that (review f58O),
    // to its share of them by the number of sources (review r58I F2).
    expect(child.definition.States['Verify restore']?.Parameters).toEqual({ 'planKey.$': '$.plan.planKey', reportIn: 'parent-state', 'reportSources.$': '$.sources' });
  });

  it('lets the parent start exactly its child, describe and stop the child\'s executions, and manage the .sync rule; nothing else of Step Functions or EventBridge', () => {
    const parent = machine(template(), parentName);
    const child = machine(template(), childName);
    const statements = statementsOfRole(template(), parent.roleId).filter((s) => actionsOf(s).some((a) => /^(states|events):/.test(a)));
    const rendered = statements.map((s) => ({ actions: actionsOf(s).sort(), resource: JSON.stringify(s.Resource) }));
    expect(rendered).toHaveLength(3);
    expect(rendered[0]).toEqual({ actions: ['states:StartExecution'], resource: JSON.stringify({ Ref: child.logicalId }) });
    expect(rendered[1]?.actions).toEqual(['states:DescribeExecution', 'states:StopExecution']);
    expect(rendered[1]?.resource).toContain(':execution:');
    // execution:<the child's name, from its ARN>* — CDK's scoping for .sync (the executions' names are made at run time).
    expect(rendered[1]?.resource).toContain(`{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${child.logicalId}"}]}]},"*"`);
    expect(rendered[2]).toEqual({ actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'], resource: expect.stringContaining(':rule/StepFunctionsGetEventsForStepFunctionsExecutionRule') as unknown as string });
    // The parent no longer invokes the restore functions; the child does.
    const invokes = (roleId: string) => statementsOfRole(template(), roleId).filter((s) => actionsOf(s).includes('lambda:InvokeFunction')).length;
    expect(invokes(child.roleId)).toBeGreaterThan(0);
    expect(JSON.stringify(statementsOfRole(template(), parent.roleId))).not.toMatch(/RestoreShard|PlanRestore|VerifyRestore|ResolveRestore/);
  });
});

it('after a cleanup that failed, Bound restore\'s error is given its error to say so; if it fails too, a drill\'s child puts the fixed cause in, the runbook keeps the error whole (review r59K F2, F3)', () => {
  const child = machine(primary, names.drillRestoreSourceStateMachine);
  const runbook = machine(primary, names.restoreStateMachine);
  for (const m of [child, runbook]) expect(m.definition.States['Bound restore\'s error']?.Parameters).toEqual({ 'error.$': '$.error', 'cleanupError.$': '$.abandonError.Error' });
  const catchOf = (m: Machine) => (m.definition.States['Bound restore\'s error']?.Catch as { Next: string; ResultPath: string }[] | undefined)?.map((c) => [c.Next, c.ResultPath]);
  expect(catchOf(child)).toEqual([['Restore\'s error not bounded', '$.boundError']]);
  expect(child.definition.States['Restore\'s error not bounded']).toMatchObject({ Type: 'Pass', Parameters: { 'Error.$': '$.error.Error', Cause: UNBOUNDED_CAUSE }, ResultPath: '$.error' });
  expect(catchOf(runbook)).toEqual([['Failure report', '$.boundError']]);
  expect(runbook.definition.States['Restore\'s error not bounded']).toBeUndefined();
});

it('the runbook reaches the step the CLI reads with the cleanup\'s error at $.abandonError when its cleanup and Bound restore\'s error both failed (review r60E F2)', () => {
  const runbook = machine(primary, names.restoreStateMachine);
  const catches = (state: string) => (runbook.definition.States[state]?.Catch as { ErrorEquals: string[]; Next: string; ResultPath: string }[] | undefined)?.map((c) => [c.ErrorEquals, c.Next, c.ResultPath]);
  // Either cleanup step's failure after its retries is kept at $.abandonError, and Bound restore's error's beside it:
  // neither replaces the state, so the Failure report step (cli/failure-report-input.ts) is entered with both.
  for (const cleanup of ['Abandon restore', 'Release restore']) expect(catches(cleanup)).toEqual([[['States.ALL'], 'Bound restore\'s error', '$.abandonError']]);
  expect(catches('Bound restore\'s error')).toEqual([[['States.ALL'], FAILURE_REPORT_STATE, '$.boundError']]);
  expect(runbook.definition.States[FAILURE_REPORT_STATE]).toMatchObject({ Type: 'Pass', ResultPath: '$.failure', Next: 'Restore failed' });
});
