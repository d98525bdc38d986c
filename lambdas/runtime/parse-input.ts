import { type z } from 'zod';
import { InvalidInputError } from './errors';

/**
 * A runbook input's problems, one per issue: `field: message`. `input` is what was parsed (the
 * operator's JSON): it tells a field that is absent (`field: is required`, with the schema's own
 * "is required: …" hint when it has one) from a field of the wrong type (`field: must be a string,
 * got a number`). zod 4 cannot tell them apart for us: its issues carry no input unless parsed with
 * `reportInput: true` (every caller would have to remember it, and nothing would fail if one did not),
 * and a schema's one type message (`z.string({ error })`) is used for both, so "is required: the
 * name of the source" would answer `"source": 5`.
 */
export function describeInputIssues(error: z.ZodError, input: unknown, executionInputAt?: string): string {
  return error.issues
    .map((i) => {
      const field = fieldName(i.path, executionInputAt);
      if (i.code !== 'invalid_type') return `${field}: ${i.message}`;
      const value = valueAt(input, i.path);
      if (value === undefined) return `${field}: ${/^is required\b/.test(i.message) ? i.message : 'is required'}`;
      return `${field}: ${wrongType(i.expected, value) ?? i.message}`;
    })
    .join('; ');
}

/** The value at `path` in the parsed input; undefined when the input has no such field. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** What a field must be, in an operator's words, for zod's `expected` of an invalid_type issue. */
const EXPECTED: Partial<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  tuple: 'an array',
  null: 'null',
};

/**
 * `must be <expected>, got <what>`, or undefined for an `expected` without words here (zod's message
 * then stands). A number that is not whole needs no "got": the operator sees it in the input.
 */
function wrongType(expected: string, value: unknown): string | undefined {
  const wanted = EXPECTED[expected];
  if (wanted === undefined) return undefined;
  if (expected === 'int' && typeof value === 'number' && Number.isFinite(value)) return `must be ${wanted}`;
  return `must be ${wanted}, got ${kindOf(value)}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isFinite(value) ? 'a number' : String(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * A field's name as the operator wrote it. A step whose event carries the execution's input under a
 * field of its own (`{"request.$": "$"}`) names that input's fields without the wrapper: the operator
 * typed `{"graceHours": -1}`, not `request.graceHours`.
 */
function fieldName(path: readonly PropertyKey[], executionInputAt: string | undefined): string {
  const own = executionInputAt !== undefined && path[0] === executionInputAt ? path.slice(1) : path;
  return own.length ? own.map(String).join('.') : '(input)';
}

/**
 * Validates a handler's event; the error names each bad field so a runbook user can fix it.
 * `executionInputAt`: the event's field that holds the execution's input, whose fields are named as
 * the operator wrote them (fieldName).
 */
export function parseInput<T>(schema: z.ZodType<T>, event: unknown, what: string, executionInputAt?: string): T {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  throw new InvalidInputError(`Invalid ${what}: ${describeInputIssues(result.error, event, executionInputAt)}`);
}
