import { handler } from '../../../../lambdas/handlers/rebuild-catalog';

/**
 * The runbook's input is refused, naming the field, before the function builds anything from its
 * environment (none is set here). A valid input runs end to end in test/e2e/workflows/runbook-examples.test.ts.
 */
it.each([
  [{ vault: 'backup' }, 'Invalid catalog rebuild request: vault: must be "primary" or "dr"'],
  [{ vualt: 'dr' }, 'Invalid catalog rebuild request: (input): Unrecognized key'],
  ['primary', 'Invalid catalog rebuild request: (input): '],
])('refuses %j with an InvalidInputError naming the field', async (input, message) => {
  await expect(handler(input)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
});
