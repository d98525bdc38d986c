import aslValidator from 'asl-validator';
import { reuseAslSchemaValidatorsOf } from '../../executor/asl-schema-validator-reuse';
import { type AslDefinition } from '../../executor/state-machine-definition';
import { type DeployCheckFinding } from './deploy-check-finding';
import { type ResolvedStateMachine } from './resolved-state-machines';
import { statesWithPaths } from './state-machine-walk';

/** Where a definition comes from, for the findings. */
export type DefinitionLocation = { readonly stack: string; readonly logicalId: string };

/**
 * A state machine definition as Step Functions' CreateStateMachine/UpdateStateMachine validate it
 * (Amazon States Language, checked by asl-validator: schema, JSONPath syntax, ARNs, transitions to
 * missing states, unreachable states, terminal states), plus our own rule: every state has a
 * Comment that says what it does, since the Step Functions console shows it beside the state
 * in the graph and the execution's events, where an operator looks when a run fails.
 */
export function checkStateMachineDefinition(definition: AslDefinition, where: DefinitionLocation): DeployCheckFinding[] {
  const findings: DeployCheckFinding[] = [];
  reuseAslSchemaValidatorsOf(__filename);
  // The validator writes defaults (QueryLanguage) into what it is given: it gets a copy.
  const result = aslValidator(structuredClone(definition));
  for (const error of result.errors) {
    const path = `Definition${pathOfPointer(error.schemaError?.instancePath ?? '')}`;
    findings.push({ ...where, path, message: `invalid Amazon States Language (${error['Error code']}): ${error.Message}` });
  }
  for (const { name, path, state } of statesWithPaths(definition)) {
    const comment = typeof state.Comment === 'string' ? state.Comment.trim() : '';
    if (comment === '') {
      findings.push({ ...where, path: `Definition.${path}.Comment`, message: `state "${name}" has no Comment: give it one that says what the state does (the console shows it), e.g. with the construct's \`comment\` prop` });
    } else if (comment.toLowerCase() === name.toLowerCase()) {
      findings.push({ ...where, path: `Definition.${path}.Comment`, message: `state "${name}" has a Comment that only repeats its name: say what the state does` });
    }
  }
  return findings;
}

export function checkStateMachineDefinitions(machines: readonly ResolvedStateMachine[]): DeployCheckFinding[] {
  return machines.flatMap((m) => checkStateMachineDefinition(m.definition, m));
}

/** A JSON pointer into the definition (`/States/Plan shards/Retry/0`) in the paths the other findings use (`.States["Plan shards"].Retry[0]`). */
function pathOfPointer(pointer: string): string {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return segments.map((segment, i) => (segments[i - 1] === 'States' ? `[${JSON.stringify(segment)}]` : /^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`)).join('');
}
