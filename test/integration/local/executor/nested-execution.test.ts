import * as path from 'node:path';
import { type LocalEndpoints } from '../../../../lambdas/runtime/local-endpoints';
import { type SynthesizedStack } from '../../../../local/assembly/synthesized-stack';
import { loadExecutionHistory } from '../../../../local/executor/execution-history';
import { runLocalExecution } from '../../../../local/executor/run-local-execution';
import { CHILD_MACHINE, PARENT_SYNC2_MACHINE, PARENT_SYNC_MACHINE, synthesizeNestedExecutionApp } from '../../../support/nested-execution-app';
import { tempDir } from '../../../support/local-cloud-helpers';

/** The local executor's startExecution.sync:2 / .sync (local/executor/nested-execution.ts) on CDK-synthesized definitions, against what AWS returns. */
const work = tempDir('nested-execution-out');
let stack: SynthesizedStack;

beforeAll(() => {
  stack = synthesizeNestedExecutionApp(path.join(work.dir, 'cdk.out'));
}, 120_000);
afterAll(() => work.remove());

// The child runs Lambda tasks only: no local cloud endpoint is called.
const endpoints: LocalEndpoints = { s3: {}, dynamodb: {} };
const run = (stateMachine: string, input: unknown) => runLocalExecution({ stack, stateMachine, input, endpoints, dataDir: work.dir, workers: 2 });
const CHILD_ARN = `arn:aws:states:us-east-1:000000000000:stateMachine:${CHILD_MACHINE}`;

it('.sync:2 runs the child to its end and returns its DescribeExecution with Input and Output as JSON, one child per Map iteration, each in its own history', async () => {
  const result = await run(PARENT_SYNC2_MACHINE, { values: [{ n: 1, fail: false }, { n: 2, fail: false }] });
  expect({ status: result.status, error: result.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
  const results = (result.output as { results: Record<string, unknown>[] }).results;
  expect(results).toHaveLength(2);
  for (const [i, described] of results.entries()) {
    expect(described).toMatchObject({
      Status: 'SUCCEEDED',
      StateMachineArn: CHILD_ARN,
      Output: { n: i + 1 },
      OutputDetails: { Included: true },
      Input: { n: i + 1, fail: false, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: `arn:aws:states:us-east-1:000000000000:execution:${PARENT_SYNC2_MACHINE}:${result.executionId}` },
      InputDetails: { Included: true },
    });
    expect(described.ExecutionArn).toBe(`arn:aws:states:us-east-1:000000000000:execution:${CHILD_MACHINE}:${String(described.Name)}`);
    expect(typeof described.StartDate).toBe('number');
    expect(described.StopDate as number).toBeGreaterThanOrEqual(described.StartDate as number);
    // The child is an execution of its own: its history is saved under its name, and the parent's history says it was submitted.
    expect(loadExecutionHistory(work.dir, String(described.Name))).toMatchObject({ stateMachine: CHILD_MACHINE, status: 'SUCCEEDED', output: { n: i + 1 } });
    expect(result.events.filter((e) => e.type === 'TaskSubmitted' && e.state === 'Start child').map((e) => (e.output as { ExecutionArn: string }).ExecutionArn)).toContain(described.ExecutionArn);
  }
}, 120_000);

it('a failed child fails the Task with States.TaskFailed and its DescribeExecution as the cause; the Catch passes on the child\'s own error and cause', async () => {
  const result = await run(PARENT_SYNC2_MACHINE, { values: [{ n: 7, fail: true }] });
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'ItemFailedError' });
  expect(JSON.parse(result.cause ?? '{}')).toMatchObject({ errorType: 'ItemFailedError', errorMessage: 'item 7 asked to fail' });
  const failed = result.events.find((e) => e.type === 'StateFailed' && e.state === 'Start child') ?? result.events.find((e) => e.error === 'States.TaskFailed');
  expect(failed?.error).toBe('States.TaskFailed');
  const described = JSON.parse(failed?.cause ?? '{}') as Record<string, unknown>;
  expect(described).toMatchObject({ Status: 'FAILED', Error: 'ItemFailedError', StateMachineArn: CHILD_ARN, Input: { n: 7, fail: true } });
  expect(described).not.toHaveProperty('Output');
  expect(JSON.parse(String(described.Cause))).toMatchObject({ errorMessage: 'item 7 asked to fail' });
}, 120_000);

it('.sync returns Input and Output as JSON text, and names the child execution as Name asks', async () => {
  const result = await run(PARENT_SYNC_MACHINE, { n: 3, name: 'child-by-name' });
  expect(result.status).toBe('SUCCEEDED');
  const described = result.output as Record<string, unknown>;
  expect(described).toMatchObject({ Name: 'child-by-name', Status: 'SUCCEEDED', Output: JSON.stringify({ n: 3 }), Input: JSON.stringify({ n: 3, name: 'child-by-name' }) });
  expect(loadExecutionHistory(work.dir, 'child-by-name').status).toBe('SUCCEEDED');
}, 120_000);
