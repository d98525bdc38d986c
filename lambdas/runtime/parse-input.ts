import { type z } from 'zod';
import { InvalidInputError } from './errors';

/** Validates a handler's event; the error names each bad field so a runbook user can fix it. */
export function parseInput<T>(schema: z.ZodType<T>, event: unknown, what: string): T {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`);
  throw new InvalidInputError(`Invalid ${what}: ${problems.join('; ')}`);
}
