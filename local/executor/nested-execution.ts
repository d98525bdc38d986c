import { randomUUID } from 'node:crypto';
import { type AslState } from './state-machine-definition';

/**
 * Step Functions' own integration `arn:aws:states:::states:startExecution.sync:2` (and `.sync`), run
 * locally (docs/LOCAL-CLOUD.md, "Nested executions"): the Task starts an execution of another state
 * machine of the same stack and waits for it to end. aws-local-stepfunctions knows no service
 * integrations, so the executor answers such a Task itself: it runs the child to completion in the
 * same process (runLocalExecution, with the parent's worker pool, endpoints, retries and faults) and
 * returns what AWS returns — the child's DescribeExecution, its Output parsed for `.sync:2` and a JSON
 * string for `.sync` — or, when the child did not succeed, fails with `States.TaskFailed` and that
 * DescribeExecution as JSON in the cause.
 */

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type NestedIntegration = 'sync' | 'sync:2';

/** The integration of a Task that starts a nested execution and waits for it; undefined for any other Task. */
export function nestedExecutionIntegration(state: AslState): NestedIntegration | undefined {
  if (state.Type !== 'Task' || !state.Resource) return undefined;
  const match = /^arn:[^:]+:states:::states:startExecution\.(sync(?::2)?)$/.exec(state.Resource);
  return match ? (match[1] as NestedIntegration) : undefined;
}

/** How a child execution ended, as the executor reports it (a LocalExecutionResult carries these fields). */
export type ChildExecutionResult = {
  executionId: string;
  stateMachineArn: string;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: unknown;
  error?: string;
  cause?: string;
  startedAt: string;
  stoppedAt: string;
};

/** Runs a state machine of the stack by ARN to its end with this input and execution name. */
export type ChildExecutionRunner = (stateMachineArn: string, input: JsonValue, executionName: string) => Promise<ChildExecutionResult>;

/** The nested Task's Parameters, evaluated, are not a StartExecution request. */
export class InvalidNestedExecutionError extends Error {
  override readonly name = 'InvalidNestedExecutionError';
  constructor(stateName: string, problem: string) {
    super(`Task "${stateName}" (states:startExecution): ${problem}`);
  }
}

/** The child did not succeed: Step Functions fails the parent's Task with States.TaskFailed, the cause the child's DescribeExecution as JSON. */
export class NestedExecutionFailed extends Error {
  override readonly name = 'States.TaskFailed';
  constructor(readonly description: Record<string, JsonValue>) {
    super(JSON.stringify(description));
  }
}

/**
 * Runs the Task's StartExecution request (its Parameters, evaluated: StateMachineArn, Input, Name) as a
 * child execution and returns the DescribeExecution of its end, or throws NestedExecutionFailed.
 * `Input` may be JSON text or a JSON value, as in AWS; the execution name is a UUID unless `Name` is given.
 */
export async function runNestedExecution(stateName: string, integration: NestedIntegration, parameters: JsonValue, run: ChildExecutionRunner): Promise<JsonValue> {
  if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) throw new InvalidNestedExecutionError(stateName, 'Parameters must be an object');
  const { StateMachineArn: arn, Input: rawInput, Name: name } = parameters;
  if (typeof arn !== 'string' || !/^arn:[^:]+:states:[^:]+:\d+:stateMachine:.+$/.test(arn)) throw new InvalidNestedExecutionError(stateName, `StateMachineArn must be a state machine ARN, got ${JSON.stringify(arn)}`);
  if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(name))) throw new InvalidNestedExecutionError(stateName, `Name must be 1 to 80 letters, digits, - or _, got ${JSON.stringify(name)}`);
  let input: JsonValue;
  if (typeof rawInput === 'string') {
    try {
      input = JSON.parse(rawInput) as JsonValue;
    } catch (err) {
      throw new InvalidNestedExecutionError(stateName, `Input is text that is not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  } else {
    // AWS: no Input is an empty object.
    input = rawInput ?? {};
  }
  const child = await run(arn, input, name ?? randomUUID());
  const parsed = integration === 'sync:2';
  const description: Record<string, JsonValue> = {
    ExecutionArn: `${child.stateMachineArn.replace(':stateMachine:', ':execution:')}:${child.executionId}`,
    Input: parsed ? input : JSON.stringify(input),
    InputDetails: { Included: true },
    Name: child.executionId,
    // Step Functions gives the dates of its own integration as epoch milliseconds.
    StartDate: Date.parse(child.startedAt),
    StateMachineArn: child.stateMachineArn,
    Status: child.status,
    StopDate: Date.parse(child.stoppedAt),
  };
  if (child.status === 'SUCCEEDED') {
    const output = (child.output ?? null) as JsonValue;
    return { ...description, Output: parsed ? output : JSON.stringify(output), OutputDetails: { Included: true } };
  }
  if (child.error !== undefined) description.Error = child.error;
  if (child.cause !== undefined) description.Cause = child.cause;
  throw new NestedExecutionFailed(description);
}
