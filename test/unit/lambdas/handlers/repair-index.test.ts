import { handler } from '../../../../lambdas/handlers/repair-index';

/**
 * The repair-index runbook's input is refused, naming the field, before the function builds anything
 * from its environment (none is set here). The run itself: test/unit/lambdas/repair/repair-index-runbook.test.ts,
 * and end to end test/e2e/workflows/runbook-examples.test.ts.
 */
it.each([
  [{}, 'Invalid repair-index request: vault: is required: "primary" or "dr", the one vault whose index is rebuilt'],
  [{ readData: true }, 'Invalid repair-index request: vault: is required'],
  [{ vault: 'both' }, 'Invalid repair-index request: vault: must be "primary" or "dr"'],
  [{ vault: 'primary', readData: 'yes' }, 'Invalid repair-index request: readData: must be true or false'],
  [{ vault: 'dr', read_data: true }, 'Invalid repair-index request: (input): Unrecognized key'],
  ['primary', 'Invalid repair-index request: (input): '],
])('refuses %j with an InvalidInputError naming the field', async (input, message) => {
  await expect(handler(input)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
});
