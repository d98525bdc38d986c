import { type z } from 'zod';
import { InvalidInputError } from './errors';

/**
 * A runbook input's problems, one per field: `field: message`, and `field: is required` for a field
 * that is absent (zod's "expected string, received undefined" helps nobody at the console).
 */
export function describeInputIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const field = i.path.length ? i.path.join('.') : '(input)';
      return i.code === 'invalid_type' && i.input === undefined ? `${field}: is required` : `${field}: ${i.message}`;
    })
    .join('; ');
}

/** Validates a handler's event; the error names each bad field so a runbook user can fix it. */
export function parseInput<T>(schema: z.ZodType<T>, event: unknown, what: string): T {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`);
  throw new InvalidInputError(`Invalid ${what}: ${problems.join('; ')}`);
}
