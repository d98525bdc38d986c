import { ExecutionError, type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { engineFailure, isIntrinsicFailure } from './engine-failure';
import { IntrinsicFailureError, StatesRuntimeFailureError } from './errors';

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Which state and field a value is evaluated for: a failure names both. */
export type Field = { state: string; field: string };

/** What a reference path (`$.a.b`, `$$.Execution.Input.c`) selects in `input` and `context`: States.Runtime when nothing. */
export async function evaluatePath(where: Field, path: string, input: JsonValue, context: Record<string, unknown> = {}): Promise<JsonValue> {
  const out = (await evaluateTemplate(where, { 'value.$': path }, input, context)) as { value?: JsonValue };
  return out.value ?? null;
}

/** One Pass state per payload template, kept: aws-local-stepfunctions evaluates paths, `$$` and intrinsic functions exactly as in the rest of the run. */
const templateMachines = new Map<string, StateMachine>();

/**
 * A payload template (Parameters, ItemSelector, BatchInput…) evaluated against `input` and the context
 * object `context`. A path that selects nothing fails the execution with an uncatchable States.Runtime
 * and a failed intrinsic function with States.IntrinsicFailure, as in AWS, not with the throw-away
 * machine's ExecutionError (which a Catch on States.ALL would take).
 */
export async function evaluateTemplate(where: Field, template: Record<string, unknown>, input: JsonValue, context: Record<string, unknown>): Promise<JsonValue> {
  const fingerprint = JSON.stringify(template);
  let machine = templateMachines.get(fingerprint);
  if (!machine) {
    machine = new StateMachine({ StartAt: 'Template', States: { Template: { Type: 'Pass', Parameters: template, End: true } } } as unknown as StateMachineDefinition, {
      validationOptions: { noValidate: true },
    });
    templateMachines.set(fingerprint, machine);
  }
  try {
    return (await machine.run(input, { context } as RunOptions).result) as JsonValue;
  } catch (err) {
    const failure: unknown = err instanceof ExecutionError ? err.cause : err;
    const reason = engineFailure(err).cause;
    if (isIntrinsicFailure(failure)) throw new IntrinsicFailureError(where.state, where.field, reason);
    throw new StatesRuntimeFailureError(where.state, where.field, reason);
  }
}

export type NumberRule = 'count' | 'positive' | 'percentage';

const NUMBER_RULES: Record<NumberRule, { test: (n: number) => boolean; says: string }> = {
  count: { test: (n) => Number.isInteger(n) && n >= 0, says: 'a non-negative integer' },
  positive: { test: (n) => Number.isInteger(n) && n >= 1, says: 'a positive integer' },
  percentage: { test: (n) => n >= 0 && n <= 100, says: 'a number from 0 to 100' },
};

/** A number field or, when its `…Path` is set, the value the path selects, which must fit `rule` (else States.Runtime, as in AWS). */
export async function numberField(where: Field, value: number | undefined, path: string | undefined, input: JsonValue, rule: NumberRule, context: Record<string, unknown> = {}): Promise<number | undefined> {
  if (path === undefined) return value;
  const found = await evaluatePath(where, path, input, context);
  const { test, says } = NUMBER_RULES[rule];
  if (typeof found !== 'number' || !test(found)) throw new StatesRuntimeFailureError(where.state, where.field, `${path} selects ${JSON.stringify(found)}; it must select ${says}`);
  return found;
}
