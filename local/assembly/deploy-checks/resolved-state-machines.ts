import { UnresolvableIntrinsicError } from '../../executor/errors';
import { stackResources } from '../../executor/stack-resources';
import { type AslDefinition, locateStateMachine } from '../../executor/state-machine-definition';
import { type SynthesizedStack } from '../synthesized-stack';
import { type DeployCheckFinding } from './deploy-check-finding';
import { resourcesOfType } from './template-resources';

/** A state machine of a stack with its definition as literal ASL. */
export type ResolvedStateMachine = {
  readonly stack: string;
  readonly logicalId: string;
  /** The state machine's type (STANDARD unless the template says EXPRESS). */
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly definition: AslDefinition;
  /** The definition as Step Functions receives it, for its size. */
  readonly definitionText: string;
};

/**
 * The state machines of the stacks, their intrinsics (Lambda ARNs, bucket and table names) resolved
 * exactly as the local executor resolves them before running one — so what is checked is what runs.
 * A definition that cannot be resolved is a finding: neither the executor nor a check can read it.
 */
export function resolvedStateMachines(stacks: readonly SynthesizedStack[]): { machines: ResolvedStateMachine[]; findings: DeployCheckFinding[] } {
  const machines: ResolvedStateMachine[] = [];
  const findings: DeployCheckFinding[] = [];
  for (const stack of stacks) {
    const located = resourcesOfType([stack], 'AWS::StepFunctions::StateMachine');
    if (located.length === 0) continue;
    const resources = stackResources(stack);
    for (const { logicalId, resource } of located) {
      try {
        const { definition } = locateStateMachine(resources, logicalId);
        const type = resource.Properties?.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD';
        machines.push({ stack: stack.stackName, logicalId, type, definition, definitionText: JSON.stringify(definition) });
      } catch (err) {
        if (!(err instanceof UnresolvableIntrinsicError)) throw err;
        findings.push({ stack: stack.stackName, logicalId, path: 'Properties.DefinitionString', message: `cannot be resolved to literal ASL: ${err.message}` });
      }
    }
  }
  return { machines, findings };
}
