import { type core, int, nonnegative, regex, safeParse, string } from 'zod/mini';
import { en as english } from 'zod/v4/locales';

/**
 * Checking the JSON objects of the vault against their schemas. The vault's schemas are written with
 * zod/mini, not classic zod: classic zod is some 800 KB of JavaScript that every `lifeboat vault`
 * command parsed and initialised before doing anything (about 100 ms of a 0.3 s start, measured),
 * while zod/mini is a few tens of KB. zod/mini leaves messages to a locale it does not load, so the
 * checks here pass the English one per parse (never installed globally: a program that embeds the
 * vault keeps its own zod configuration).
 */
const { localeError } = english();

/** A 64-hex id (blob, pack, manifest object, snapshot, index object): the id every vault object is named by. */
export const hexIdSchema = string().check(regex(/^[0-9a-f]{64}$/));

/** A count or a byte total: a non-negative safe integer. */
export const countSchema = int().check(nonnegative());

export type SchemaCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** The value as the schema outputs it, or the first problem: where (dotted path, `(root)`) and what. */
export function checkSchema<S extends core.$ZodType>(schema: S, value: unknown): SchemaCheck<core.output<S>> {
  const result = safeParse(schema, value, { error: localeError });
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, problem: issue ? `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : 'invalid' };
}

/** checkSchema for values the vault itself made (an object about to be written): a mismatch is a bug, thrown with what `what` is. */
export function parseSchema<S extends core.$ZodType>(schema: S, value: unknown, what: string): core.output<S> {
  const checked = checkSchema(schema, value);
  if (!checked.ok) throw new Error(`${what} does not match its schema at ${checked.problem}`);
  return checked.value;
}
