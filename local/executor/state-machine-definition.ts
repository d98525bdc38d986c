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

/** The function a Task invokes: a bare function ARN (payloadResponseOnly) or lambda:invoke's FunctionName. */
export function invokedFunction(state: AslState): { functionArn: string; integration: 'direct' | 'lambda:invoke' } | undefined {
  if (state.Type !== 'Task' || !state.Resource) return undefined;
  if (/^arn:[^:]+:lambda:/.test(state.Resource)) return { functionArn: stripQualifier(state.Resource), integration: 'direct' };
  if (/^arn:[^:]+:states:::lambda:invoke$/.test(state.Resource)) {
    const name = state.Parameters?.FunctionName;
    if (typeof name === 'string') return { functionArn: stripQualifier(name), integration: 'lambda:invoke' };
  }
  return undefined;
}

/** `arn:...:function:name:$LATEST` → `arn:...:function:name`. */
function stripQualifier(arn: string): string {
  const parts = arn.split(':');
  return parts.length > 7 ? parts.slice(0, 7).join(':') : arn;
}
