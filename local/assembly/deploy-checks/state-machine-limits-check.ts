import { type AslState } from '../../executor/state-machine-definition';
import { type DeployCheckFinding } from './deploy-check-finding';
import { type ResolvedStateMachine } from './resolved-state-machines';
import { statesWithPaths } from './state-machine-walk';

// Step Functions API Reference, CreateStateMachine: `definition` Length Constraints 1–1048576.
const MAX_DEFINITION_BYTES = 1_048_576;
// Step Functions Developer Guide, "Step Functions service quotas": maximum execution time 1 year
// (Standard), 5 minutes (Express). The state machine's TimeoutSeconds cannot ask for more.
const MAX_EXECUTION_SECONDS = { STANDARD: 365 * 24 * 3600, EXPRESS: 5 * 60 } as const;
// Step Functions Developer Guide, "Task workflow state" (TimeoutSeconds, HeartbeatSeconds) and
// "Handling errors" (Retrier fields IntervalSeconds, MaxAttempts): positive integers, at most 99999999.
const MAX_STATE_SECONDS = 99_999_999;
// Same guide, "Retrier fields": MaxDelaySeconds less than 31622401; BackoffRate at least 1.0.
const MAX_RETRY_DELAY_SECONDS = 31_622_400;
const MIN_BACKOFF_RATE = 1;
// Same guide, "Step Functions service quotas": state names at most 80 Unicode characters.
const MAX_STATE_NAME_LENGTH = 80;
// Same guide, "Distributed Map state": MaxConcurrency up to 10,000 parallel child executions.
const MAX_DISTRIBUTED_MAP_CONCURRENCY = 10_000;
// Same guide, "Error names": the predefined States.* errors. Step Functions refuses any other name
// starting with the reserved prefix "States.", and a typo here would otherwise never match.
const PREDEFINED_ERRORS = new Set([
  'States.ALL',
  'States.BranchFailed',
  'States.DataLimitExceeded',
  'States.ExceedToleratedFailureThreshold',
  'States.HeartbeatTimeout',
  'States.Http.Socket',
  'States.IntrinsicFailure',
  'States.ItemReaderFailed',
  'States.NoChoiceMatched',
  'States.ParameterPathFailure',
  'States.Permissions',
  'States.QueryEvaluationError',
  'States.ResultPathMatchFailure',
  'States.ResultWriterFailed',
  'States.Runtime',
  'States.TaskFailed',
  'States.Timeout',
]);

/**
 * The limits Step Functions enforces when it creates or updates a state machine and that a
 * schema validator does not know: definition size, timeouts, Map concurrency, Retry/Catch error
 * names and retrier fields, state name length.
 */
export function checkStateMachineLimits(machines: readonly ResolvedStateMachine[]): DeployCheckFinding[] {
  return machines.flatMap((machine) => {
    const findings: DeployCheckFinding[] = [];
    const report = (path: string, message: string) => findings.push({ stack: machine.stack, logicalId: machine.logicalId, path, message });
    // Resolved locally, Lambda ARNs lack the random suffix CloudFormation adds to generated names: a few bytes per task.
    const bytes = Buffer.byteLength(machine.definitionText);
    if (bytes > MAX_DEFINITION_BYTES) report('Definition', `is ${bytes} bytes; Step Functions accepts at most ${MAX_DEFINITION_BYTES} (1 MiB): move data out of the definition`);
    const timeout = machine.definition.TimeoutSeconds;
    const maxExecution = MAX_EXECUTION_SECONDS[machine.type];
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 1 && timeout <= maxExecution)) {
      report('Definition.TimeoutSeconds', `is ${timeout}; a ${machine.type} execution may last 1 to ${maxExecution} seconds`);
    }
    for (const { name, path, state } of statesWithPaths(machine.definition)) {
      const at = `Definition.${path}`;
      if ([...name].length > MAX_STATE_NAME_LENGTH) report(at, `state name "${name}" has ${[...name].length} characters; at most ${MAX_STATE_NAME_LENGTH} are allowed`);
      for (const message of stateLimitViolations(state)) report(at, message);
      for (const [field, list] of [
        ['Retry', state.Retry],
        ['Catch', state.Catch],
      ] as const) {
        if (!Array.isArray(list)) continue;
        list.forEach((entry: unknown, index) => {
          for (const message of errorHandlerViolations(field, entry, index === list.length - 1)) report(`${at}.${field}[${index}]`, message);
        });
      }
    }
    return findings;
  });
}

