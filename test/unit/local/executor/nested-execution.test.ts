import { type ChildExecutionRunner, InvalidNestedExecutionError, NestedExecutionFailed, nestedExecutionIntegration, runNestedExecution } from '../../../../local/executor/nested-execution';

/** The startExecution.sync(:2) answer of the local executor (nested-execution.ts), with the child run injected. */
const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:child';
const times = { startedAt: '2026-01-01T00:00:00.000Z', stoppedAt: '2026-01-01T00:00:02.500Z' };

function runner(result: Partial<Awaited<ReturnType<ChildExecutionRunner>>>): { run: ChildExecutionRunner; calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    run: (arn, input, name) => {
      calls.push([arn, input, name]);
      return Promise.resolve({ executionId: name, stateMachineArn: arn, status: 'SUCCEEDED', ...times, ...result });
    },
  };
}

it('recognises only the .sync and .sync:2 StartExecution tasks', () => {
  expect(nestedExecutionIntegration({ Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync:2' })).toBe('sync:2');
  expect(nestedExecutionIntegration({ Type: 'Task', Resource: 'arn:aws-cn:states:::states:startExecution.sync' })).toBe('sync');
  expect(nestedExecutionIntegration({ Type: 'Task', Resource: 'arn:aws:states:::states:startExecution' })).toBeUndefined();
  expect(nestedExecutionIntegration({ Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.waitForTaskToken' })).toBeUndefined();
});

it('.sync:2: the DescribeExecution of the child, Input and Output parsed, dates in epoch milliseconds; Input given as text is parsed first', async () => {
  const { run, calls } = runner({ output: { report: 1 } });
  const out = await runNestedExecution('Restore source', 'sync:2', { StateMachineArn: ARN, Input: '{"a":1}', Name: 'named' }, run);
  expect(calls).toEqual([[ARN, { a: 1 }, 'named']]);
  expect(out).toEqual({
    ExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:child:named',
    Input: { a: 1 },
    InputDetails: { Included: true },
    Name: 'named',
    Output: { report: 1 },
    OutputDetails: { Included: true },
    StartDate: Date.parse(times.startedAt),
    StateMachineArn: ARN,
    Status: 'SUCCEEDED',
    StopDate: Date.parse(times.stoppedAt),
  });
});

it('.sync: Input and Output as JSON text; no Input is {} and no Name a UUID', async () => {
  const { run, calls } = runner({ output: [1, 2] });
  const out = (await runNestedExecution('T', 'sync', { StateMachineArn: ARN }, run)) as Record<string, unknown>;
  expect(calls[0]?.[1]).toEqual({});
  expect(calls[0]?.[2]).toMatch(/^[0-9a-f-]{36}$/);
  expect({ Input: out.Input, Output: out.Output }).toEqual({ Input: '{}', Output: '[1,2]' });
});

it('a child that did not succeed fails the task with States.TaskFailed, the cause its DescribeExecution with Error and Cause, without Output', async () => {
  const { run } = runner({ status: 'FAILED', error: 'SnapshotMismatchError', cause: 'entry a/b differs' });
  const failure = await runNestedExecution('T', 'sync:2', { StateMachineArn: ARN, Input: { x: 1 } }, run).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(NestedExecutionFailed);
  expect((failure as Error).name).toBe('States.TaskFailed');
  const described = JSON.parse((failure as Error).message) as Record<string, unknown>;
  expect(described).toMatchObject({ Status: 'FAILED', Error: 'SnapshotMismatchError', Cause: 'entry a/b differs', Input: { x: 1 } });
  expect(described).not.toHaveProperty('Output');
  // A timed-out child has no error of its own to pass on.
  const timedOut = await runNestedExecution('T', 'sync:2', { StateMachineArn: ARN }, runner({ status: 'TIMED_OUT' }).run).catch((err: unknown) => err);
  expect(JSON.parse((timedOut as Error).message)).toMatchObject({ Status: 'TIMED_OUT' });
  expect(JSON.parse((timedOut as Error).message)).not.toHaveProperty('Error');
});

it('refuses a request that is not a StartExecution, naming the state and the field', async () => {
  const { run } = runner({});
  await expect(runNestedExecution('Restore source', 'sync:2', { StateMachineArn: 'child' }, run)).rejects.toThrow(new InvalidNestedExecutionError('Restore source', 'StateMachineArn must be a state machine ARN, got "child"'));
  await expect(runNestedExecution('Restore source', 'sync:2', { StateMachineArn: ARN, Input: '{nope' }, run)).rejects.toThrow(/Task "Restore source" \(states:startExecution\): Input is text that is not JSON/);
  await expect(runNestedExecution('Restore source', 'sync:2', { StateMachineArn: ARN, Name: 'has space' }, run)).rejects.toThrow(/Name must be 1 to 80 letters/);
});
