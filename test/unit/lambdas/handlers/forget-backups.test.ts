import { handler } from '../../../../lambdas/handlers/forget-backups';

/**
 * The Forget step's input is refused, naming the field, before the function builds anything from its
 * environment (none is set here). The core: test/unit/lambdas/retention/forget-backups.test.ts.
 */
it.each([
  [{ dryRun: 'yes' }, 'Invalid forget request: dryRun: Invalid input: expected boolean, received string'],
  [{ plan: '' }, 'Invalid forget request: plan: '],
  [{ dry_run: true }, 'Invalid forget request: (input): Unrecognized key'],
])('refuses %j with an InvalidInputError naming the field', async (input, message) => {
  await expect(handler(input)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
});
