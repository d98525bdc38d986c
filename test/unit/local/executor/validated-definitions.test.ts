import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type AslDefinition } from '../../../../local/executor/state-machine-definition';
import { definitionFingerprint, VALIDATED_DEFINITIONS_DIR, validatedStateMachine } from '../../../../local/executor/validated-definitions';

/**
 * A definition is validated once per assembly (local/executor/validated-definitions.ts), as Step Functions
 * validates it once when the state machine is created: a later process running it from the same assembly
 * finds its record; an invalid definition is refused each time and never recorded.
 */
let assemblyDir: string;

beforeEach(() => {
  assemblyDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-validated-'));
});

afterEach(() => rmSync(assemblyDir, { recursive: true, force: true }));

/** A definition no other test of this file uses (the process remembers what it validated). */
const passing = (result: string): AslDefinition => ({ StartAt: 'Answer', States: { Answer: { Type: 'Pass', Result: result, End: true } } }) as unknown as AslDefinition;
/** Its Next names no state: asl-validator refuses it. */
const dangling = (result: string): AslDefinition => ({ StartAt: 'Answer', States: { Answer: { Type: 'Pass', Result: result, Next: 'Nowhere' } } }) as unknown as AslDefinition;

const records = (): string[] => {
  try {
    return readdirSync(path.join(assemblyDir, VALIDATED_DEFINITIONS_DIR));
  } catch {
    return [];
  }
};

it('records a valid definition in the assembly, by its fingerprint, and runs it', async () => {
  const definition = passing('recorded');
  const fingerprint = definitionFingerprint(definition);
  const machine = validatedStateMachine(definition, assemblyDir);
  expect(records()).toEqual([fingerprint]);
  expect(await machine.run({}).result).toBe('recorded');
});

it('refuses an invalid definition with the validator\'s errors, each time, and records nothing', () => {
  const definition = dangling('refused');
  for (let i = 0; i < 2; i++) expect(() => validatedStateMachine(definition, assemblyDir)).toThrow(/State machine definition is invalid[\s\S]*Nowhere/);
  expect(records()).toEqual([]);
});

it('does not validate again a definition the assembly records (another process validated it)', () => {
  // Planted for a definition the validator refuses: accepting it shows the record, not a validation, decided.
  const definition = dangling('planted');
  mkdirSync(path.join(assemblyDir, VALIDATED_DEFINITIONS_DIR), { recursive: true });
  writeFileSync(path.join(assemblyDir, VALIDATED_DEFINITIONS_DIR, definitionFingerprint(definition)), '');
  expect(() => validatedStateMachine(definition, assemblyDir)).not.toThrow();
  // The record of one definition vouches for no other.
  expect(() => validatedStateMachine(dangling('not planted'), assemblyDir)).toThrow(/State machine definition is invalid/);
});

it('fingerprints the definition exactly: one changed field is another definition', () => {
  expect(definitionFingerprint(passing('a'))).not.toBe(definitionFingerprint(passing('b')));
  expect(definitionFingerprint(passing('a'))).toBe(definitionFingerprint(passing('a')));
});

it('validates without recording when the assembly cannot be written to', () => {
  // A file where the records' directory would go: mkdir fails, as on a read-only assembly.
  writeFileSync(path.join(assemblyDir, VALIDATED_DEFINITIONS_DIR), 'not a directory');
  expect(validatedStateMachine(passing('unwritable'), assemblyDir)).toBeDefined();
  expect(() => validatedStateMachine(dangling('unwritable'), assemblyDir)).toThrow(/State machine definition is invalid/);
});
