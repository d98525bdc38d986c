import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * asl-validator checks a definition against its JSON schemas with a new Ajv at every call, so every call compiles
 * every schema again: 0.15–0.45 s of CPU per definition here, about a second in a test process, where it was a tenth
 * of an end-to-end suite's main-process CPU (a `--cpu-prof` of dr-runbooks.test.ts, 2026-12-06). It offers no way to
 * keep one. This module makes each copy of it (aws-local-stepfunctions has its own, the deploy checks use the
 * project's) ask one Ajv per option set first, built exactly as asl-validator builds its own: a definition that one
 * accepts is accepted at once (what a synthesized definition almost always is), and any other goes to asl-validator's
 * own check, which builds its Ajv as before and reports the errors it always reported. So the answer is
 * asl-validator's in every case; only a valid definition's is faster. The equivalence is tested against the original
 * over every synthesized definition and invalid variants (test/integration/local/executor/asl-schema-validator-reuse.test.ts).
 * Only a copy whose schema check is one this module was written from is taken over (KNOWN_SCHEMA_CHECKS): another
 * version may register formats or set Ajv up otherwise, and a copy of its set-up would then reject what it accepts or
 * accept what it rejects.
 */

/** What asl-validator's checks/json-schema-errors module exports (dist/src/checks/json-schema-errors.js). */
type SchemaErrorsModule = { jsonSchemaErrors: SchemaErrors };
type SchemaErrors = (definition: unknown, options: AslValidatorOptions) => unknown[];
type AslValidatorOptions = { checkPaths?: boolean; checkArn?: boolean };

/** The part of an Ajv instance used here. */
type AjvLike = { addFormat(name: string, format: (value: string) => boolean): unknown; validate(ref: string, data: unknown): boolean | Promise<unknown> };
type AjvConstructor = new (options: { schemas: unknown[]; allowUnionTypes: boolean }) => AjvLike;

/** The schemas asl-validator gives its Ajv, in its order (json-schema-errors.js). */
const SCHEMAS = ['common', 'paths', 'jsonata', 'choice', 'fail', 'parallel', 'pass', 'base-state-machine', 'state-machine', 'state', 'succeed', 'task', 'wait', 'map', 'errors'];

const STATE_MACHINE_SCHEMA = 'http://asl-validator.cloud/state-machine.json#';

/**
 * SHA-256 of the checks/json-schema-errors.js this module's Ajv set-up copies: asl-validator 3.16.0 and 4.0.0 (the same
 * file). aws-local-stepfunctions asks for ^3.15.1, so an install without our lock file may get another.
 */
const KNOWN_SCHEMA_CHECKS = new Set(['2521dec64116e76505b22f5bafc6e4621c6ab200cbe08cbf5f9d562b7d1f9bfe']);

/** The original jsonSchemaErrors of each copy whose check this module took over, by the module's path. */
const originals = new Map<string, SchemaErrors>();

/**
 * Makes the asl-validator that `from` (a resolved module path) requires reuse its schema validators, if it can: a copy
 * laid out otherwise, or bundled where it cannot be resolved, is left as it is (validated as before). Idempotent.
 */
export function reuseAslSchemaValidatorsOf(from: string): void {
  if (asked.has(from)) return;
  asked.add(from);
  try {
    takeOverSchemaCheck(from);
  } catch {
    // Not the layout or version this module knows: asl-validator keeps its own check, as correct and as slow as before.
  }
}

/** The `from`s already asked about, taken over or left alone: each caller asks before every validation. */
const asked = new Set<string>();

/**
 * reuseAslSchemaValidatorsOf, throwing when the copy is not laid out as expected. Returns that copy's original check
 * (for the equivalence test).
 */
export function takeOverSchemaCheck(from: string): SchemaErrors {
  const validatorEntry = createRequire(from).resolve('asl-validator');
  const load = createRequire(validatorEntry);
  const checksPath = load.resolve('./checks/json-schema-errors');
  const known = originals.get(checksPath);
  if (known) return known;
  const digest = createHash('sha256').update(readFileSync(checksPath)).digest('hex');
  if (!KNOWN_SCHEMA_CHECKS.has(digest)) throw new Error(`asl-validator's ${checksPath} is not a version this module knows (sha256 ${digest})`);
  const checks = load(checksPath) as SchemaErrorsModule;
  const original = checks.jsonSchemaErrors;
  const fromChecks = createRequire(checksPath);
  const validators = new Map<string, AjvLike>();
  const validatorFor = (options: AslValidatorOptions): AjvLike => {
    // Truthiness, as asl-validator reads them (`if (options.checkPaths)`).
    const key = `${Boolean(options.checkPaths)},${Boolean(options.checkArn)}`;
    let ajv = validators.get(key);
    if (!ajv) {
      ajv = aslValidatorAjv(fromChecks, options);
      validators.set(key, ajv);
    }
    return ajv;
  };
  checks.jsonSchemaErrors = (definition, options) => {
    // Its Ajv keeps no state between validations but `errors`, which a definition it rejects goes on to the original for.
    // A set-up that throws (it should not, for a known version) leaves the answer to the original as well.
    try {
      if (validatorFor(options).validate(STATE_MACHINE_SCHEMA, definition) === true) return [];
    } catch {
      // The original's answer below.
    }
    return original(definition, options);
  };
  originals.set(checksPath, original);
  return original;
}

/** An Ajv set up as asl-validator's jsonSchemaErrors sets up its own, from that copy's own modules. */
function aslValidatorAjv(fromChecks: NodeJS.Require, options: AslValidatorOptions): AjvLike {
  const defaultOf = <T>(module: unknown): T => ((module as { __esModule?: boolean; default?: T }).__esModule ? (module as { default: T }).default : (module as T));
  const Ajv = defaultOf<AjvConstructor>(fromChecks('ajv'));
  const addFormats = defaultOf<(ajv: AjvLike) => void>(fromChecks('ajv-formats'));
  const jsonata = defaultOf<(expression: string) => unknown>(fromChecks('jsonata'));
  const { registerAll } = fromChecks('asl-path-validator') as { registerAll: (ajv: AjvLike) => void };
  const { isArnFormatValid } = fromChecks('./formats') as { isArnFormatValid: (value: string) => boolean };
  const ajv = new Ajv({ schemas: SCHEMAS.map((name) => fromChecks(`../schemas/${name}.json`) as unknown), allowUnionTypes: true });
  addFormats(ajv);
  const validJsonata = (value: string): boolean => {
    const trimmed = value.trim();
    try {
      let expression = trimmed.startsWith('{%') ? trimmed.slice(2) : trimmed;
      expression = expression.endsWith('%}') ? expression.slice(0, -2) : expression;
      jsonata(expression);
      return true;
    } catch {
      return false;
    }
  };
  ajv.addFormat('jsonata_string', validJsonata);
  ajv.addFormat('maybe_jsonata_string', (value) => {
    const trimmed = value.trim();
    return trimmed.startsWith('{%') || trimmed.endsWith('%}') ? validJsonata(trimmed) : true;
  });
  if (options.checkPaths) {
    registerAll(ajv);
  } else {
    for (const name of ['asl_path', 'asl_ref_path', 'asl_payload_template', 'asl_result_path']) ajv.addFormat(name, () => true);
  }
  ajv.addFormat('asl_arn', options.checkArn ? isArnFormatValid : () => true);
  return ajv;
}