function stateLimitViolations(state: AslState): string[] {
  const problems: string[] = [];
  const positive = (field: string, value: unknown, max: number) => {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max)) problems.push(`${field} is ${JSON.stringify(value)}; it must be an integer from 1 to ${max}`);
  };
  positive('TimeoutSeconds', state.TimeoutSeconds, MAX_STATE_SECONDS);
  positive('HeartbeatSeconds', state.HeartbeatSeconds, MAX_STATE_SECONDS);
  if (typeof state.HeartbeatSeconds === 'number' && typeof state.TimeoutSeconds === 'number' && state.HeartbeatSeconds >= state.TimeoutSeconds) {
    problems.push(`HeartbeatSeconds (${state.HeartbeatSeconds}) must be smaller than TimeoutSeconds (${state.TimeoutSeconds})`);
  }
  if (state.Type === 'Map' && state.MaxConcurrency !== undefined) {
    const distributed = (state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined)?.ProcessorConfig?.Mode === 'DISTRIBUTED';
    const max = distributed ? MAX_DISTRIBUTED_MAP_CONCURRENCY : Number.MAX_SAFE_INTEGER;
    const value = state.MaxConcurrency;
    if (!(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= max)) {
      problems.push(`MaxConcurrency is ${JSON.stringify(value)}; it must be an integer of at least 0 (0: no limit)${distributed ? ` and at most ${max} in a distributed Map` : ''}`);
    }
  }
  if (state.Type === 'Map' && state.ToleratedFailurePercentage !== undefined) {
    const value = state.ToleratedFailurePercentage;
    if (!(typeof value === 'number' && value >= 0 && value <= 100)) problems.push(`ToleratedFailurePercentage is ${JSON.stringify(value)}; it must be from 0 to 100`);
  }
  return problems;
}

/** A Retrier or Catcher: its error names well formed, States.ALL alone and last, the retrier's numbers in range. */
function errorHandlerViolations(field: 'Retry' | 'Catch', entry: unknown, isLast: boolean): string[] {
  const problems: string[] = [];
  const handler = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
  const names = handler.ErrorEquals;
  if (!Array.isArray(names) || names.length === 0) return [`ErrorEquals must be a non-empty list of error names`];
  for (const name of names) {
    if (typeof name !== 'string' || name.trim() === '' || name !== name.trim()) problems.push(`error name ${JSON.stringify(name)} must be a non-empty string without surrounding spaces`);
    else if (name.startsWith('States.') && !PREDEFINED_ERRORS.has(name)) problems.push(`error name "${name}" uses the reserved prefix "States." but is not one of Step Functions' predefined errors (${[...PREDEFINED_ERRORS].join(', ')})`);
  }
  // Step Functions Developer Guide, "Handling errors": States.ALL must appear alone in its ErrorEquals and in the last Retrier/Catcher.
  if (names.includes('States.ALL') && (names.length > 1 || !isLast)) problems.push(`States.ALL must be alone in its ErrorEquals and in the last ${field === 'Retry' ? 'retrier' : 'catcher'}`);
  if (field === 'Retry') {
    const range = (key: string, min: number, max: number, integer: boolean) => {
      const value = handler[key];
      if (value === undefined) return;
      if (typeof value !== 'number' || value < min || value > max || (integer && !Number.isInteger(value))) problems.push(`${key} is ${JSON.stringify(value)}; it must be ${integer ? 'an integer ' : ''}from ${min} to ${max}`);
    };
    range('IntervalSeconds', 1, MAX_STATE_SECONDS, true);
    range('MaxAttempts', 0, MAX_STATE_SECONDS, true);
    range('BackoffRate', MIN_BACKOFF_RATE, Number.MAX_VALUE, false);
    range('MaxDelaySeconds', 1, MAX_RETRY_DELAY_SECONDS, true);
    if (handler.JitterStrategy !== undefined && handler.JitterStrategy !== 'FULL' && handler.JitterStrategy !== 'NONE') problems.push(`JitterStrategy is ${JSON.stringify(handler.JitterStrategy)}; it must be FULL or NONE`);
  }
  return problems;
}
