import { createRequire } from 'node:module';
import * as path from 'node:path';
import { loadLifeboatConfig } from '../../../../config/load-config';
import { resolvedStateMachines } from '../../../../local/assembly/deploy-checks/resolved-state-machines';
import { synthesizeEnvironment } from '../../../../local/assembly/synthesize';
import { takeOverSchemaCheck } from '../../../../local/executor/asl-schema-validator-reuse';
import { type AslDefinition } from '../../../../local/executor/state-machine-definition';
import { SAMPLE_CONFIG_FILE } from '../../../support/repo-root';
import { tempOutdir } from '../../../support/temp-outdir';

/**
 * asl-validator's answers with its schema check taken over (local/executor/asl-schema-validator-reuse.ts) are its own
 * answers, for both copies the project runs (aws-local-stepfunctions' and the deploy checks'), over every state machine
 * the sample config synthesizes, valid as they are and made invalid in the ways a schema catches, with the options
 * each caller gives. The answers before the take-over are computed first, in the same module registry.
 */
type AslValidator = (definition: unknown, options?: Record<string, unknown>) => { isValid: boolean; errors: unknown[] };

/** Each copy, with the options its caller gives (StateMachine's validationOptions in validated-definitions.ts; none). */
const COPIES: Array<[string, string, Record<string, unknown> | undefined]> = [
  ['aws-local-stepfunctions', require.resolve('aws-local-stepfunctions'), { checkArn: false, checkPaths: true }],
  ['the deploy checks', require.resolve('../../../../local/assembly/deploy-checks/state-machine-definition-check'), undefined],
];
/** Definitions made invalid (each a compile of asl-validator's own, before and after): the largest few. */
const BROKEN = 3;

/** Ways to break a definition that the schemas (not the later checks) catch. */
function invalidVariants(definition: AslDefinition): unknown[] {
  const [first] = Object.keys(definition.States);
  if (first === undefined) throw new Error('a definition without states');
  const withFirst = (change: Record<string, unknown>) => ({ ...definition, States: { ...definition.States, [first]: { ...definition.States[first], ...change } } });
  return [withFirst({ Type: 'Teleport' }), withFirst({ InputPath: '$$$.[' }), withFirst({ Type: 'Task', Resource: 'not an arn', End: true, Next: undefined }), { ...definition, StartAt: 42 }, { ...definition, TimeoutSeconds: 'soon' }];
}

let definitions: AslDefinition[];

beforeAll(async () => {
  const stacks = await synthesizeEnvironment({ config: loadLifeboatConfig(SAMPLE_CONFIG_FILE), envName: 'dev', outdir: path.join(tempOutdir(), 'cdk.out') });
  definitions = resolvedStateMachines(stacks).machines.map((m) => m.definition);
});

describe.each(COPIES)('asl-validator of %s with its schema check taken over', (_name, from, options) => {
  it('answers every synthesized definition, and some made invalid, as it did before', () => {
    expect(definitions.length).toBeGreaterThan(10);
    const validatorEntry = createRequire(from).resolve('asl-validator');
    const validate = createRequire(validatorEntry)('./validator') as AslValidator;
    const largest = [...definitions].sort((a, b) => JSON.stringify(b).length - JSON.stringify(a).length).slice(0, BROKEN);
    const broken = largest.flatMap(invalidVariants);
    // Its answer but the errorsText closure, a new function at each call.
    const answers = (cases: unknown[]) =>
      cases.map((definition) => {
        const { isValid, errors } = validate(structuredClone(definition), options && { ...options });
        return { isValid, errors };
      });
    const before = { valid: answers(definitions), broken: answers(broken) };
    // The test can fail: the synthesized definitions are valid, every variant is not.
    expect(before.valid.every((answer) => answer.isValid)).toBe(true);
    expect(before.broken.filter((answer) => answer.isValid)).toEqual([]);
    const original = takeOverSchemaCheck(from);
    const checks = createRequire(validatorEntry)('./checks/json-schema-errors') as { jsonSchemaErrors: unknown };
    expect(checks.jsonSchemaErrors).not.toBe(original);
    expect({ valid: answers(definitions), broken: answers(broken) }).toEqual(before);
  });
});
