import { resolveValue } from '../cloud/cfn-intrinsics';
import { StateMachineNotFoundError, UnresolvableIntrinsicError } from './errors';
import { type StackResources } from './stack-resources';

/** An Amazon States Language document, as JSON. Only the fields the executor inspects are typed. */
export type AslDefinition = { StartAt: string; States: Record<string, AslState>; TimeoutSeconds?: number; Comment?: string };
export type AslState = {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  TimeoutSeconds?: number;
  Retry?: { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number }[];
  ItemProcessor?: AslDefinition;
  Iterator?: AslDefinition;
  Branches?: AslDefinition[];
  [field: string]: unknown;
};

export type LocatedStateMachine = { logicalId: string; name: string; arn: string; definition: AslDefinition };

/** Finds a state machine of the stack by StateMachineName or logical id and resolves its definition to literal ASL. */
export function locateStateMachine(resources: StackResources, requested: string): LocatedStateMachine {
  const machines = Object.entries(resources.stack.template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  const names = machines.map(([logicalId]) => ({ logicalId, name: resources.physicalId(logicalId) }));
  const match = names.find((m) => m.name === requested || m.logicalId === requested);
  if (!match) throw new StateMachineNotFoundError(requested, names.map((m) => m.name));
  const props = machines.find(([logicalId]) => logicalId === match.logicalId)?.[1].Properties ?? {};
  const ctx = resources.context(match.logicalId, 'DefinitionString');
  let definition: unknown;
  if (props.DefinitionString !== undefined) {
    const text = resolveValue(props.DefinitionString, ctx, 'Properties.DefinitionString');
    if (typeof text !== 'string') throw new UnresolvableIntrinsicError(resources.stack.stackName, match.logicalId, 'Properties.DefinitionString', '', 'does not resolve to a string');
    definition = JSON.parse(text);
  } else if (props.Definition !== undefined) {
    const substitutions = resolveValue(props.DefinitionSubstitutions ?? {}, ctx, 'Properties.DefinitionSubstitutions') as Record<string, unknown>;
    const text = JSON.stringify(props.Definition).replace(/\$\{([^}]+)\}/g, (whole: string, key: string) => (key in substitutions ? String(substitutions[key]) : whole));
    definition = JSON.parse(text);
  } else {
    throw new UnresolvableIntrinsicError(resources.stack.stackName, match.logicalId, 'Properties', '', 'has neither DefinitionString nor Definition (DefinitionS3Location is not supported locally)');
  }
  return { ...match, arn: resources.arn(match.logicalId), definition: definition as AslDefinition };
}

/** Every state of the definition, nested Map and Parallel machines included, with its name. */
export function* allStates(definition: AslDefinition): Generator<[string, AslState]> {
  for (const [name, state] of Object.entries(definition.States)) {
    yield [name, state];
    const nested = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])];
    for (const child of nested) if (child) yield* allStates(child);
  }
}

/** The longest timer Node keeps (about 24.8 days), in seconds: the local stand-in for "no timeout". */
export const LONGEST_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** How a Task calls its function: directly, through lambda:invoke, or through lambda:invoke.waitForTaskToken (a callback task). */
export type LambdaIntegration = 'direct' | 'lambda:invoke' | 'lambda:invoke.waitForTaskToken';

/** The function a Task invokes: a bare function ARN (payloadResponseOnly) or lambda:invoke's (or its callback form's) FunctionName. */
export function invokedFunction(state: AslState): { functionArn: string; integration: LambdaIntegration } | undefined {
  if (state.Type !== 'Task' || !state.Resource) return undefined;
  if (/^arn:[^:]+:lambda:/.test(state.Resource)) return { functionArn: stripQualifier(state.Resource), integration: 'direct' };
  const invoke = /^arn:[^:]+:states:::lambda:invoke(\.waitForTaskToken)?$/.exec(state.Resource);
  if (invoke) {
    const name = state.Parameters?.FunctionName;
    if (typeof name === 'string') return { functionArn: stripQualifier(name), integration: invoke[1] ? 'lambda:invoke.waitForTaskToken' : 'lambda:invoke' };
  }
  return undefined;
}

/** Stands for `$$.Task.Token` in a callback task's Parameters; the executor puts the task's fresh token in its place. */
export const TASK_TOKEN_PLACEHOLDER = '\u0000lifeboat-local-task-token\u0000';

/**
 * Replaces every `"field.$": "$$.Task.Token"` of `parameters` with `"field": TASK_TOKEN_PLACEHOLDER`:
 * aws-local-stepfunctions has no Task object in its context, and the token is per attempt, not per execution.
 */
export function withTaskTokenPlaceholder(parameters: unknown): unknown {
  if (Array.isArray(parameters)) return parameters.map(withTaskTokenPlaceholder);
  if (parameters === null || typeof parameters !== 'object') return parameters;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (key.endsWith('.$') && value === '$$.Task.Token') out[key.slice(0, -2)] = TASK_TOKEN_PLACEHOLDER;
    else out[key] = withTaskTokenPlaceholder(value);
  }
  return out;
}

/** `value` with every TASK_TOKEN_PLACEHOLDER replaced by `token`. */
export function withTaskToken(value: unknown, token: string): unknown {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => withTaskToken(v, token));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTaskToken(v, token)]));
}

/** `arn:...:function:name:$LATEST` → `arn:...:function:name`. */
function stripQualifier(arn: string): string {
  const parts = arn.split(':');
  return parts.length > 7 ? parts.slice(0, 7).join(':') : arn;
}
