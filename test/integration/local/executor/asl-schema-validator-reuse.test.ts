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
 *
 * The original compiles its schemas at every call (about 0.1 s of CPU), so it answers each case once that the
 * take-over's answers are compared with: a definition the DR stack has as a twin of the primary's (the same text but
 * for its stack's name and region, which the schemas and formats read alike) once for both; each break of a first
 * state once per type of first state, and each break of the top level, whose error is the field's, once.
 * The take-over answers every definition.
 */
type AslValidator = (definition: unknown, options?: Record<string, unknown>) => { isValid: boolean; errors: unknown[] };

/** Each copy, with the options its caller gives (StateMachine's validationOptions in validated-definitions.ts; none). */
const COPIES: Array<[string, string, Record<string, unknown> | undefined]> = [
  ['aws-local-stepfunctions', require.resolve('aws-local-stepfunctions'), { checkArn: false, checkPaths: true }],
  ['the deploy checks', require.resolve('../../../../local/assembly/deploy-checks/state-machine-definition-check'), undefined],
];
/** JSONata definitions (none of the synthesized ones is): one valid, one whose expression does not parse. */
const JSONATA = [
  { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Comment: 'c', Output: '{% $states.input.x %}', End: true } } },
  { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Comment: 'c', Output: '{% $x( %}', End: true } } },
];

/** Ways to break a definition's first state that the schemas (not the later checks) catch. */
function brokenFirstState(definition: AslDefinition): unknown[] {
  const [first] = Object.keys(definition.States);
  if (first === undefined) throw new Error('a definition without states');
  const withFirst = (change: Record<string, unknown>) => ({ ...definition, States: { ...definition.States, [first]: { ...definition.States[first], ...change } } });
  return [withFirst({ Type: 'Teleport' }), withFirst({ InputPath: '$$$.[' }), withFirst({ Type: 'Task', Resource: 'not an arn', End: true, Next: undefined })];
}

/** Ways to break a definition's top level that the schemas catch: the same error whichever valid definition has it. */
function brokenTopLevel(definition: AslDefinition): unknown[] {
  return [{ ...definition, StartAt: 42 }, { ...definition, TimeoutSeconds: 'soon' }];
}

const size = (definition: AslDefinition) => JSON.stringify(definition).length;

/** Every synthesized definition. */
let definitions: AslDefinition[];
/** The definitions without twins: one that is an earlier one's but for its stack's name and region is left out. */
let distinct: AslDefinition[];
/** For each of `definitions`, its index in `distinct`. */
let distinctIndex: number[];

beforeAll(async () => {
  const stacks = await synthesizeEnvironment({ config: loadLifeboatConfig(SAMPLE_CONFIG_FILE), envName: 'dev', outdir: path.join(tempOutdir(), 'cdk.out') });
  const regions = new Map(stacks.map((stack) => [stack.stackName, stack.region]));
  const machines = resolvedStateMachines(stacks).machines;
  definitions = machines.map((m) => m.definition);
  const texts: string[] = [];
  distinct = [];
  distinctIndex = machines.map((m) => {
    const region = regions.get(m.stack);
    if (region === undefined) throw new Error(`no region for stack ${m.stack}`);
    const text = m.definitionText.replaceAll(m.stack, '<stack>').replaceAll(region, '<region>');
    const known = texts.indexOf(text);
    if (known >= 0) return known;
    texts.push(text);
    distinct.push(m.definition);
    return distinct.length - 1;
  });
});

describe.each(COPIES)('asl-validator of %s with its schema check taken over', (_name, from, options) => {
  it('answers every synthesized definition, and some made invalid, as it did before', () => {
    expect(definitions.length).toBeGreaterThan(10);
    const validatorEntry = createRequire(from).resolve('asl-validator');
    const validate = createRequire(validatorEntry)('./validator') as AslValidator;
    // The largest definition of each set of top-level state types (every runbook now starts with the same input
    // guard, so the first state's type no longer tells them apart): its first state broken; the largest, its top level too.
    const largestByFirstType = new Map<unknown, AslDefinition>();
    for (const definition of [...definitions].sort((a, b) => size(b) - size(a))) {
      const types = [...new Set(Object.values(definition.States).map((state) => String(state.Type)))].sort().join(',');
      if (!largestByFirstType.has(types)) largestByFirstType.set(types, definition);
    }
    const [largest, ...others] = largestByFirstType.values();
    if (!largest) throw new Error('no definitions');
    expect(others.length).toBeGreaterThan(0);
    const broken = [...brokenFirstState(largest), ...brokenTopLevel(largest), ...others.flatMap(brokenFirstState)];
    // Its answer but the errorsText closure, a new function at each call.
    const answers = (cases: unknown[]) =>
      cases.map((definition) => {
        const { isValid, errors } = validate(structuredClone(definition), options && { ...options });
        return { isValid, errors };
      });
    const valid = [...distinct, JSONATA[0]];
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
    // Every definition, twins included, answered as its original answered the one it twins.
    expect(answers([...definitions, JSONATA[0]])).toEqual([...distinctIndex.map((i) => before.valid[i]), before.valid[distinct.length]]);
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
