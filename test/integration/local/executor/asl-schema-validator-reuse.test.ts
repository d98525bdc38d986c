import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadLifeboatConfig } from '../../../../config/load-config';
import { resolvedStateMachines } from '../../../../local/assembly/deploy-checks/resolved-state-machines';
import { synthesizeEnvironment } from '../../../../local/assembly/synthesize';
import { reuseAslSchemaValidatorsOf, takeOverSchemaCheck } from '../../../../local/executor/asl-schema-validator-reuse';
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

/** JSONata definitions (none of the synthesized ones is): one valid, one whose expression does not parse. */
const JSONATA = [
  { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Comment: 'c', Output: '{% $states.input.x %}', End: true } } },
  { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Comment: 'c', Output: '{% $x( %}', End: true } } },
];

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
    const valid = [...definitions, JSONATA[0]];
    const invalid = [...broken, JSONATA[1]];
    const before = { valid: answers(valid), invalid: answers(invalid) };
    // The test can fail: the synthesized definitions are valid, every variant is not.
    expect(before.valid.every((answer) => answer.isValid)).toBe(true);
    expect(before.invalid.filter((answer) => answer.isValid)).toEqual([]);
    // asl-validator's own check, counted: the take-over keeps this one as its original.
    const checks = createRequire(validatorEntry)('./checks/json-schema-errors') as { jsonSchemaErrors: (...args: unknown[]) => unknown };
    const own = checks.jsonSchemaErrors;
    let ownCalls = 0;
    checks.jsonSchemaErrors = (...args: unknown[]) => {
      ownCalls++;
      return own(...args);
    };
    takeOverSchemaCheck(from);
    expect(answers(valid)).toEqual(before.valid);
    // Valid definitions are answered by the reused validator alone: the point of the take-over.
    expect(ownCalls).toBe(0);
    expect(answers(invalid)).toEqual(before.invalid);
    // Those the schemas reject go on to asl-validator's own check (its errors); the others fail its later checks.
    const schemaRejected = before.invalid.filter((answer) => JSON.stringify(answer.errors).includes('SCHEMA_VALIDATION_FAILED'));
    expect(schemaRejected.length).toBeGreaterThan(0);
    expect(ownCalls).toBe(schemaRejected.length);
  });
});

it('leaves a copy of another version alone: its set-up may differ from the one this module copies', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-asl-version-'));
  try {
    const copy = path.join(dir, 'node_modules', 'asl-validator');
    cpSync(path.dirname(createRequire(__filename).resolve('asl-validator/package.json')), copy, { recursive: true });
    // A later version's schema check: one more format, say.
    appendFileSync(path.join(copy, 'dist', 'src', 'checks', 'json-schema-errors.js'), '\n// asl_comment\n');
    const from = path.join(dir, 'caller.js');
    writeFileSync(from, '');
    // Refused before the copy is loaded (this one could not be: its dependencies are not beside it), so nothing of it changes.
    expect(() => takeOverSchemaCheck(from)).toThrow(/is not a version this module knows \(sha256 [0-9a-f]{64}\)/);
    expect(() => reuseAslSchemaValidatorsOf(from)).not.toThrow();
    expect(() => takeOverSchemaCheck(from)).toThrow(/is not a version this module knows/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
