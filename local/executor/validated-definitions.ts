import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { reuseAslSchemaValidatorsOf } from './asl-schema-validator-reuse';
import { type AslDefinition } from './state-machine-definition';

/**
 * Where an assembly keeps the fingerprints of the definitions validated against it: one empty file per
 * definition, named by its fingerprint. Step Functions validates a definition once, when the state
 * machine is created, not at each execution; locally the assembly stands for the deployed stack.
 */
export const VALIDATED_DEFINITIONS_DIR = 'lifeboat-validated-definitions';

/** Fingerprints of the definitions validated in this process (whatever the assembly). */
const validatedHere = new Set<string>();

/**
 * The state machine for a definition, validated against the States Language (asl-validator) the first
 * time it is met: in this process, or by any process that ran it from the same assembly (`assemblyDir`).
 * asl-validator builds a new JSON-schema validator and compiles every schema at each call (0.2–0.6 s of CPU; since
 * 2026-12-06 a process compiles them once, asl-schema-validator-reuse.ts, but a first validation still costs that),
 * and every command (`lifeboat backup`, a scheduled run) and every test file is a new process that runs the
 * same few synthesized definitions again. The fingerprint covers the exact definition and the validator's
 * version, so a changed definition, or another validator, is validated again; a definition that fails
 * validation is never recorded. The record is best effort: an assembly that cannot be written to
 * (read-only) just validates in each process.
 */
export function validatedStateMachine(definition: AslDefinition, assemblyDir?: string): StateMachine {
  const fingerprint = definitionFingerprint(definition);
  const record = assemblyDir === undefined ? undefined : path.join(assemblyDir, VALIDATED_DEFINITIONS_DIR, fingerprint);
  const known = validatedHere.has(fingerprint) || (record !== undefined && existsSync(record));
  if (!known) reuseAslSchemaValidatorsOf(require.resolve('aws-local-stepfunctions'));
  // Throws for an invalid definition: nothing is recorded then.
  const sm = new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: known ? { noValidate: true } : { checkArn: false } });
  validatedHere.add(fingerprint);
  if (!known && record !== undefined) {
    try {
      mkdirSync(path.dirname(record), { recursive: true });
      writeFileSync(record, '');
    } catch {
      // A read-only assembly: the next process validates again, as it did before this record existed.
    }
  }
  return sm;
}

/** What a record is named by: the definition, as the executor runs it, and the validator's version. */
export function definitionFingerprint(definition: AslDefinition): string {
  return createHash('sha256').update(validatorVersion()).update('\0').update(JSON.stringify(definition)).digest('hex');
}

let version: string | undefined;

/** aws-local-stepfunctions' version and that of the asl-validator it validates with: a new validator may refuse what an older one passed. */
function validatorVersion(): string {
  if (version === undefined) {
    const library = path.dirname(path.dirname(require.resolve('aws-local-stepfunctions')));
    const validator = path.dirname(require.resolve('asl-validator/package.json', { paths: [library] }));
    version = [library, validator].map((dir) => `${dir}@${(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? '?'}`).join(' ');
  }
  return version;
}
